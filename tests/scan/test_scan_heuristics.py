"""The scan runs the heuristics over the locked artifacts: gating, waivers, failing closed."""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from checker.exit_codes import SkillgateError
from checker.findings import Finding
from checker.policy.load import load_repo
from checker.scan.run import ScanOptions, run_scan
from tests.conftest import run_cli
from tests.scan.conftest import OLD_DB_OK, lock_text, locked, make_repo, pin_line

TOMORROW = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()


def wheel(directory: Path, name: str, files: dict[str, str]) -> Path:
    """A real wheel written by the test (never installed or imported)."""
    path = directory / f"{name}-1.0-py3-none-any.whl"
    directory.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as out:
        out.writestr(f"{name}-1.0.dist-info/METADATA", f"Metadata-Version: 2.1\nName: {name}\n")
        for member, text in files.items():
            out.writestr(member, text)
    return path


@pytest.fixture
def evil_repo(tmp_path: Path) -> Path:
    artifact = wheel(
        tmp_path / "wheels", "demo_evil", {"demo_evil.pth": "import os; os.system('id')\n"}
    )
    return make_repo(tmp_path / "repo", {"demo": [locked("demo-evil", "1.0", artifact)]})


def scan(repo: Path, db: Path, cache: Path, *args: str) -> tuple[int, str, str]:
    result = run_cli(
        ["scan", "--repo", str(repo), "--vuln-db", str(db), "--cache", str(cache), *args]
    )
    return result.exit_code, result.stdout, result.stderr


def test_gating_heuristic_fails_the_scan(
    evil_repo: Path, advisory_index: Path, tmp_path: Path
) -> None:
    code, out, err = scan(evil_repo, advisory_index, tmp_path / "cache")
    assert code == 1
    assert "(ours engine, vulnerabilities and heuristics)" in err
    # Reported against the lock line that brought the artifact in; the member in the message.
    line = pin_line(evil_repo, "demo", "demo-evil==1.0")
    assert out.startswith(
        f"skills/demo/requirements.lock:{line}:1: error mal.pth-exec demo-evil==1.0: "
        "demo_evil-1.0-py3-none-any.whl!demo_evil.pth: "
    )
    _, github, _ = scan(evil_repo, advisory_index, tmp_path / "cache", "--format", "github")
    assert github.startswith(
        f"::error file=skills/demo/requirements.lock,title=mal.pth-exec,line={line},col=1::"
    )


def test_benign_artifact_passes(tmp_path: Path, advisory_index: Path) -> None:
    artifact = wheel(tmp_path / "wheels", "demo_ok", {"demo_ok/__init__.py": "VALUE = 1\n"})
    repo = make_repo(tmp_path / "repo", {"demo": [locked("demo-ok", "1.0", artifact)]})
    code, out, _ = scan(repo, advisory_index, tmp_path / "cache")
    assert (code, out) == (0, "")


def test_heuristics_waiver_and_report_only_gate(
    evil_repo: Path, advisory_index: Path, tmp_path: Path
) -> None:
    scanning = evil_repo / "policy" / "scanning.yaml"
    scanning.write_text(
        f"{OLD_DB_OK}waivers:\n  - id: mal.pth-exec\n    package: demo-evil\n"
        f"    reason: reviewed by security\n    expires: {TOMORROW}\n",
        encoding="utf-8",
    )
    code, out, _ = scan(evil_repo, advisory_index, tmp_path / "cache")
    assert code == 0
    assert "notice mal.pth-exec" in out
    assert f"(waived until {TOMORROW}: reviewed by security)" in out
    scanning.write_text(f"{OLD_DB_OK}heuristics:\n  fail_on: never\n", encoding="utf-8")
    code, out, _ = scan(evil_repo, advisory_index, tmp_path / "cache")
    assert code == 0
    assert "warning mal.pth-exec" in out


def test_heuristics_disabled_by_policy(
    evil_repo: Path, advisory_index: Path, tmp_path: Path
) -> None:
    (evil_repo / "policy" / "scanning.yaml").write_text(
        f"{OLD_DB_OK}heuristics:\n  enabled: false\n", encoding="utf-8"
    )
    code, out, _ = scan(evil_repo, advisory_index, tmp_path / "cache")
    assert (code, out) == (0, "")


def test_missing_artifact_exits_3(tmp_path: Path, advisory_index: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"demo": [locked("six", "1.16.0")]})
    code, out, err = scan(repo, advisory_index, tmp_path / "cache")
    assert (code, out) == (3, "")
    assert err.startswith("Error: ")
    assert "file:///nonexistent/six-1.16.0-py3-none-any.whl" in err


def test_tampered_artifact_exits_3(evil_repo: Path, advisory_index: Path, tmp_path: Path) -> None:
    artifact = tmp_path / "wheels" / "demo_evil-1.0-py3-none-any.whl"
    artifact.write_bytes(artifact.read_bytes() + b"\0")
    code, _, err = scan(evil_repo, advisory_index, tmp_path / "cache")
    assert code == 3
    assert "refusing it" in err


def crashing_rule(
    paths: Sequence[Path], *, target_python: tuple[int, int] | None = None
) -> list[Finding]:
    """A heuristics implementation whose rule crashes on every artifact."""
    raise RuntimeError(f"cannot parse {paths[0].name}")


def test_crash_in_a_rule_cannot_pass(evil_repo: Path, advisory_index: Path, tmp_path: Path) -> None:
    options = ScanOptions(vuln_db=advisory_index, cache=tmp_path / "cache")
    with pytest.raises(
        SkillgateError,
        match=r"heuristics crashed on demo-evil==1.0: RuntimeError: cannot parse demo_evil-1.0",
    ):
        run_scan(load_repo(evil_repo), options, heuristics=crashing_rule, now=datetime.now(UTC))


def squat_repo(tmp_path: Path, name: str, scanning: str) -> Path:
    artifact = wheel(tmp_path / "wheels", name.replace("-", "_"), {"m.py": "VALUE = 1\n"})
    repo = make_repo(tmp_path / "repo", {"demo": [locked(name, "1.0", artifact)]}, scanning)
    (repo / "policy" / "popular.tsv").write_text(
        "# rank<TAB>name\n1\trequests\n2\turllib3\n", encoding="utf-8"
    )
    return repo


def test_typosquat_of_a_popular_name(tmp_path: Path, advisory_index: Path) -> None:
    scanning = f"{OLD_DB_OK}heuristics:\n  popular_packages: policy/popular.tsv\n"
    repo = squat_repo(tmp_path, "reqeusts", scanning)
    code, out, _ = scan(repo, advisory_index, tmp_path / "cache")
    assert code == 1
    assert out.startswith(
        f"skills/demo/requirements.lock:{pin_line(repo, 'demo', 'reqeusts==1.0')}:1: error "
        "mal.typosquat 'reqeusts' looks like a typosquat of 'requests'"
    )


def test_typosquat_of_an_approved_name(tmp_path: Path, advisory_index: Path) -> None:
    repo = squat_repo(tmp_path, "acme-cleint", OLD_DB_OK)
    (repo / "policy" / "packages").mkdir()
    (repo / "policy" / "packages" / "acme-client.yaml").write_text(
        "approvals:\n  - package: acme-client\n    versions: '>=1'\n    min_level: INTERN\n"
        "    approved_by: security-team\n    reason: internal client\n",
        encoding="utf-8",
    )
    code, out, _ = scan(repo, advisory_index, tmp_path / "cache")
    assert code == 1
    assert "mal.typosquat 'acme-cleint' looks like a typosquat of 'acme-client'" in out


def test_popular_names_themselves_pass(tmp_path: Path, advisory_index: Path) -> None:
    scanning = f"{OLD_DB_OK}heuristics:\n  popular_packages: policy/popular.tsv\n"
    repo = squat_repo(tmp_path, "urllib3", scanning)
    # A release without advisories in the snapshot, so that only the name checks could fail.
    artifact = tmp_path / "wheels" / "urllib3-1.0-py3-none-any.whl"
    lock = lock_text([locked("urllib3", "2.2.2", artifact)])
    (repo / "skills" / "demo" / "requirements.lock").write_text(lock, encoding="utf-8")
    code, out, _ = scan(repo, advisory_index, tmp_path / "cache")
    assert (code, out) == (0, "")


def test_unreadable_popular_list_exits_3(tmp_path: Path, advisory_index: Path) -> None:
    scanning = f"{OLD_DB_OK}heuristics:\n  popular_packages: policy/missing.tsv\n"
    repo = squat_repo(tmp_path, "reqeusts", scanning)
    code, _, err = scan(repo, advisory_index, tmp_path / "cache")
    assert code == 3
    assert "cannot read popular-package list" in err
