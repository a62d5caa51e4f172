"""``policy/sandbox.yaml``: defaults, per-level merging, schema errors, timeout lowering.

These need no Docker engine; they live beside the suite whose limits they define.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from checker.exit_codes import PolicyError
from checker.policy.load import load_repo
from checker.policy.sandbox import Limits, SandboxPolicy
from checker.policy.validate import validate_repo

BASE = Path(__file__).resolve().parents[1] / "examples" / "base"


def _repo(tmp_path: Path, text: str | None) -> Path:
    shutil.copytree(BASE, tmp_path / "repo")
    if text is not None:
        (tmp_path / "repo" / "policy" / "sandbox.yaml").write_text(text, "utf-8")
    return tmp_path / "repo"


@pytest.mark.parametrize(
    "text", [None, "", "# only a comment\n"], ids=["absent", "empty", "comment"]
)
def test_missing_or_empty_file_means_the_defaults(tmp_path: Path, text: str | None) -> None:
    assert load_repo(_repo(tmp_path, text)).sandbox_policy() == SandboxPolicy()


def test_levels_merge_over_defaults(tmp_path: Path) -> None:
    repo = _repo(
        tmp_path,
        "defaults:\n  memory_mb: 300\nlevels:\n  INTERN:\n    pids: 20\n",
    )
    policy = load_repo(repo).sandbox_policy()
    assert policy.limits_for("INTERN") == Limits(memory_mb=300, pids=20)
    assert policy.limits_for("UNLISTED") == Limits(memory_mb=300)


def test_schema_errors_are_findings_with_positions(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "levels:\n  intern:\n    pids: 1\n    swap: true\n")
    loaded = load_repo(repo)
    assert loaded.sandbox is None
    messages = sorted(f"{f.location} {f.message}" for f in loaded.findings)
    assert any("'intern' does not match" in m for m in messages)
    assert any(
        "policy/sandbox.yaml:3:" in m and "1 is less than the minimum of 8" in m for m in messages
    )
    assert any("policy/sandbox.yaml:4:5 unknown key 'swap'" in m for m in messages)
    with pytest.raises(PolicyError, match=r"^policy/sandbox.yaml has errors: policy/sandbox.yaml:"):
        loaded.sandbox_policy()


def test_a_requested_timeout_only_lowers_the_limit() -> None:
    limits = Limits(timeout_seconds=10)
    assert limits.with_timeout(3).timeout_seconds == 3
    assert limits.with_timeout(60).timeout_seconds == 10
    assert limits.with_timeout(None).timeout_seconds == 10


def test_a_level_that_maturity_does_not_define_is_a_warning(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "levels:\n  INTERN: {}\n  SUPERVISD:\n    pids: 20\n")
    _, findings = validate_repo(repo)
    assert [(f.location, f.rule, f.severity.label) for f in findings] == [
        ("policy/sandbox.yaml:3:3", "sandbox.unknown-level", "warning")
    ]


def test_levels_that_maturity_defines_are_silent(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "levels:\n  INTERN: {}\n  STUDENT:\n    pids: 20\n")
    assert validate_repo(repo)[1] == []
