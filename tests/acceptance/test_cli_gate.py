"""`skillgate gate` stages, and the installed console script's exit codes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.acceptance.cli_helpers import (
    BUNDLE,
    break_four_files,
    cli,
    edit,
    parse_annotation,
)

# --- gate -----------------------------------------------------------------------------


@pytest.fixture
def with_vuln_db(advisory_index: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The gate's scan stage reads the real advisory-db snapshot."""
    monkeypatch.setenv("SKILLGATE_VULN_DB", str(advisory_index))
    return advisory_index


@pytest.mark.network  # the scan stage downloads the locked wheels (cached afterwards)
def test_gate_passes_and_writes_the_bundle(example_repo: Path, with_vuln_db: Path) -> None:
    result = cli(example_repo, "gate")
    assert result.exit_code == 0, result.stderr
    stages = result.stderr.splitlines()
    assert stages[0] == "ok   validate: 0 finding(s)"
    assert stages[1].startswith("ok   policy tests: ")
    assert stages[2].startswith("ok   compile: ")
    assert stages[3].startswith("ok   locks: 4 lock(s) checked")
    assert stages[4].startswith("ok   scan: 3 package(s) in 4 lock(s)")
    assert (example_repo / BUNDLE).is_file()


def test_gate_without_a_vulnerability_db_cannot_decide(
    example_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SKILLGATE_VULN_DB", str(tmp_path / "no-db-here"))
    result = cli(example_repo, "gate")
    assert result.exit_code == 3
    assert result.stderr.splitlines()[-1].startswith(
        "FAIL scan: could not decide: no vulnerability DB"
    )


def test_gate_fails_when_a_lock_is_edited_by_hand(example_repo: Path, with_vuln_db: Path) -> None:
    lock = example_repo / "skills/yaml-normalize/requirements.lock"
    lock.write_text(lock.read_text().replace("pyyaml==6.0.2", "pyyaml==6.0.1"))
    result = cli(example_repo, "gate")
    assert result.exit_code == 1
    assert any(line.startswith("FAIL locks: ") for line in result.stderr.splitlines())


def test_gate_fails_on_findings_and_skips_later_stages(example_repo: Path) -> None:
    break_four_files(example_repo)
    result = cli(example_repo, "gate", "--format", "github")
    assert result.exit_code == 1
    command, properties, _ = parse_annotation(result.stdout.splitlines()[0])
    assert (command, properties["file"], properties["line"]) == ("error", "policy/agents.yaml", "6")
    assert any(line.startswith("FAIL validate: ") for line in result.stderr.splitlines())
    assert "FAIL policy tests: not run: policy has errors" in result.stderr.splitlines()
    assert not (example_repo / BUNDLE).exists()


@pytest.mark.network  # the later stages still run, and the scan downloads the locked wheels
def test_gate_fails_on_a_failing_policy_test(example_repo: Path, with_vuln_db: Path) -> None:
    edit(
        example_repo / "policy/tests/bans.yaml",
        "version: 0.2.6\n    expect: deny",
        "version: 0.2.6\n    expect: allow",
    )
    result = cli(example_repo, "gate")
    assert result.exit_code == 1
    assert result.stdout.startswith(
        "policy/tests/bans.yaml:2:5: error policy-test.failed bans beat approvals: "
        "expected allow, got deny; decided by policy/bans.yaml:"
    )
    stderr = result.stderr.splitlines()
    assert "FAIL policy tests: 12 passed, 1 failed" in stderr
    assert "FAIL compile: not run: policy tests fail" in stderr


# --- the installed console script -----------------------------------------------------


def console_script() -> str:
    beside = Path(sys.executable).with_name("skillgate")
    found = str(beside) if beside.is_file() else shutil.which("skillgate")
    assert found, "the skillgate console script is not installed (pip install -e '.[test]')"
    return found


def run_script(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [console_script(), *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_console_script_exit_codes(example_repo: Path) -> None:
    assert run_script(example_repo, "validate").returncode == 0
    allowed = run_script(example_repo, "check", "intern-7", "pyyaml", "6.0.2")
    assert allowed.returncode == 0, allowed.stderr
    denied = run_script(example_repo, "check", "new-hire", "pyyaml", "6.0.2")
    assert denied.returncode == 1
    assert denied.stdout.startswith("deny: ")
    usage = run_script(example_repo, "check", "new-hire")
    assert usage.returncode == 2


def test_console_script_corrupt_bundle_is_one_error_line(example_repo: Path) -> None:
    (example_repo / "corrupt.json").write_bytes(b"\x00\xffnot json")
    result = run_script(
        example_repo, "check", "intern-7", "pyyaml", "6.0.2", "--bundle", "corrupt.json"
    )
    assert result.returncode == 3
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: cannot load the policy bundle: bundle corrupt.json ")
    assert "Traceback" not in result.stderr


def test_console_script_refuses_a_nesting_bomb_with_a_finding(example_repo: Path) -> None:
    # libyaml's composer recurses per level and crashed the process (SIGSEGV) on this.
    (example_repo / "policy/agents.yaml").write_text("agents: " + "[" * 200_000 + "\n")
    result = run_script(example_repo, "validate")
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines()[0] == (
        "policy/agents.yaml:1:72: error yaml.too-deep nesting deeper than 64 levels: "
        "refusing to load it"
    )
