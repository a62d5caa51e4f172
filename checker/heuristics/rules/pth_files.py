"""Executable lines in ``.pth`` files: they run at every start of the interpreter.

``site`` executes every ``.pth`` line that starts with ``import``. Honest uses exist
(setuptools' ``distutils-precedence.pth``, virtualenv's ``_virtualenv.pth``, namespace-package
``-nspkg.pth`` files, editable installs): they import a module the same distribution ships and
call into it, reading at most an environment variable. A line that executes or decodes code,
spawns processes, touches the network or files, or imports anything else is gated.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator

from checker.findings import Finding, Severity
from checker.heuristics import api_names as api
from checker.heuristics.artifact import ArtifactView
from checker.heuristics.interface import HeuristicRule
from checker.heuristics.pyflow import ModuleFacts

EXEC = "mal.pth-exec"
IMPORT = "mal.pth-import"
# Standard modules an honest .pth line needs to find and register its own package.
SAFE_MODULES = frozenset({"os", "sys", "site", "types", "importlib", "warnings"})
DANGEROUS_CALLS = (
    api.EXEC_SINKS
    | api.PROCESS_SINKS
    | api.NETWORK_CALLS
    | api.DECODERS
    | api.FILE_READS
    # setattr/delattr stay allowed: nested namespace-package .pth files set module attributes.
    | {"getattr", "globals", "vars", "locals", "marshal.loads"}
)


def _dangers(tree: ast.Module, shipped: frozenset[str]) -> Iterator[str]:
    facts = ModuleFacts(tree)
    allowed = shipped | SAFE_MODULES
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] not in allowed:
                    yield f"imports {alias.name}, which this artifact does not ship"
        elif isinstance(node, ast.ImportFrom):
            if (node.module or "").split(".")[0] not in allowed:
                yield f"imports from {node.module}, which this artifact does not ship"
        elif isinstance(node, ast.Call):
            name = facts.resolve(node.func) or ""
            if name in {"__import__", "importlib.import_module"}:
                target = node.args[0] if node.args else None
                module = target.value if isinstance(target, ast.Constant) else None
                if not isinstance(module, str) or module.split(".")[0] not in allowed:
                    yield f"imports a module it does not ship ({ast.unparse(node)[:60]})"
            elif name in DANGEROUS_CALLS or name.split(".")[0] in {"subprocess", "socket"}:
                yield f"calls {name}"
        elif isinstance(node, ast.Name) and node.id in {"__builtins__", "builtins"}:
            yield "reaches into builtins"


class PthFiles(HeuristicRule):
    """Executable ``.pth`` lines: gated unless they only import and call shipped code."""

    name = "pth-files"
    rule_ids = (EXEC, IMPORT)

    def check_artifact(self, artifact: ArtifactView) -> Iterable[Finding]:
        for member in artifact.members:
            if not member.path.endswith(".pth") or member.data is None:
                continue
            text = member.data.decode("utf-8", errors="replace")
            for number, line in enumerate(text.splitlines(), start=1):
                if not line.startswith(("import ", "import\t")):
                    continue
                try:
                    tree = ast.parse(line)
                except (SyntaxError, ValueError, RecursionError, MemoryError):
                    dangers = ["cannot be parsed; site would report it and carry on"]
                    severity = Severity.NOTICE
                else:
                    dangers = list(_dangers(tree, artifact.top_level_modules))
                    severity = Severity.ERROR if dangers else Severity.NOTICE
                if severity is Severity.ERROR:
                    what = f"executable .pth line {dangers[0]} (runs at every interpreter start)"
                    rule = EXEC
                else:
                    what = "executable .pth line (runs at every interpreter start)"
                    rule = IMPORT
                yield artifact.finding(
                    rule=rule,
                    severity=severity,
                    member=member,
                    what=what,
                    excerpt=line,
                    line=number,
                    column=1,
                    hint="a .pth file may only register the package it ships",
                )
