"""Every heuristics rule family, one module each, registered here in one place.

A new family is a module in this package with a ``HeuristicRule`` subclass, and one line in
``RULE_FAMILIES``; ``RuleRegistry.default()`` builds from this tuple.
"""

from __future__ import annotations

from checker.heuristics.interface import HeuristicRule
from checker.heuristics.rules.binaries import BundledBinaries
from checker.heuristics.rules.code_exec import CodeExecution
from checker.heuristics.rules.exfiltration import Exfiltration
from checker.heuristics.rules.import_time import ImportTime
from checker.heuristics.rules.install_hooks import InstallHooks
from checker.heuristics.rules.obfuscation import Obfuscation
from checker.heuristics.rules.pth_files import PthFiles
from checker.heuristics.rules.reverse_shell import ReverseShell

RULE_FAMILIES: tuple[type[HeuristicRule], ...] = (
    InstallHooks,
    PthFiles,
    CodeExecution,
    ReverseShell,
    Exfiltration,
    ImportTime,
    BundledBinaries,
    Obfuscation,
)

__all__ = ["RULE_FAMILIES"]
