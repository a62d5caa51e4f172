"""Network and process calls that run when a module is imported.

Library code uses the network and processes all the time, inside functions its caller invokes.
Doing so at import time, at module level, is rarer and is how many droppers start; it is still
done honestly (platform probes), so it informs a reviewer without gating, unless the process
is a downloader, shell or installer (``curl ... | sh``, ``pip install``), which gates. Test
suites, script blocks under ``if __name__ == "__main__":`` and install-time code (see
``install_hooks``) are left out.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from checker.findings import Finding, Severity
from checker.heuristics import api_names as api
from checker.heuristics.artifact import ArtifactView, PythonModule
from checker.heuristics.exfiltration import is_test_file
from checker.heuristics.interface import HeuristicRule

NETWORK = "mal.import-time-network"
PROCESS = "mal.import-time-process"
SCRIPT_ENTRY_NAMES = frozenset({"setup.py", "conftest.py", "noxfile.py", "fabfile.py"})


def _main_block_calls(tree: ast.Module) -> set[int]:
    """ids of the calls under a top-level ``if __name__ == "__main__":``."""
    inside: set[int] = set()
    for node in tree.body:
        if (
            isinstance(node, ast.If)
            and isinstance(node.test, ast.Compare)
            and isinstance(node.test.left, ast.Name)
            and node.test.left.id == "__name__"
        ):
            inside.update(id(n) for n in ast.walk(node) if isinstance(n, ast.Call))
    return inside


class ImportTime(HeuristicRule):
    """Module-level network connections and process starts in importable code."""

    name = "import-time"
    rule_ids = (NETWORK, PROCESS)

    def check_module(self, artifact: ArtifactView, module: PythonModule) -> Iterable[Finding]:
        path = module.member.path
        if is_test_file(path) or path.rsplit("/", 1)[-1] in SCRIPT_ENTRY_NAMES:
            return
        sites = [
            site
            for site in module.facts.calls
            if site.module_level
            and (site.name in api.NETWORK_CALLS or site.name in api.PROCESS_SINKS)
        ]
        if not sites:
            return
        scripts = _main_block_calls(module.tree)
        for site in sites:
            if id(site.node) in scripts:
                continue
            network = site.name in api.NETWORK_CALLS
            # A downloader, shell or installer started on import is a dropper, not a probe.
            suspicious = not network and any(
                api.SUSPICIOUS_COMMAND.search(text) for text in site.strings
            )
            yield artifact.finding(
                rule=NETWORK if network else PROCESS,
                severity=Severity.ERROR if suspicious else Severity.WARNING,
                member=module.member,
                module=module,
                node=site.node,
                what=f"runs at import time: {'connects' if network else 'starts a process'} "
                f"({site.name})",
            )
