"""When a module's code runs: at install time, at import time, in a test suite, or on demand.

Many shapes are honest inside a function a caller invokes and malicious when they run by
themselves: while an sdist is built or installed (``setup.py``, the helpers it imports, an
in-tree build backend) or when a package is imported (module-level code of an importable
module). Test suites, files nothing imports and ``if __name__ == "__main__":`` blocks run only
when someone asks.
"""

from __future__ import annotations

import ast
import posixpath
from dataclasses import dataclass

from checker.heuristics.artifact import ArtifactView, PythonModule
from checker.heuristics.flow_types import CallSite

TEST_DIRECTORIES = frozenset({"test", "tests", "testing"})
SCRIPT_ENTRY_NAMES = frozenset({"setup.py", "conftest.py", "noxfile.py", "fabfile.py"})
# Top-level sdist directories that hold a project's documentation, examples and tooling.
NOT_INSTALLED_DIRECTORIES = frozenset(
    {"docs", "doc", "examples", "example", "demo", "demos", "benchmarks", "benchmark", "tools"}
)
INSTALL_TIME_NOTE = "code-context:install-time"
PACKAGES_NOTE = "code-context:packages"


def is_test_file(path: str) -> bool:
    """True for files of a test suite (``tests/``, ``test_*.py``, ``conftest.py``)."""
    parts = path.split("/")
    name = posixpath.basename(path)
    return (
        any(part in TEST_DIRECTORIES for part in parts[:-1])
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


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
    root = artifact.root
    return {f"{root}{name}.py" for name in names} | {f"{root}{name}/__init__.py" for name in names}


def install_time_code(artifact: ArtifactView) -> InstallTimeCode:
    """Locate setup.py, the helpers it imports and an in-tree build backend (cached)."""
    known = artifact.notes.get(INSTALL_TIME_NOTE)
    if isinstance(known, InstallTimeCode):
        return known
    code = InstallTimeCode()
    if artifact.kind == "sdist":
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
        code = InstallTimeCode(
            setup=setup if setup in paths else "",
            helpers=frozenset(helpers),
            backends=frozenset(backends),
        )
    artifact.notes[INSTALL_TIME_NOTE] = code
    return code


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
    ``tools/`` and the like are not, even with an ``__init__.py`` (wheels leave them out).
    """
    if artifact.kind == "wheel":
        return ".data/scripts/" not in path
    relative = path.removeprefix(artifact.root)
    if "/" not in relative:
        return True
    if relative.split("/", 1)[0] in NOT_INSTALLED_DIRECTORIES:
        return False
    packages = artifact.notes.get(PACKAGES_NOTE)
    if not isinstance(packages, frozenset):
        packages = artifact.notes[PACKAGES_NOTE] = _package_dirs(artifact)
    directory = path.rsplit("/", 1)[0]
    stop = f"{artifact.root}src" if relative.startswith("src/") else artifact.root.rstrip("/")
    while directory and directory != stop:
        if directory not in packages:
            return False
        directory = directory.rsplit("/", 1)[0] if "/" in directory else ""
    return True


def _is_main_guard(test: ast.expr) -> bool:
    return any(isinstance(n, ast.Name) and n.id == "__name__" for n in ast.walk(test)) and any(
        isinstance(n, ast.Constant) and n.value == "__main__" for n in ast.walk(test)
    )


def main_block_calls(tree: ast.Module) -> set[int]:
    """ids of the calls under a top-level ``if ... __name__ == "__main__":``."""
    inside: set[int] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and _is_main_guard(node.test):
            inside.update(id(n) for n in ast.walk(node) if isinstance(n, ast.Call))
    return inside


class ModuleContext:
    """When the calls of one module run; ``runs_by_itself(site)`` names the moment or None."""

    def __init__(self, artifact: ArtifactView, module: PythonModule) -> None:
        path = module.member.path
        self.module = module
        self.test = is_test_file(path)
        code = install_time_code(artifact)
        self.install = path == code.setup or path in code.backends
        self.helper = path in code.helpers
        self.importable = (
            not self.test
            and path.rsplit("/", 1)[-1] not in SCRIPT_ENTRY_NAMES
            and is_importable(artifact, path)
        )
        self._scripts: set[int] | None = None

    def runs_by_itself(self, site: CallSite) -> str | None:
        """ "at install time", "at import time", or None when a caller must invoke the code."""
        if self.install or (self.helper and site.module_level):
            return "at install time"
        if self.importable and site.module_level:
            if self._scripts is None:
                self._scripts = main_block_calls(self.module.tree)
            if id(site.node) not in self._scripts:
                return "at import time"
        return None
