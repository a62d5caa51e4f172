"""Every heuristics rule family, one module each, registered here in one place.

A new family is a module in this package with a ``HeuristicRule`` subclass, and one line in
``RULE_FAMILIES``; ``RuleRegistry.default()`` builds from this tuple.
"""

from __future__ import annotations

from checker.heuristics.interface import HeuristicRule
from checker.heuristics.rules.analysis import AnalysisLimits
from checker.heuristics.rules.binaries import BundledBinaries
from checker.heuristics.rules.browser_stores import BrowserStores
from checker.heuristics.rules.capture import Capture
from checker.heuristics.rules.code_exec import CodeExecution
from checker.heuristics.rules.endpoints import Endpoints
from checker.heuristics.rules.exfiltration import Exfiltration
from checker.heuristics.rules.import_time import ImportTime
from checker.heuristics.rules.injection import ProcessInjection
from checker.heuristics.rules.install_hooks import InstallHooks
from checker.heuristics.rules.obfuscation import Obfuscation
from checker.heuristics.rules.persistence import Persistence
from checker.heuristics.rules.pth_files import PthFiles
from checker.heuristics.rules.reflection import ReflectiveCalls
from checker.heuristics.rules.reverse_shell import ReverseShell

RULE_FAMILIES: tuple[type[HeuristicRule], ...] = (
    InstallHooks,
    PthFiles,
    CodeExecution,
    ReflectiveCalls,
    ReverseShell,
    Exfiltration,
    Endpoints,
    BrowserStores,
    Persistence,
    ProcessInjection,
    Capture,
    ImportTime,
    BundledBinaries,
    Obfuscation,
    AnalysisLimits,
)

__all__ = ["RULE_FAMILIES"]
