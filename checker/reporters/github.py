"""GitHub Actions workflow commands (``::error file=...,line=...::message``).

GitHub shows at most 10 error, 10 warning and 10 notice annotations per step and drops the
rest silently; this reporter writes the first 10 of each and says how many it left out (the
gate's job summary lists every finding).
"""

from __future__ import annotations

from collections.abc import Sequence

from checker.findings import Finding, Severity

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTICE: "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


ANNOTATIONS_PER_SEVERITY = 10


def render(findings: Sequence[Finding]) -> str:
    lines = []
    shown = dict.fromkeys(Severity, 0)
    left_out = 0
    for f in findings:
        if shown[f.severity] >= ANNOTATIONS_PER_SEVERITY:
            left_out += 1
            continue
        shown[f.severity] += 1
        props = [f"title={_escape_property(f.rule)}"]
        if f.file:
            props.insert(0, f"file={_escape_property(f.file)}")
        if f.line:
            props.append(f"line={f.line}")
            props.append(f"col={f.column or 1}")
        message = f.message + (f" (hint: {f.hint})" if f.hint else "")
        lines.append(f"::{_COMMAND[f.severity]} {','.join(props)}::{_escape_data(message)}")
    if left_out:
        lines.append(
            f"skillgate: {left_out} more finding(s) not annotated (GitHub shows "
            f"{ANNOTATIONS_PER_SEVERITY} per severity per step); every finding is in the job "
            "summary (--summary) and in --format sarif"
        )
    return "\n".join(lines) + ("\n" if lines else "")
