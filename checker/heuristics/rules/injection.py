"""Process injection: code placed into other processes, or into every process started.

``mal.process-injection``:

- error: a module reaches both an API that writes another process's memory
  (``WriteProcessMemory``, ``VirtualAllocEx``) and one that runs code there
  (``CreateRemoteThread``, ``NtCreateThreadEx``, ``QueueUserAPC``), through ctypes attributes
  or names looked up as strings; a native library loaded (``ctypes.CDLL``, ``LoadLibrary``) from
  a downloaded or decoded path; ``/etc/ld.so.preload`` written; ``LD_PRELOAD`` set to a
  downloaded or decoded library, or set by code that runs by itself at install or import time;
- warning: one injection API alone (debuggers and memory editors use them), ``LD_PRELOAD`` set
  otherwise (test harnesses and exploit tooling run programs with a chosen library).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator

from checker.findings import Finding, Severity
from checker.heuristics import api_names as api
from checker.heuristics import text_patterns as text
from checker.heuristics.artifact import ArtifactView, PythonModule
from checker.heuristics.code_context import ModuleContext
from checker.heuristics.flow_types import CallSite, Taint
from checker.heuristics.interface import HeuristicRule
from checker.heuristics.rules.persistence import writes_file

PROCESS_INJECTION = "mal.process-injection"
PAYLOAD = Taint.DOWNLOADED | Taint.DECODED | Taint.NETWORK | Taint.UNPACKED
Judgement = tuple[ast.AST, Severity, str]


def _injection_apis(module: PythonModule) -> Iterator[Judgement]:
    refs: list[tuple[str, ast.AST]] = [
        (name, node) for name, node in module.facts.native_refs if name not in api.CAPTURE_APIS
    ]
    refs.extend(
        (string.value, string.node)
        for string in module.facts.strings
        if string.value in api.INJECTION_WRITE_APIS or string.value in api.INJECTION_RUN_APIS
    )
    names = {name for name, _ in refs}
    ordered = sorted(refs, key=lambda ref: getattr(ref[1], "lineno", 0))
    if names & api.INJECTION_WRITE_APIS and names & api.INJECTION_RUN_APIS:
        # Reported where the code is started in the other process.
        name, node = next(ref for ref in ordered if ref[0] in api.INJECTION_RUN_APIS)
        yield node, Severity.ERROR, f"writes into another process and runs code there ({name})"
        return
    reported: set[str] = set()
    for name, node in ordered:
        if name not in reported:
            reported.add(name)
            yield node, Severity.WARNING, f"reaches a process-injection API ({name})"


def _preload_in_env(site: CallSite) -> bool:
    for keyword in site.node.keywords:
        if keyword.arg != "env":
            continue
        for node in ast.walk(keyword.value):
            if isinstance(node, ast.Constant) and node.value in text.PRELOAD_VARIABLES:
                return True
            if isinstance(node, ast.keyword) and node.arg in text.PRELOAD_VARIABLES:
                return True
    return False


def _site_judgements(site: CallSite, context: ModuleContext) -> Iterator[Judgement]:
    call = site.node
    if site.name in api.NATIVE_LOADERS and site.arguments & PAYLOAD:
        yield call, Severity.ERROR, f"a downloaded or decoded library is loaded ({site.name})"
    written = writes_file(site)
    if written is not None and text.SYSTEM_PRELOAD in site.strings:
        yield call, Severity.ERROR, f"{text.SYSTEM_PRELOAD} is written: every program loads it"
    preload = (site.name in api.ENV_SETTERS and text.PRELOAD_VARIABLES & set(site.strings)) or (
        site.name in api.PROCESS_SINKS and _preload_in_env(site)
    )
    if preload:
        yield _preload(call, site.arguments, context.runs_by_itself(site))


def _preload(node: ast.AST, labels: Taint, when: str | None) -> Judgement:
    if labels & PAYLOAD:
        return node, Severity.ERROR, "a downloaded or decoded library is preloaded (LD_PRELOAD)"
    if when:
        return node, Severity.ERROR, f"LD_PRELOAD is set {when}"
    return node, Severity.WARNING, "a library is preloaded into started programs (LD_PRELOAD)"


class ProcessInjection(HeuristicRule):
    """Remote-process injection APIs, downloaded native libraries, LD_PRELOAD."""

    name = "process-injection"
    rule_ids = (PROCESS_INJECTION,)

    def check_module(self, artifact: ArtifactView, module: PythonModule) -> Iterable[Finding]:
        facts = module.facts
        judgements = list(_injection_apis(module))
        context = ModuleContext(artifact, module)
        for site in facts.calls:
            judgements.extend(_site_judgements(site, context))
        for write in facts.preload_writes:
            when = "at import time" if context.importable and write.module_level else None
            judgements.append(_preload(write.node, write.labels, when))
        for node, severity, what in judgements:
            yield artifact.code_finding(
                module, node, PROCESS_INJECTION, severity, f"process injection: {what}"
            )
