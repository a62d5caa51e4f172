"""Screenshots, clipboard and keystroke capture: spyware capabilities.

Capturing the screen (PIL's ImageGrab, pyautogui, mss), reading the clipboard (pyperclip,
win32clipboard, ``xclip -o``/``pbpaste``) or listening to the keyboard (pynput, keyboard,
pyHook, ``SetWindowsHookEx``, ``GetAsyncKeyState``) is what automation and clipboard tools do
on request: alone, a warning (nothing in a test suite). In a module that also sends data to a
hard-coded address, or whose captured data reaches a network call, it is spyware: an error.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from checker.findings import Finding, Severity
from checker.heuristics import api_names as api
from checker.heuristics import text_patterns as text
from checker.heuristics.artifact import ArtifactView, PythonModule
from checker.heuristics.code_context import is_test_file
from checker.heuristics.flow_types import CallSite, Taint
from checker.heuristics.interface import HeuristicRule
from checker.heuristics.rules.exfiltration import fixed_destination, sends, suspicious_destination

CAPTURE = "mal.capture"
CAPTURED = {"screenshot": "the screen", "clipboard": "the clipboard", "keystrokes": "keystrokes"}


def _capture_kind(site: CallSite) -> str | None:
    kind = api.CAPTURE_CALLS.get(site.name) or api.CAPTURE_METHODS.get(site.method)
    if kind:
        return kind
    commands = site.strings if site.name in api.PROCESS_SINKS else ()
    if any(text.CLIPBOARD_COMMAND.search(value) for value in commands):
        return "clipboard"
    return None


def _sends_out(module: PythonModule) -> str | None:
    """How the module sends data out to an address of its own, if it does."""
    for site in module.facts.calls:
        if not sends(site):
            continue
        if site.arguments & Taint.CAPTURED:
            return "sends what it captured"
        if fixed_destination(site) or suspicious_destination(site):
            return "sends data to a hard-coded address"
    return None


class Capture(HeuristicRule):
    """Screen, clipboard and keyboard capture; an error beside sending data out."""

    name = "capture"
    rule_ids = (CAPTURE,)

    def check_module(self, artifact: ArtifactView, module: PythonModule) -> Iterable[Finding]:
        facts = module.facts
        captures: list[tuple[ast.AST, str, str]] = []
        for site in facts.calls:
            kind = _capture_kind(site)
            if kind:
                captures.append((site.node, kind, site.name or site.method))
        for name, node in facts.native_refs:
            if name in api.CAPTURE_APIS:
                captures.append((node, api.CAPTURE_APIS[name], name))
        if not captures:
            return
        out = _sends_out(module)
        in_tests = is_test_file(module.member.path)
        if in_tests and not out:
            return  # a test of a clipboard or screenshot feature
        lines: set[int] = set()
        for node, kind, how in sorted(captures, key=lambda c: getattr(c[0], "lineno", 0)):
            line = getattr(node, "lineno", 0)
            if line in lines:
                continue  # win32clipboard.GetClipboardData is both a call and an API name
            lines.add(line)
            what = f"captures {CAPTURED[kind]} ({how})"
            if out:
                severity = Severity.WARNING if in_tests else Severity.ERROR
                yield artifact.code_finding(module, node, CAPTURE, severity, f"{what} and {out}")
            else:
                yield artifact.code_finding(module, node, CAPTURE, Severity.WARNING, what)
