"""Install-time code (setup.py, custom install commands, in-tree build backends) that reaches out.

An sdist runs this code on whatever machine builds it. Reaching the network, executing code
that is not the project's own file, or running a downloader or shell there is what install-time
malware does. Builds do run tools (``pkg-config``, compilers, ``git``), so a plain process spawn
is reported without gating unless it happens inside an install/develop/egg_info override or
runs something no build needs.

Install-time code is: the sdist's ``setup.py``; module-level code of helper modules that
``setup.py`` imports from beside itself; and the module named by an in-tree ``build-backend``.
"""

from __future__ import annotations

import ast
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass

from checker.findings import Finding, Severity
from checker.heuristics import api_names as api
from checker.heuristics.artifact import ArtifactView, PythonModule
from checker.heuristics.flow_types import CallSite, Taint
from checker.heuristics.interface import HeuristicRule

NETWORK = "mal.install-hook-network"
PROCESS = "mal.install-hook-process"
EXEC = "mal.install-hook-exec"
INSTALL_COMMANDS = frozenset(
    [
        "install",
        "develop",
        "egg_info",
        "easy_install",
        "install_lib",
        "install_scripts",
        "install_egg_info",
        "install_data",
    ]
)
# Running a file of the project (runpy.run_path) is like importing it; its content is scanned.
EXECUTORS = frozenset({"exec", "eval", "execfile"})


@dataclass(frozen=True, kw_only=True, slots=True)
class InstallTimeCode:
    """Which members of an sdist run at build/install time, and how."""

    setup: str = ""
    helpers: frozenset[str] = frozenset()  # only their module-level code runs on import
    backends: frozenset[str] = frozenset()


def _helper_imports(artifact: ArtifactView, setup_path: str) -> set[str]:
    member = next(m for m in artifact.members if m.path == setup_path)
    try:
        tree = ast.parse(member.data or b"")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return {f"{artifact.root}{name}.py" for name in names}


def install_time_code(artifact: ArtifactView) -> InstallTimeCode:
    """Locate setup.py, the helpers it imports and an in-tree build backend."""
    if artifact.kind != "sdist":
        return InstallTimeCode()
    paths = {member.path for member in artifact.python_members()}
    setup = f"{artifact.root}setup.py"
    helpers = _helper_imports(artifact, setup) & paths if setup in paths else set()
    backends: set[str] = set()
    build = artifact.pyproject.get("build-system", {})
    backend = str(build.get("build-backend", "")).split(":")[0]
    backend_paths = build.get("backend-path", [])
    if backend and isinstance(backend_paths, list):
        relative_module = backend.replace(".", "/")
        for directory in backend_paths:
            relative = posixpath.normpath(str(directory)).strip("/")
            prefix = artifact.root if relative in {"", "."} else f"{artifact.root}{relative}/"
            for candidate in (f"{relative_module}.py", f"{relative_module}/__init__.py"):
                if f"{prefix}{candidate}" in paths:
                    backends.add(f"{prefix}{candidate}")
    return InstallTimeCode(
        setup=setup if setup in paths else "",
        helpers=frozenset(helpers),
        backends=frozenset(backends),
    )


def _calls_in(nodes: Iterable[ast.AST], kinds: tuple[type[ast.AST], ...]) -> set[int]:
    inside: set[int] = set()
    for node in nodes:
        if isinstance(node, kinds):
            inside.update(id(n) for n in ast.walk(node) if isinstance(n, ast.Call))
    return inside


def _install_command_calls(module: PythonModule) -> set[int]:
    """ids of the calls inside classes that override an install-type setuptools command."""
    classes = [
        node
        for node in ast.walk(module.tree)
        if isinstance(node, ast.ClassDef)
        and {(module.facts.resolve(b) or "").rsplit(".", 1)[-1] for b in node.bases}
        & INSTALL_COMMANDS
    ]
    return _calls_in(classes, (ast.ClassDef,))


class InstallHooks(HeuristicRule):
    """Network, exec or suspicious processes in code that runs when an sdist is installed."""

    name = "install-hooks"
    rule_ids = (NETWORK, PROCESS, EXEC)

    def check_module(self, artifact: ArtifactView, module: PythonModule) -> Iterable[Finding]:
        code = artifact.notes.get(self.name)
        if not isinstance(code, InstallTimeCode):
            code = artifact.notes[self.name] = install_time_code(artifact)
        path = module.member.path
        if path not in code.helpers and path not in code.backends and path != code.setup:
            return
        deferred: set[int] = set()
        if path in code.helpers:
            # Functions of a helper run only if setup.py calls them; module-level code always.
            deferred = _calls_in(ast.walk(module.tree), (ast.FunctionDef, ast.AsyncFunctionDef))
        overrides = _install_command_calls(module)
        for site in module.facts.calls:
            if id(site.node) in deferred:
                continue
            found = _judge(site, id(site.node) in overrides, is_setup=path == code.setup)
            if found is None:
                continue
            rule, severity, what = found
            yield artifact.code_finding(
                module,
                site.node,
                rule,
                severity,
                what,
                hint="install-time code must not reach the network or run foreign code",
            )


def _judge(
    site: CallSite, in_override: bool, *, is_setup: bool
) -> tuple[str, Severity, str] | None:
    if site.name in api.NETWORK_CALLS:
        return NETWORK, Severity.ERROR, f"install-time code opens a connection ({site.name})"
    if site.name in EXECUTORS:
        # exec(open("pkg/_version.py").read()) reads the project's own file: common, benign.
        # A build backend executing setup.py is its job; decoded payloads gate elsewhere.
        own_file = site.arguments & Taint.FILE and not site.arguments & ~Taint.FILE
        if not own_file and is_setup:
            what = f"install-time code executes dynamic code ({site.name})"
            return EXEC, Severity.ERROR, what
    if site.name in api.PROCESS_SINKS:
        suspicious = any(api.SUSPICIOUS_COMMAND.search(text) for text in site.strings)
        tainted = site.arguments & (Taint.DECODED | Taint.NETWORK | Taint.DOWNLOADED)
        if suspicious or tainted or in_override:
            where = "an install command override" if in_override else "install-time code"
            return PROCESS, Severity.ERROR, f"{where} runs a process ({site.name})"
        return PROCESS, Severity.WARNING, f"install-time code runs a process ({site.name})"
    return None
