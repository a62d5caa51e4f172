"""``policy/scanning.yaml``: schema defaults, the shipped file, the model and its gates."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from checker.exit_codes import ExitCode, PolicyError
from checker.findings import Severity
from checker.policy.load import load_repo
from checker.policy.scanning import ScanningPolicy
from checker.policy.schema import validator
from checker.vulns.waivers import Waiver, WaiverBook


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "policy").mkdir(exist_ok=True)
    (tmp_path / "policy" / "scanning.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def scanning(repo: Path) -> ScanningPolicy:
    return load_repo(repo).scanning_policy()


def test_empty_or_absent_file_gives_the_defaults(tmp_path: Path) -> None:
    assert scanning(tmp_path) == ScanningPolicy()
    assert scanning(write(tmp_path, "")) == ScanningPolicy()
    schema = validator("scanning")
    assert schema is not None
    assert list(schema.iter_errors({})) == []


def test_every_key_is_read(tmp_path: Path) -> None:
    text = (
        "transitive: explicit\nmax_db_age_days: 7\nvulnerabilities:\n  fail_on: high\n"
        "heuristics:\n  enabled: false\n  fail_on: warning\n  popular_packages: p.tsv\n"
        "waivers:\n  - id: CVE-1\n    package: Foo_Bar\n    reason: r\n    expires: 2030-01-02\n"
    )
    repo = load_repo(write(tmp_path, text))
    policy = repo.scanning_policy()
    assert (policy.transitive, policy.max_db_age_days, policy.vuln_fail_on) == (
        "explicit",
        7,
        "high",
    )
    assert (policy.heuristics_enabled, policy.heuristics_fail_on, policy.popular_packages) == (
        False,
        "warning",
        "p.tsv",
    )
    (waiver,) = policy.waivers
    assert (waiver.package, waiver.expires, waiver.line) == ("foo-bar", date(2030, 1, 2), 10)
    assert repo.policy.transitive == "explicit"


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
    repo = load_repo(write(tmp_path, text))
    with pytest.raises(PolicyError, match=r"^policy/scanning\.yaml has errors: ") as raised:
        repo.scanning_policy()
    assert raised.value.exit_code == ExitCode.FINDINGS
    assert raised.value.findings
    assert all(f.file == "policy/scanning.yaml" for f in raised.value.findings)


def test_impossible_expiry_date(tmp_path: Path) -> None:
    text = "waivers:\n  - id: X\n    package: a\n    reason: r\n    expires: 2026-02-30\n"
    repo = load_repo(write(tmp_path, text))
    assert [(f.location, f.rule) for f in repo.findings if "scanning" in f.file] == [
        ("policy/scanning.yaml:5:14", "scanning.date-invalid")
    ]
    with pytest.raises(PolicyError, match="is not a calendar date"):
        repo.scanning_policy()


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
    assert ScanningPolicy().heuristics_threshold() is Severity.ERROR
    assert ScanningPolicy(heuristics_fail_on="warning").heuristics_threshold() is Severity.WARNING
    assert ScanningPolicy(heuristics_fail_on="never").heuristics_threshold() is None


def test_waiver_applies_through_its_expiry_day() -> None:
    waiver = Waiver(id="cve-1", package="a", reason="r", expires=date(2026, 5, 1))
    assert WaiverBook([waiver], date(2026, 5, 1)).lookup("a", ["CVE-1"]) == waiver
    assert WaiverBook([waiver], date(2026, 5, 2)).lookup("a", ["CVE-1"]) is None
    assert WaiverBook([waiver], date(2026, 5, 1)).lookup("b", ["CVE-1"]) is None
