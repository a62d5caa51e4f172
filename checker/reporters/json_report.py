"""A JSON document: ``{"findings": [...], "summary": {...}}``; stable key order."""

from __future__ import annotations

import json
from collections.abc import Sequence

from checker.findings import Finding, Severity


def finding_to_dict(f: Finding) -> dict[str, object]:
    return {
        "rule": f.rule,
        "severity": f.severity.label,
        "message": f.message,
        "file": f.file,
        "line": f.line,
        "column": f.column,
        "hint": f.hint,
    }


def render(findings: Sequence[Finding]) -> str:
    summary = {s.label: sum(1 for f in findings if f.severity is s) for s in Severity}
    document = {"findings": [finding_to_dict(f) for f in findings], "summary": summary}
    return json.dumps(document, indent=2, sort_keys=True) + "\n"
