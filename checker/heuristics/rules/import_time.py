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

import ast
from collections.abc import Iterable

from checker.findings import Finding, Severity
from checker.heuristics import api_names as api
from checker.heuristics.artifact import ArtifactView, PythonModule
from checker.heuristics.interface import HeuristicRule
from checker.heuristics.rules.exfiltration import is_test_file

NETWORK = "mal.import-time-network"
PROCESS = "mal.import-time-process"
SCRIPT_ENTRY_NAMES = frozenset({"setup.py", "conftest.py", "noxfile.py", "fabfile.py"})


def _is_main_guard(test: ast.expr) -> bool:
    return any(isinstance(n, ast.Name) and n.id == "__name__" for n in ast.walk(test)) and any(
        isinstance(n, ast.Constant) and n.value == "__main__" for n in ast.walk(test)
    )


def _main_block_calls(tree: ast.Module) -> set[int]:
    """ids of the calls under a top-level ``if ... __name__ == "__main__":``."""
    inside: set[int] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and _is_main_guard(node.test):
            inside.update(id(n) for n in ast.walk(node) if isinstance(n, ast.Call))
    return inside


def _package_dirs(artifact: ArtifactView) -> frozenset[str]:
    return frozenset(
        member.path.rsplit("/", 1)[0]
        for member in artifact.members
        if member.path.endswith("/__init__.py")
    )


def is_importable(artifact: ArtifactView, path: str) -> bool:
    """Whether ``path`` is a module an installed distribution would let code import.

    Wheel members are installed as they are, except ``.data/scripts``. In an sdist, only
    top-level modules and modules inside regular packages are; ``docs/``, ``examples/``,
    ``tools/`` and the like are not.
    """
    if artifact.kind == "wheel":
        return ".data/scripts/" not in path
    relative = path.removeprefix(artifact.root)
    if "/" not in relative:
        return True
    packages = artifact.notes.get("import-time:packages")
    if not isinstance(packages, frozenset):
        packages = artifact.notes["import-time:packages"] = _package_dirs(artifact)
    directory = path.rsplit("/", 1)[0]
    stop = f"{artifact.root}src" if relative.startswith("src/") else artifact.root.rstrip("/")
    while directory and directory != stop:
        if directory not in packages:
            return False
        directory = directory.rsplit("/", 1)[0] if "/" in directory else ""
    return True


class ImportTime(HeuristicRule):
    """Module-level network connections and process starts in importable code."""

    name = "import-time"
    rule_ids = (NETWORK, PROCESS)

    def check_module(self, artifact: ArtifactView, module: PythonModule) -> Iterable[Finding]:
        path = module.member.path
        if is_test_file(path) or path.rsplit("/", 1)[-1] in SCRIPT_ENTRY_NAMES:
            return
        if not is_importable(artifact, path):
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
            action = "connects" if network else "starts a process"
            yield artifact.code_finding(
                module,
                site.node,
                NETWORK if network else PROCESS,
                Severity.ERROR if suspicious else Severity.WARNING,
                f"runs at import time: {action} ({site.name})",
            )
