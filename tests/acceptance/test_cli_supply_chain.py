"""Vulnerable and squatted approvals are caught where they are written, and the runtime denies
known-vulnerable versions once the vulnerability DB is folded into the bundle."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.acceptance.cli_helpers import BUNDLE, NO_EXPIRING, cli

BASE = Path(__file__).resolve().parents[1] / "examples" / "base"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    target = tmp_path / "repo"
    shutil.copytree(BASE, target)
    return target


def approve(repo: Path, package: str, versions: str, extra: str = "") -> None:
    (repo / "policy" / "packages" / f"{package}.yaml").write_text(
        "approvals:\n"
        f"  - package: {package}\n"
        f'    versions: "{versions}"\n'
        "    min_level: SUPERVISED\n"
        "    approved_by: security-team\n"
        "    reason: templates for report skills\n" + extra,
        encoding="utf-8",
    )


def test_check_denies_a_vulnerable_version_inside_an_approved_range(
    repo: Path, advisory_index: Path
) -> None:
    approve(repo, "jinja2", ">=2.10,<3")
    db = ("--vuln-db", str(advisory_index))
    denied = cli(repo, "check", "bob", "jinja2", "2.10", *db, "--json")
    assert denied.exit_code == 1
    decision = json.loads(denied.stdout)
    assert decision["allowed"] is False
    assert decision["rule"] == "PYSEC-2019-217"
    assert decision["reason"].startswith(
        "jinja2==2.10 is known-vulnerable: PYSEC-2019-217 (CVE-2019-10906, GHSA-462w-v97r-4m45)"
        "; fixed in 2.10.1: "
    )
    assert decision["maturity_required"] is None
    assert decision["vulnerability_db"] == "2024-10-10T17:35:05+00:00 (442 records)"
    # 2.10.1 fixes PYSEC-2019-217 but not PYSEC-2021-66 (fixed in 2.11.3).
    still = json.loads(cli(repo, "check", "bob", "jinja2", "2.10.1", *db, "--json").stdout)
    assert (still["allowed"], still["rule"]) == (False, "PYSEC-2021-66")
    allowed = cli(repo, "check", "bob", "jinja2", "2.11.3", *db, "--json")
    assert allowed.exit_code == 0, allowed.stdout
    assert json.loads(allowed.stdout)["vulnerability_db"].startswith("2024-10-10")


def test_a_waiver_lets_the_version_through_until_it_expires(
    repo: Path, advisory_index: Path
) -> None:
    approve(repo, "jinja2", ">=2.10,<3")
    (repo / "policy" / "scanning.yaml").write_text(
        "max_db_age_days: 36500\nwaivers:\n  - id: CVE-2019-10906\n    package: Jinja2\n"
        "    reason: templates are ours\n    expires: 2999-01-01\n"
        "  - id: PYSEC-2019-220\n    package: jinja2\n    reason: no untrusted templates\n"
        "    expires: 2999-01-01\n"
        "  - id: GHSA-g3rq-g295-4j3m\n    package: jinja2\n    reason: inputs are short\n"
        "    expires: 2999-01-01\n",
        encoding="utf-8",
    )
    result = cli(repo, "check", "bob", "jinja2", "2.10", "--vuln-db", str(advisory_index))
    assert result.exit_code == 0, result.stdout


def test_without_a_db_every_decision_says_so(repo: Path) -> None:
    approve(repo, "jinja2", ">=2.10,<3")
    result = cli(repo, "check", "bob", "jinja2", "2.10", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["vulnerability_db"] == "none"


def test_compile_records_the_db_snapshot_and_folds_approved_packages(
    repo: Path, advisory_index: Path
) -> None:
    approve(repo, "jinja2", ">=2.10,<3")
    result = cli(repo, "compile", "--vuln-db", str(advisory_index))
    assert result.exit_code == 0, result.stderr
    assert result.stderr.endswith("vulnerability DB 2024-10-10T17:35:05+00:00)\n")
    bundle = json.loads((repo / BUNDLE).read_text(encoding="utf-8"))
    section = bundle["vulnerabilities"]
    assert section["db"]["snapshot"] == "2024-10-10T17:35:05+00:00"
    folded = {entry["id"] for entry in section["advisories"]["jinja2"]}
    assert {"PYSEC-2019-217", "PYSEC-2019-220"} <= folded
    assert set(section["advisories"]) <= {"jinja2", "pyyaml", "requests"}


def test_validate_reports_a_pinned_vulnerable_release_as_an_error(
    repo: Path, advisory_index: Path
) -> None:
    approve(repo, "jinja2", "==2.10")
    result = cli(repo, "validate", "--vuln-db", str(advisory_index), *NO_EXPIRING)
    assert result.exit_code == 1
    (line,) = [line for line in result.stdout.splitlines() if "approval.vulnerable" in line]
    assert line.startswith("policy/packages/jinja2.yaml:3:15: error approval.vulnerable ")
    assert "PYSEC-2019-217 (fixed in 2.10.1)" in line


def test_validate_notes_a_range_that_admits_vulnerable_versions(
    repo: Path, advisory_index: Path
) -> None:
    approve(repo, "jinja2", ">=2.10,<3")
    result = cli(repo, "validate", "--vuln-db", str(advisory_index), *NO_EXPIRING)
    assert result.exit_code == 0
    (line,) = result.stdout.splitlines()[:-1]
    assert line.startswith(
        "policy/packages/jinja2.yaml:3:15: notice approval.admits-vulnerable jinja2 '>=2.10,<3' "
        "admits known-vulnerable versions ("
    )


def test_an_approval_of_a_fixed_release_is_clean(repo: Path, advisory_index: Path) -> None:
    approve(repo, "jinja2", "==3.1.4")
    result = cli(repo, "validate", "--vuln-db", str(advisory_index), *NO_EXPIRING)
    assert (result.exit_code, result.stdout) == (0, "")


def test_a_typosquatted_name_is_an_error_unless_the_override_is_recorded(repo: Path) -> None:
    approve(repo, "reqeusts", "==2.32.3")
    result = cli(repo, "validate", *NO_EXPIRING)
    assert result.exit_code == 1
    assert result.stdout.startswith(
        "policy/packages/reqeusts.yaml:2:14: error approval.typosquat 'reqeusts' looks like a "
        "typosquat of 'requests'"
    )
    approve(repo, "reqeusts", "==2.32.3", extra="    not_a_typosquat_of: requests\n")
    assert cli(repo, "validate", *NO_EXPIRING).exit_code == 0
    approve(repo, "reqeusts", "==2.32.3", extra="    not_a_typosquat_of: numpy\n")
    assert cli(repo, "validate", *NO_EXPIRING).exit_code == 1
