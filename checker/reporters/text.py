"""``file:line:col: severity rule-id message``, one finding per line, then a summary."""

from __future__ import annotations

from collections.abc import Sequence

from checker.findings import Finding, Severity


def render(findings: Sequence[Finding]) -> str:
    lines = []
    for f in findings:
        line = f"{f.location}: {f.severity.label} {f.rule} {f.message}"
        if f.hint:
            line += f" (hint: {f.hint})"
        lines.append(line)
    counts = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
    if findings:
        summary = ", ".join(
            f"{n} {s.label}{'s' if n != 1 else ''}"
            for s, n in sorted(counts.items(), reverse=True)
            if n
        )
        lines.append(f"{len(findings)} finding{'s' if len(findings) != 1 else ''}: {summary}")
    return "\n".join(lines) + ("\n" if lines else "")
