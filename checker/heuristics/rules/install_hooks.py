"""Install-time code (setup.py, custom install commands, in-tree build backends) that reaches out.

An sdist runs this code on whatever machine builds it. Reaching the network, executing code
that is not the project's own file, or running a downloader or shell there is what install-time
malware does. Builds do run tools (``pkg-config``, compilers, ``git``), so a plain process spawn
is reported without gating unless it happens inside an install/develop/egg_info override, runs
something no build needs, or runs a program other than a build tool inside a build/build_py/
build_ext/bdist_wheel/sdist override (a class deriving from the command, or registered for it
in ``cmdclass``).

Install-time code is: the sdist's ``setup.py``; module-level code of helper modules that
``setup.py`` imports from beside itself; and the module named by an in-tree ``build-backend``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from checker.findings import Finding, Severity
from checker.heuristics import api_names as api
from checker.heuristics import text_patterns as text
from checker.heuristics.artifact import ArtifactView, PythonModule
from checker.heuristics.code_context import install_time_code
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
BUILD_COMMANDS = frozenset(
    ["build", "build_py", "build_ext", "build_clib", "build_scripts", "bdist_wheel", "sdist"]
)
# Programs a build step runs honestly: compilers, build systems, SDK and package-config probes.
BUILD_TOOLS = frozenset(
    {
        "pkg-config",
        "pkgconf",
        "cmake",
        "make",
        "gmake",
        "ninja",
        "meson",
        "gcc",
        "g++",
        "cc",
        "c++",
        "clang",
        "clang++",
        "cl",
        "link",
        "ar",
        "ld",
        "nasm",
        "yasm",
        "swig",
        "cython",
        "git",
        "hg",
        "xcrun",
        "brew",
        "sw_vers",
        "lsb_release",
        "uname",
        "ldconfig",
        "cargo",
        "rustc",
        "go",
        "npm",
        "yarn",
        "pnpm",
        "node",
        "protoc",
        "autoreconf",
        "autoconf",
        "./configure",
        "gfortran",
        "nvcc",
        "llvm-config",
        "qmake",
        "bison",
        "flex",
        "patch",
        "patchelf",
        "install_name_tool",
        "lipo",
        "strip",
        "codesign",
    }
)
# Running a file of the project (runpy.run_path) is like importing it; its content is scanned.
EXECUTORS = frozenset({"exec", "eval", "execfile"})


def _calls_in(nodes: Iterable[ast.AST], kinds: tuple[type[ast.AST], ...]) -> set[int]:
    inside: set[int] = set()
    for node in nodes:
        if isinstance(node, kinds):
            inside.update(id(n) for n in ast.walk(node) if isinstance(n, ast.Call))
    return inside


def _command_kind(name: str) -> str | None:
    if name in INSTALL_COMMANDS:
        return "install"
    return "build" if name in BUILD_COMMANDS else None


def _registered_commands(tree: ast.Module) -> dict[str, str]:
    """Class names registered in a ``cmdclass`` mapping, with the kind of command they replace."""
    registered: dict[str, str] = {}
    for node in ast.walk(tree):
        mapping: ast.expr | None = None
        if isinstance(node, ast.keyword):
            mapping = node.value if node.arg == "cmdclass" else None
        elif isinstance(node, ast.Assign):
            named = any(isinstance(t, ast.Name) and t.id == "cmdclass" for t in node.targets)
            mapping = node.value if named else None
        if isinstance(mapping, ast.Dict):
            for key, value in zip(mapping.keys, mapping.values, strict=True):
                kind = _command_kind(str(key.value)) if isinstance(key, ast.Constant) else None
                if kind and isinstance(value, ast.Name):
                    registered[value.id] = kind
    return registered


def _override_calls(module: PythonModule) -> dict[int, str]:
    """ids of the calls inside classes that override a setuptools command, with its kind."""
    registered = _registered_commands(module.tree)
    calls: dict[int, str] = {}
    for node in ast.walk(module.tree):
        if not isinstance(node, ast.ClassDef):
            continue
        kind = registered.get(node.name)
        for base in node.bases:
            kind = kind or _command_kind((module.facts.resolve(base) or "").rsplit(".", 1)[-1])
        if kind:
            for call in _calls_in([node], (ast.ClassDef,)):
                calls.setdefault(call, kind)
    return calls


def _program(call: ast.Call) -> str | None:
    """The program a process call runs, when the code spells it."""
    if not call.args:
        return None
    first = call.args[0]
    if isinstance(first, ast.List | ast.Tuple) and first.elts:
        first = first.elts[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value.split():
        word = first.value.split()[0].replace("\\", "/")
        return word if word.startswith("./") else word.rsplit("/", 1)[-1].removesuffix(".exe")
    return None


class InstallHooks(HeuristicRule):
    """Network, exec or suspicious processes in code that runs when an sdist is installed."""

    name = "install-hooks"
    rule_ids = (NETWORK, PROCESS, EXEC)

    def check_module(self, artifact: ArtifactView, module: PythonModule) -> Iterable[Finding]:
        code = install_time_code(artifact)
        path = module.member.path
        if path not in code.helpers and path not in code.backends and path != code.setup:
            return
        deferred: set[int] = set()
        if path in code.helpers:
            # Functions of a helper run only if setup.py calls them; module-level code always.
            deferred = _calls_in(ast.walk(module.tree), (ast.FunctionDef, ast.AsyncFunctionDef))
        overrides = _override_calls(module)
        for site in module.facts.calls:
            if id(site.node) in deferred:
                continue
            found = _judge(site, overrides.get(id(site.node)), is_setup=path == code.setup)
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
    site: CallSite, override: str | None, *, is_setup: bool
) -> tuple[str, Severity, str] | None:
    if site.name in api.NETWORK_CALLS:
        return NETWORK, Severity.ERROR, f"install-time code opens a connection ({site.name})"
    if site.name in EXECUTORS:
        # exec(open("pkg/_version.py").read()) reads the project's own file: common, benign.
        # A build backend executing setup.py is its job; decoded payloads gate elsewhere.
        own_file = site.arguments & Taint.FILE and not site.arguments & ~(
            Taint.FILE | Taint.SHIPPED
        )
        if not own_file and is_setup:
            what = f"install-time code executes dynamic code ({site.name})"
            return EXEC, Severity.ERROR, what
    if site.name in api.PROCESS_SINKS:
        suspicious = any(text.SUSPICIOUS_COMMAND.search(value) for value in site.strings)
        tainted = site.arguments & (Taint.DECODED | Taint.NETWORK | Taint.DOWNLOADED)
        program = _program(site.node)
        # A build override runs compilers and probes honestly; anything else it runs is not
        # a build step. An install override has no reason to run a process at all.
        foreign = override == "build" and program is not None and program not in BUILD_TOOLS
        if suspicious or tainted or override == "install" or foreign:
            where = f"a setup.py {override} command override" if override else "install-time code"
            return PROCESS, Severity.ERROR, f"{where} runs a process ({site.name})"
        return PROCESS, Severity.WARNING, f"install-time code runs a process ({site.name})"
    return None
