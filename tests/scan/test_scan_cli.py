"""``skillgate scan`` and ``skillgate db`` through the real CLI, real locks and real OSV data."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from checker.reporters import REPORTER_BY_NAME
from tests.conftest import run_cli
from tests.scan.conftest import (
    ADVISORY_DB,
    OLD_DB_OK,
    VENDORED_PACKAGES,
    VENDORED_RECORDS,
    make_repo,
    pin_line,
    pins,
)

LOCK = "skills/demo/requirements.lock"
TOMORROW = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
YESTERDAY = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", {"demo": pins([("requests", "2.28.0"), ("six", "1.16.0")])})


def scan(repo: Path, db: Path, *args: str) -> tuple[int, str, str]:
    result = run_cli(["scan", "--repo", str(repo), "--vuln-db", str(db), "--no-heuristics", *args])
    return result.exit_code, result.stdout, result.stderr


def test_requests_2_28_0_is_reported_at_its_lock_line(repo: Path, advisory_index: Path) -> None:
    code, out, err = scan(repo, advisory_index)
    line = pin_line(repo, "demo", "requests==2.28.0")
    assert code == 1
    assert out.startswith(
        f"{LOCK}:{line}:1: error vuln.known requests==2.28.0: PYSEC-2023-74 (CVE-2023-32681, "
        "GHSA-j8r2-6x86-q33q), severity unknown, fixed in 2.31.0: Requests is a HTTP library."
    )
    assert "scanned 2 packages in 1 locks (ours engine, vulnerabilities only)" in err


@pytest.mark.parametrize("engine", ["ours", "pip-audit"])
def test_json_output_is_clean_and_engines_agree(
    repo: Path, advisory_index: Path, engine: str
) -> None:
    code, out, _ = scan(repo, advisory_index, "--format", "json", "--engine", engine)
    document = json.loads(out)
    assert code == 1
    assert [(f["rule"], f["message"].split(":")[1].split()[0]) for f in document["findings"]] == [
        ("vuln.known", "PYSEC-2023-74")
    ]


def test_sarif_output(repo: Path, advisory_index: Path) -> None:
    code, out, _ = scan(repo, advisory_index, "--format", "sarif")
    assert code == 1
    assert json.loads(out)["runs"][0]["results"][0]["ruleId"] == "vuln.known"


def test_clean_lock_passes(tmp_path: Path, advisory_index: Path) -> None:
    repo = make_repo(tmp_path / "r", {"demo": pins([("requests", "2.32.3")])})
    assert scan(repo, advisory_index) == (
        0,
        "",
        "scanned 1 packages in 1 locks (ours engine, vulnerabilities only)\n",
    )


def test_no_db_exits_3(repo: Path, tmp_path: Path) -> None:
    code, out, err = scan(repo, tmp_path / "nowhere")
    assert (code, out) == (3, "")
    assert err.startswith(f"Error: no vulnerability DB at {tmp_path / 'nowhere'} (vuln.db-missing)")


def test_db_from_environment_and_xdg(
    repo: Path, advisory_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SKILLGATE_VULN_DB", str(advisory_index))
    assert run_cli(["scan", "--repo", str(repo), "--no-heuristics"]).exit_code == 1
    monkeypatch.delenv("SKILLGATE_VULN_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    result = run_cli(["db", "update", "--from", str(ADVISORY_DB)])
    assert result.exit_code == 0
    assert result.stdout == (
        f"imported {VENDORED_RECORDS} records for {VENDORED_PACKAGES} packages (0 malicious) "
        f"from {ADVISORY_DB.resolve()}; "
        "snapshot 2024-10-10T17:35:05+00:00 (SNAPSHOT file) -> "
        f"{tmp_path / 'xdg' / 'skillgate' / 'vulndb' / 'index.sqlite3'}\n"
    )
    assert run_cli(["scan", "--repo", str(repo), "--no-heuristics"]).exit_code == 1
    info = json.loads(run_cli(["db", "info", "--json"]).stdout)
    assert (info["records"], info["snapshot"]) == (VENDORED_RECORDS, "2024-10-10T17:35:05+00:00")
    assert info["age_days"] > 700


def test_db_update_from_unreachable_url_exits_3(tmp_path: Path) -> None:
    result = run_cli(
        ["db", "update", "--vuln-db", str(tmp_path), "--from", "https://127.0.0.1:1/all.zip"]
    )
    assert result.exit_code == 3
    assert result.stderr.startswith("Error: cannot download OSV data from https://127.0.0.1:1/")
    assert run_cli(["db", "info", "--vuln-db", str(tmp_path)]).exit_code == 3


def test_stale_db_exits_3(tmp_path: Path, advisory_index: Path) -> None:
    repo = make_repo(tmp_path / "r", {"demo": pins([("six", "1.16.0")])}, scanning="")
    code, out, err = scan(repo, advisory_index)
    assert (code, out) == (3, "")
    assert "older than max_db_age_days=30 (vuln.db-stale)" in err


def test_missing_lock_exits_3_and_unknown_skill_exits_2(repo: Path, advisory_index: Path) -> None:
    (repo / LOCK).unlink()
    code, _, err = scan(repo, advisory_index)
    assert (code, err) == (
        3,
        "Error: skill demo has no requirements.lock; run skillgate lock demo\n",
    )
    code, _, err = scan(repo, advisory_index, "nope")
    assert (code, err) == (2, "Error: no skill 'nope' (expected skills/nope/skill.yaml)\n")


def test_hand_broken_lock_exits_3(repo: Path, advisory_index: Path) -> None:
    path = repo / LOCK
    path.write_text(path.read_text(encoding="utf-8").replace("--hash=", "--hush="), "utf-8")
    code, _, err = scan(repo, advisory_index)
    assert code == 3
    assert err.startswith(f"Error: {path}:")


def test_invalid_scanning_policy_is_a_policy_error(tmp_path: Path, advisory_index: Path) -> None:
    repo = make_repo(tmp_path / "r", {"demo": pins([("six", "1.16.0")])}, scanning="gate: 3\n")
    code, _, err = scan(repo, advisory_index)
    assert code == 1
    assert (
        "Error: policy/scanning.yaml has errors: policy/scanning.yaml:1:1: unknown key 'gate'"
        in err
    )


def waiver(expires: str, advisory: str = "CVE-2023-32681", package: str = "Requests") -> str:
    return (
        f"{OLD_DB_OK}waivers:\n  - id: {advisory}\n    package: {package}\n"
        f"    reason: proxies are not used\n    expires: {expires}\n"
    )


def test_live_waiver_accepts_the_advisory(tmp_path: Path, advisory_index: Path) -> None:
    repo = make_repo(tmp_path / "r", {"demo": pins([("requests", "2.28.0")])}, waiver(TOMORROW))
    code, out, _ = scan(repo, advisory_index)
    assert code == 0
    assert f"notice vuln.waived requests==2.28.0: PYSEC-2023-74 waived until {TOMORROW}" in out


def test_expired_waiver_stops_applying(tmp_path: Path, advisory_index: Path) -> None:
    repo = make_repo(tmp_path / "r", {"demo": pins([("requests", "2.28.0")])}, waiver(YESTERDAY))
    code, out, _ = scan(repo, advisory_index)
    assert code == 1
    assert "error vuln.known requests==2.28.0: PYSEC-2023-74" in out
    assert (
        "policy/scanning.yaml:3:5: warning vuln.waiver-expired waiver for CVE-2023-32681 on "
        f"requests expired on {YESTERDAY} and no longer applies"
    ) in out


def test_unused_waiver_is_a_warning(tmp_path: Path, advisory_index: Path) -> None:
    scanning = waiver(TOMORROW, "PYSEC-2099-1", "six")
    repo = make_repo(tmp_path / "r", {"demo": pins([("six", "1.16.0")])}, scanning)
    code, out, _ = scan(repo, advisory_index)
    assert code == 0
    assert out.startswith(
        "policy/scanning.yaml:3:5: warning vuln.waiver-unused waiver for PYSEC-2099-1 on six "
        "matches no finding"
    )


@pytest.mark.parametrize(
    ("floor", "expected_code", "expected"),
    [
        ("any", 1, ["error", "error"]),
        ("medium", 1, ["error", "error"]),
        ("high", 1, ["error", "warning"]),
        ("critical", 0, ["warning", "warning"]),
    ],
)
def test_severity_floor(
    tmp_path: Path, advisory_index: Path, floor: str, expected_code: int, expected: list[str]
) -> None:
    # urllib3 1.26.5: PYSEC-2023-192 has a CVSS 3.1 vector scoring 8.1 (high), PYSEC-2023-212
    # one scoring 4.2 (medium); both scores are computed from the vectors in the records.
    scanning = f"{OLD_DB_OK}vulnerabilities:\n  fail_on: {floor}\n"
    repo = make_repo(tmp_path / "r", {"demo": pins([("urllib3", "1.26.5")])}, scanning)
    code, out, _ = scan(repo, advisory_index, "--format", "json")
    findings = json.loads(out)["findings"]
    assert [f["message"].split(",")[2].strip() for f in findings] == [
        "severity high 8.1",
        "severity medium 4.2",
    ]
    assert (code, [f["severity"] for f in findings]) == (expected_code, expected)


def test_floor_fails_advisories_without_severity(tmp_path: Path, advisory_index: Path) -> None:
    scanning = f"{OLD_DB_OK}vulnerabilities:\n  fail_on: critical\n"
    repo = make_repo(tmp_path / "r", {"demo": pins([("requests", "2.28.0")])}, scanning)
    code, out, _ = scan(repo, advisory_index)
    assert code == 1
    assert "error vuln.known requests==2.28.0: PYSEC-2023-74" in out


def test_pip_audit_findings_get_severity_from_the_db(tmp_path: Path, advisory_index: Path) -> None:
    scanning = f"{OLD_DB_OK}vulnerabilities:\n  fail_on: high\n"
    repo = make_repo(tmp_path / "r", {"demo": pins([("urllib3", "1.26.5")])}, scanning)
    code, out, _ = scan(repo, advisory_index, "--format", "json", "--engine", "pip-audit")
    findings = json.loads(out)["findings"]
    assert code == 1
    assert [(f["severity"], f["message"].split(",")[2].strip()) for f in findings] == [
        ("error", "severity high 8.1"),
        ("warning", "severity medium 4.2"),
    ]


def test_db_info_text(advisory_index: Path) -> None:
    result = run_cli(["db", "info", "--vuln-db", str(advisory_index)])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[:2] == [
        f"path: {advisory_index / 'index.sqlite3'}",
        f"source: {ADVISORY_DB.resolve()}",
    ]
    assert f"records: {VENDORED_RECORDS}" in lines
    assert "snapshot: 2024-10-10T17:35:05+00:00" in lines


def test_online_needs_the_pip_audit_engine(repo: Path, advisory_index: Path) -> None:
    code, _, err = scan(repo, advisory_index, "--online")
    assert (code, err) == (2, "Error: --online only applies to --engine pip-audit\n")


@pytest.mark.parametrize("output_format", sorted(REPORTER_BY_NAME))
def test_every_reporter_format(repo: Path, advisory_index: Path, output_format: str) -> None:
    code, out, _ = scan(repo, advisory_index, "--format", output_format)
    assert code == 1
    assert "PYSEC-2023-74" in out


def test_malicious_release_from_an_osv_zip(tmp_path: Path) -> None:
    record = {
        "id": "MAL-2099-7",
        "summary": "Malicious code in reqeusts (PyPI)",
        "affected": [{"package": {"name": "reqeusts", "ecosystem": "PyPI"}, "versions": ["1.0"]}],
    }
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as export:
        export.writestr(
            zipfile.ZipInfo("MAL-2099-7.json", (2025, 3, 4, 5, 6, 8)), json.dumps(record)
        )
    db = tmp_path / "db"
    assert run_cli(["db", "update", "--vuln-db", str(db), "--from", str(archive)]).exit_code == 0
    repo = make_repo(tmp_path / "r", {"demo": pins([("reqeusts", "1.0")])})
    code, out, _ = scan(repo, db)
    assert code == 1
    assert out.startswith(
        f"{LOCK}:{pin_line(repo, 'demo', 'reqeusts==1.0')}:1: error vuln.malicious "
        "reqeusts==1.0: MAL-2099-7 malicious package: Malicious code in reqeusts (PyPI)"
    )


def test_malicious_name_without_this_version_is_a_warning(tmp_path: Path) -> None:
    record = {
        "id": "MAL-2099-8",
        "summary": "Malicious code in reqeusts (PyPI)",
        "affected": [{"package": {"name": "reqeusts", "ecosystem": "PyPI"}, "versions": ["1.0"]}],
    }
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as export:
        export.writestr(
            zipfile.ZipInfo("MAL-2099-8.json", (2025, 3, 4, 5, 6, 8)), json.dumps(record)
        )
    db = tmp_path / "db"
    assert run_cli(["db", "update", "--vuln-db", str(db), "--from", str(archive)]).exit_code == 0
    repo = make_repo(tmp_path / "r", {"demo": pins([("reqeusts", "2.0")])})
    code, out, _ = scan(repo, db)
    assert code == 0
    assert "warning vuln.malicious-name reqeusts==2.0: MAL-2099-8 reports malicious releases" in out
