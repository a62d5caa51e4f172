"""Network and process calls that run when a module is imported.

Library code uses the network and processes all the time, inside functions its caller invokes.
Doing so at import time, at module level, is rarer and is how many droppers start; it is still
done honestly (platform probes), so it informs a reviewer without gating, unless the process
is a downloader, shell or installer (``curl ... | sh``, ``pip install``), which gates. Test
suites, files no one imports (an sdist's ``docs/`` or ``examples/``, a wheel's scripts), script
blocks under ``if __name__ == "__main__":`` and install-time code (see ``install_hooks``) are
left out.
"""

from __future__ import annotations

from collections.abc import Iterable

from checker.findings import Finding, Severity
from checker.heuristics import api_names as api
from checker.heuristics import text_patterns as text
from checker.heuristics.artifact import ArtifactView, PythonModule
from checker.heuristics.code_context import ModuleContext
from checker.heuristics.interface import HeuristicRule

NETWORK = "mal.import-time-network"
PROCESS = "mal.import-time-process"


class ImportTime(HeuristicRule):
    """Module-level network connections and process starts in importable code."""

    name = "import-time"
    rule_ids = (NETWORK, PROCESS)

    def check_module(self, artifact: ArtifactView, module: PythonModule) -> Iterable[Finding]:
        context = ModuleContext(artifact, module)
        if not context.importable:
            return
        sites = [
            site
            for site in module.facts.calls
            if site.module_level
            and (site.name in api.NETWORK_CALLS or site.name in api.PROCESS_SINKS)
        ]
        if not sites:
            return
        for site in sites:
            if context.runs_by_itself(site) is None:
                continue
            network = site.name in api.NETWORK_CALLS
            # A downloader, shell or installer started on import is a dropper, not a probe.
            suspicious = not network and any(
                text.SUSPICIOUS_COMMAND.search(value) for value in site.strings
            )
            action = "connects" if network else "starts a process"
            yield artifact.code_finding(
                module,
                site.node,
                NETWORK if network else PROCESS,
                Severity.ERROR if suspicious else Severity.WARNING,
                f"runs at import time: {action} ({site.name})",
            )
