"""SARIF 2.1.0, the format code-scanning dashboards ingest."""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from checker.findings import Finding, Severity

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTICE: "note"}
_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _tool_version() -> str:
    try:
        return version("skillgate")
    except PackageNotFoundError:
        return "0"


def _result(f: Finding, rule_index: dict[str, int]) -> dict[str, object]:
    result: dict[str, object] = {
        "ruleId": f.rule,
        "ruleIndex": rule_index[f.rule],
        "level": _LEVEL[f.severity],
        "message": {"text": f.message + (f" (hint: {f.hint})" if f.hint else "")},
    }
    if f.file:
        physical: dict[str, object] = {"artifactLocation": {"uri": f.file}}
        if f.line:
            physical["region"] = {"startLine": f.line, "startColumn": f.column or 1}
        result["locations"] = [{"physicalLocation": physical}]
    return result


def render(findings: Sequence[Finding]) -> str:
    rule_ids = sorted({f.rule for f in findings})
    rule_index = {rule: i for i, rule in enumerate(rule_ids)}
    log = {
        "$schema": _SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "skillgate",
                        "version": _tool_version(),
                        "informationUri": "https://pypi.org/project/skillgate/",
                        "rules": [{"id": rule, "name": rule} for rule in rule_ids],
                    }
                },
                "results": [_result(f, rule_index) for f in findings],
            }
        ],
    }
    return json.dumps(log, indent=2, sort_keys=True) + "\n"
