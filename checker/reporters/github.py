"""GitHub Actions workflow commands (``::error file=...,line=...::message``)."""

from __future__ import annotations

from collections.abc import Sequence

from checker.findings import Finding, Severity

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTICE: "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(findings: Sequence[Finding]) -> str:
    lines = []
    for f in findings:
        props = [f"title={_escape_property(f.rule)}"]
        if f.file:
            props.insert(0, f"file={_escape_property(f.file)}")
        if f.line:
            props.append(f"line={f.line}")
            props.append(f"col={f.column or 1}")
        message = f.message + (f" (hint: {f.hint})" if f.hint else "")
        lines.append(f"::{_COMMAND[f.severity]} {','.join(props)}::{_escape_data(message)}")
    return "\n".join(lines) + ("\n" if lines else "")
