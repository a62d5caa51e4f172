"""Reverse shells: a socket wired to a shell's standard streams, or the shell one-liners."""

from __future__ import annotations

from collections.abc import Iterable

from checker.findings import Finding, Severity
from checker.heuristics import api_names as api
from checker.heuristics import text_patterns as text
from checker.heuristics.artifact import ArtifactView, PythonModule
from checker.heuristics.flow_types import CallSite, Taint
from checker.heuristics.interface import HeuristicRule

REVERSE_SHELL = "mal.reverse-shell"
STREAMS = ("stdin", "stdout", "stderr")
SHELL_STARTERS = api.PROCESS_SINKS | {"pty.spawn"}


def _judge(site: CallSite) -> str | None:
    # Socket activation (systemd, inetd) also dup2()s a socket onto fd 0: only a shell or
    # process started beside it makes a reverse shell.
    spawns = site.scope_calls & SHELL_STARTERS
    if site.name == "os.dup2" and site.arguments & Taint.SOCKET and spawns:
        return "a socket is duplicated onto a standard stream beside a process start (os.dup2)"
    if site.name == "pty.spawn" and site.scope & Taint.SOCKET:
        return "a pseudo-terminal shell is spawned beside a socket (pty.spawn)"
    if site.name in api.PROCESS_SINKS and any(
        site.keywords.get(stream, Taint.NONE) & Taint.SOCKET for stream in STREAMS
    ):
        return f"a process's standard streams are a socket ({site.name})"
    return None


class ReverseShell(HeuristicRule):
    """Sockets bound to shells (dup2, pty.spawn, subprocess streams) and shell one-liners."""

    name = "reverse-shell"
    rule_ids = (REVERSE_SHELL,)

    def check_module(self, artifact: ArtifactView, module: PythonModule) -> Iterable[Finding]:
        for site in module.facts.calls:
            what = _judge(site)
            if what:
                yield artifact.code_finding(module, site.node, REVERSE_SHELL, Severity.ERROR, what)
        for string in module.facts.strings:
            value = string.value
            if ("/" in value or "nc" in value) and text.REVERSE_SHELL_TEXT.search(value):
                yield artifact.code_finding(
                    module,
                    string.node,
                    REVERSE_SHELL,
                    Severity.ERROR,
                    "reverse-shell command in a string literal",
                )
