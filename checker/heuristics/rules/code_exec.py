"""Decode-then-execute and download-then-execute chains.

Honest code rarely executes what it has just decoded from a literal blob or fetched from the
network; droppers always do. The taint analysis in ``pyflow`` follows values through names,
so ``payload = b64decode(BLOB); exec(payload)`` is caught like ``exec(b64decode(BLOB))``.
Data decoded from a shipped file counts for exec/eval/compile and processes, except marshalled
code (what importers do); pickles count only when decoded from a literal.
"""

from __future__ import annotations

from collections.abc import Iterable

from checker.findings import Finding, Severity
from checker.heuristics import api_names as api
from checker.heuristics.artifact import ArtifactView, PythonModule
from checker.heuristics.flow_types import CallSite, Taint
from checker.heuristics.interface import HeuristicRule

DECODE_EXEC = "mal.decode-exec"
DOWNLOAD_EXEC = "mal.download-exec"


def _judge(site: CallSite) -> tuple[str, Severity, str] | None:
    sink = f"{site.name}()"
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
