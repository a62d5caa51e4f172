"""A Markdown table for pull-request summaries (``$GITHUB_STEP_SUMMARY``)."""

from __future__ import annotations

from collections.abc import Sequence

from checker.findings import Finding


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(findings: Sequence[Finding]) -> str:
    if not findings:
        return "No findings.\n"
    rows = ["| severity | rule | where | message |", "|---|---|---|---|"]
    rows += [
        f"| {f.severity.label} | `{_cell(f.rule)}` | `{_cell(f.location)}` | {_cell(f.message)} |"
        for f in findings
    ]
    return "\n".join(rows) + "\n"
