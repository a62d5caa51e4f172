"""The gate's report: stage lines for a terminal, one markdown document for a pull request.

The markdown report (``--format markdown``, ``--summary FILE`` or ``$GITHUB_STEP_SUMMARY``)
holds the verdict, the stages, the policy diff and every finding, kept under GitHub's 1 MiB
limit for a job summary: findings that do not fit are counted, never silently dropped.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from checker.exit_codes import ExitCode
from checker.findings import Finding
from checker.gate.stages import GateReport
from checker.reporters.json_report import finding_to_dict

SUMMARY_LIMIT_BYTES = 1_048_576
_VERDICT = {
    ExitCode.OK: "passed",
    ExitCode.FINDINGS: "failed",
    ExitCode.UNDECIDED: "could not decide",
}


def stage_lines(report: GateReport) -> list[str]:
    """``ok   validate: 0 finding(s)`` / ``FAIL scan: ...``, one per stage."""
    return [
        f"{'ok  ' if stage.exit_code == ExitCode.OK else 'FAIL'} {stage.name}: {stage.summary}"
        for stage in report.stages
    ]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _finding_row(f: Finding) -> str:
    return (
        f"| {f.severity.label} | `{_cell(f.rule)}` | `{_cell(f.location)}` | {_cell(f.message)} |"
    )


def markdown(report: GateReport, limit: int = SUMMARY_LIMIT_BYTES) -> str:
    """The whole report as one markdown document of at most ``limit`` bytes (UTF-8)."""
    from checker.diff.render import markdown as diff_markdown  # noqa: PLC0415

    code = report.exit_code
    verdict = _VERDICT.get(code, "failed")
    head = [f"## skillgate gate: {verdict} (exit {int(code)})", ""]
    head += ["| stage | result | summary |", "|---|---|---|"]
    head += [
        f"| {stage.name} | {'ok' if stage.exit_code == ExitCode.OK else 'FAIL'} | "
        f"{_cell(stage.summary)} |"
        for stage in report.stages
    ]
    head.append("")
    if report.diff is not None:
        head += [diff_markdown(report.diff).rstrip("\n"), ""]
    findings = report.findings
    head += [f"### Findings ({len(findings)})", ""]
    if not findings:
        return "\n".join([*head, "No findings."]) + "\n"
    head += ["| severity | rule | where | message |", "|---|---|---|---|"]
    return _fit([*head], [_finding_row(f) for f in findings], limit)


def _fit(head: Sequence[str], rows: Sequence[str], limit: int) -> str:
    text = "\n".join(head) + "\n"
    used = len(text.encode("utf-8"))
    reserve = 200  # room for the line that says how many rows were left out
    kept = 0
    parts = [text]
    for row in rows:
        size = len(row.encode("utf-8")) + 1
        if used + size > limit - reserve:
            break
        parts.append(row + "\n")
        used += size
        kept += 1
    if kept < len(rows):
        parts.append(
            f"\n{len(rows) - kept} more finding(s) do not fit GitHub's {limit // 1024} KiB "
            "summary; run `skillgate gate --format json` to see them all.\n"
        )
    return "".join(parts)


def as_json(report: GateReport) -> str:
    """The report as one JSON document: exit code, stages, findings, diff."""
    document = {
        "exit_code": int(report.exit_code),
        "stages": [
            {"name": s.name, "exit_code": int(s.exit_code), "summary": s.summary}
            for s in report.stages
        ],
        "findings": [finding_to_dict(f) for f in report.findings],
        "diff": None if report.diff is None else report.diff.to_dict(),
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"
