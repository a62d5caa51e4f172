"""Decode-then-execute and download-then-execute chains.

Honest code rarely executes what it has just decoded from a literal blob, decrypted (Fernet,
AES), unescaped or fetched from the network; droppers always do. A downloaded file run by its
name (``urlretrieve(url, "x.exe")`` then ``Popen(["x.exe"])`` or ``os.system("start x.exe")``),
or given execute permission, counts as executed. The taint analysis in ``pyflow`` follows
values through names, so ``payload = b64decode(BLOB); exec(payload)`` is caught like
``exec(b64decode(BLOB))``.
Data decoded from a shipped file counts for exec/eval/compile and processes, except marshalled
code (what importers do); pickles count only when decoded from a literal.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from checker.findings import Finding, Severity
from checker.heuristics import api_names as api
from checker.heuristics.artifact import ArtifactView, PythonModule
from checker.heuristics.flow_types import CallSite, Taint
from checker.heuristics.interface import HeuristicRule

DECODE_EXEC = "mal.decode-exec"
DOWNLOAD_EXEC = "mal.download-exec"
EXECUTE_BITS = frozenset(
    {"S_IEXEC", "S_IXUSR", "S_IXGRP", "S_IXOTH", "S_IRWXU", "S_IRWXG", "S_IRWXO"}
)


def _executable_mode(mode: ast.expr | None) -> bool:
    """True when a chmod mode grants execution (0o755, stat.S_IEXEC, st_mode | S_IXUSR)."""
    for node in ast.walk(mode) if mode is not None else ():
        if isinstance(node, ast.Constant) and type(node.value) is int and node.value & 0o111:
            return True
        name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")
        if name in EXECUTE_BITS:
            return True
    return False


def _made_executable(site: CallSite) -> tuple[str, Severity, str] | None:
    """A downloaded file given execute permission: the step before running it."""
    if site.name in api.CHMOD_CALLS:
        labels, mode = site.arguments, site.node.args[1] if len(site.node.args) > 1 else None
    elif site.method == "chmod" and not site.name:
        labels, mode = site.receiver, site.node.args[0] if site.node.args else None
    else:
        return None
    if not labels & Taint.DOWNLOADED or not _executable_mode(mode):
        return None
    if labels & Taint.FIXED_URL:
        return DOWNLOAD_EXEC, Severity.ERROR, "a downloaded file is made executable"
    what = "a file downloaded from a caller-supplied address is made executable"
    return DOWNLOAD_EXEC, Severity.WARNING, what


def _judge(site: CallSite) -> tuple[str, Severity, str] | None:
    sink = f"{site.name}()"
    chmod = _made_executable(site)
    if chmod:
        return chmod
    if site.name in api.DESERIALIZERS:
        # Caches and test round-trips unpickle files and responses all the time: only an
        # embedded, encoded pickle is a dropper's signature.
        if site.arguments & Taint.DECODED:
            return DECODE_EXEC, Severity.ERROR, f"decoded data is executed by {sink}"
        return None
    executes = site.name in api.EXEC_SINKS
    spawns = site.name in api.PROCESS_SINKS
    runs_file = spawns or site.name in api.FILE_RUNNERS
    if not executes and not runs_file:
        return None
    if site.arguments & Taint.NETWORK or (runs_file and site.arguments & Taint.DOWNLOADED):
        if site.arguments & Taint.FIXED_URL:
            return DOWNLOAD_EXEC, Severity.ERROR, f"downloaded data is executed by {sink}"
        # Remote-code features (dask's --preload URL) run what their *user* points them at.
        what = f"data from a caller-supplied address is executed by {sink}"
        return DOWNLOAD_EXEC, Severity.WARNING, what
    if site.arguments & (Taint.DECODED | Taint.UNPACKED):
        return DECODE_EXEC, Severity.ERROR, f"decoded data is executed by {sink}"
    return None


class CodeExecution(HeuristicRule):
    """Executing decoded literals or downloaded data (exec/eval/compile/pickle/processes)."""

    name = "code-execution"
    rule_ids = (DECODE_EXEC, DOWNLOAD_EXEC)

    def check_module(self, artifact: ArtifactView, module: PythonModule) -> Iterable[Finding]:
        for site in module.facts.calls:
            found = _judge(site)
            if found:
                rule, severity, what = found
                yield artifact.code_finding(module, site.node, rule, severity, what)
