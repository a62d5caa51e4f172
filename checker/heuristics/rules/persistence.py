"""Persistence: making code run again at every login, boot or on a schedule.

Writing a shell start-up file (``~/.bashrc``, ``~/.profile``, ``/etc/profile.d/``), an autostart
entry (``~/.config/autostart``, the Windows Startup folder, macOS LaunchAgents, systemd units),
a cron table, or a Windows ``Run`` registry key, or running ``crontab``, ``schtasks /create``,
``reg add ...\\Run``, ``systemctl enable``, ``launchctl load``. Honest tools do some of this when
their user asks (shell completion installers, "start at login" settings): a warning inside a
function. Done by code that runs by itself at install or import time, or next to downloaded or
decoded data, it is how droppers survive a reboot: an error.
"""

from __future__ import annotations

from collections.abc import Iterable

from checker.findings import Finding, Severity
from checker.heuristics import api_names as api
from checker.heuristics import text_patterns as text
from checker.heuristics.artifact import ArtifactView, PythonModule
from checker.heuristics.code_context import ModuleContext
from checker.heuristics.flow_types import CallSite, Taint
from checker.heuristics.interface import HeuristicRule
from checker.heuristics.syntax import const_str

PERSISTENCE = "mal.persistence"
PAYLOAD = Taint.DOWNLOADED | Taint.DECODED | Taint.NETWORK
WRITE_MODES = frozenset("wax+")


def open_mode(site: CallSite) -> str:
    """The mode of an ``open()`` call ("r" when the code does not spell one)."""
    call = site.node
    mode = call.args[1] if len(call.args) > 1 else None
    mode = next((kw.value for kw in call.keywords if kw.arg == "mode"), mode)
    return (const_str(mode) if mode is not None else None) or "r"


def writes_file(site: CallSite) -> Taint | None:
    """The labels of the path a call writes to, when it writes a file (None otherwise)."""
    if site.name in api.FILE_READS:
        return site.arguments if WRITE_MODES & set(open_mode(site)) else None
    if site.name in api.FILE_WRITES:
        return site.arguments
    if site.method in api.FILE_WRITE_METHODS:
        return site.receiver
    return None


def _persists(site: CallSite) -> str | None:
    written = writes_file(site)
    if written is not None and written & Taint.PERSISTENCE:
        return f"writes a login, boot or autostart location ({site.name or site.method})"
    if site.name in api.REGISTRY_WRITES and site.arguments & Taint.PERSISTENCE:
        return f"writes a Windows Run registry key ({site.name})"
    if site.name in api.PROCESS_SINKS and any(
        text.PERSISTENCE_COMMAND.search(value) for value in site.strings
    ):
        return f"installs a scheduled or start-up command ({site.name})"
    return None


class Persistence(HeuristicRule):
    """Start-up files, autostart entries, cron, services and Run keys written."""

    name = "persistence"
    rule_ids = (PERSISTENCE,)

    def check_module(self, artifact: ArtifactView, module: PythonModule) -> Iterable[Finding]:
        context: ModuleContext | None = None
        for site in module.facts.calls:
            what = _persists(site)
            if what is None:
                continue
            context = context or ModuleContext(artifact, module)
            when = context.runs_by_itself(site)
            payload = site.arguments & PAYLOAD or site.scope & PAYLOAD
            if when:
                severity, what = Severity.ERROR, f"{what} {when}"
            elif payload and not context.test:
                severity, what = Severity.ERROR, f"{what} beside downloaded or decoded data"
            else:
                severity = Severity.WARNING
            yield artifact.code_finding(
                module, site.node, PERSISTENCE, severity, f"persistence: {what}"
            )
