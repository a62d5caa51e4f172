"""``policy/scanning.yaml``: schema defaults, the shipped file, the model and its gates."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from checker.exit_codes import SkillgateError
from checker.findings import Severity
from checker.policy.scanning import ScanningPolicy, load_scanning_policy
from checker.policy.schema import validator
from checker.vulns.waivers import Waiver, WaiverBook
from tests.conftest import ROOT


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "policy").mkdir(exist_ok=True)
    (tmp_path / "policy" / "scanning.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_empty_or_absent_file_gives_the_defaults(tmp_path: Path) -> None:
    assert load_scanning_policy(tmp_path) == ScanningPolicy()
    assert load_scanning_policy(write(tmp_path, "")) == ScanningPolicy()
    schema = validator("scanning")
    assert schema is not None
    assert list(schema.iter_errors({})) == []


def test_shipped_policy_is_valid() -> None:
    policy = load_scanning_policy(ROOT)
    assert (policy.transitive, policy.vuln_fail_on, policy.heuristics_fail_on) == (
        "inherit",
        "any",
        "error",
    )


@pytest.mark.parametrize(
    "text",
    [
        "transitive: sometimes\n",
        "max_db_age_days: 0\n",
        "vulnerabilities:\n  fail_on: moderate\n",
        "heuristics:\n  fail_on: maybe\n",
        "waivers:\n  - id: X\n    package: a\n    reason: r\n",
        "waivers:\n  - id: X\n    package: a\n    reason: r\n    expires: soon\n",
        "unknown: 1\n",
    ],
)
def test_invalid_files_cannot_be_used(tmp_path: Path, text: str) -> None:
    with pytest.raises(SkillgateError, match=r"policy/scanning\.yaml is invalid"):
        load_scanning_policy(write(tmp_path, text))


def test_impossible_expiry_date(tmp_path: Path) -> None:
    text = "waivers:\n  - id: X\n    package: a\n    reason: r\n    expires: 2026-02-30\n"
    with pytest.raises(SkillgateError, match="is not a date"):
        load_scanning_policy(write(tmp_path, text))


@pytest.mark.parametrize(
    ("floor", "severity", "fails"),
    [
        ("any", "low", True),
        ("high", "medium", False),
        ("high", "high", True),
        ("high", "critical", True),
        ("critical", "", True),
        ("low", "none", True),
    ],
)
def test_vulnerability_gate(floor: str, severity: str, fails: bool) -> None:
    assert ScanningPolicy(vuln_fail_on=floor).vuln_fails(severity) is fails


def test_heuristics_gate() -> None:
    assert ScanningPolicy().heuristic_fails(Severity.ERROR)
    assert not ScanningPolicy().heuristic_fails(Severity.WARNING)
    assert ScanningPolicy(heuristics_fail_on="warning").heuristic_fails(Severity.WARNING)
    assert not ScanningPolicy(heuristics_fail_on="never").heuristic_fails(Severity.ERROR)


def test_waiver_applies_through_its_expiry_day() -> None:
    waiver = Waiver(id="cve-1", package="a", reason="r", expires=date(2026, 5, 1))
    assert WaiverBook([waiver], date(2026, 5, 1)).lookup("a", ["CVE-1"]) == waiver
    assert WaiverBook([waiver], date(2026, 5, 2)).lookup("a", ["CVE-1"]) is None
    assert WaiverBook([waiver], date(2026, 5, 1)).lookup("b", ["CVE-1"]) is None
