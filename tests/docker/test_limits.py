"""``policy/sandbox.yaml``: defaults, per-level merging, schema errors, timeout lowering.

These need no Docker engine; they live beside the suite whose limits they define.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.exit_codes import SkillgateError
from sandbox.limits import (
    Limits,
    SandboxPolicy,
    check_sandbox_policy,
    load_sandbox_policy,
    unknown_level_findings,
)

ROOT = Path(__file__).resolve().parents[2]


def _repo(tmp_path: Path, text: str | None) -> Path:
    (tmp_path / "policy").mkdir()
    if text is not None:
        (tmp_path / "policy" / "sandbox.yaml").write_text(text, "utf-8")
    return tmp_path


@pytest.mark.parametrize(
    "text", [None, "", "# only a comment\n"], ids=["absent", "empty", "comment"]
)
def test_missing_or_empty_file_means_the_defaults(tmp_path: Path, text: str | None) -> None:
    assert load_sandbox_policy(_repo(tmp_path, text)) == SandboxPolicy()


def test_levels_merge_over_defaults(tmp_path: Path) -> None:
    repo = _repo(
        tmp_path,
        "defaults:\n  memory_mb: 300\nlevels:\n  INTERN:\n    pids: 20\n",
    )
    policy = load_sandbox_policy(repo)
    assert policy.limits_for("INTERN") == Limits(memory_mb=300, pids=20)
    assert policy.limits_for("UNLISTED") == Limits(memory_mb=300)


def test_schema_errors_are_findings_with_positions(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "levels:\n  intern:\n    pids: 1\n    swap: true\n")
    policy, findings = check_sandbox_policy(repo)
    assert policy is None
    messages = sorted(f"{f.location} {f.message}" for f in findings)
    assert any("'intern' does not match" in m for m in messages)
    assert any(
        "policy/sandbox.yaml:3:" in m and "1 is less than the minimum of 8" in m for m in messages
    )
    assert any("'swap' was unexpected" in m for m in messages)
    with pytest.raises(SkillgateError, match=r"^policy/sandbox.yaml:"):
        load_sandbox_policy(repo)


def test_a_requested_timeout_only_lowers_the_limit() -> None:
    limits = Limits(timeout_seconds=10)
    assert limits.with_timeout(3).timeout_seconds == 3
    assert limits.with_timeout(60).timeout_seconds == 10
    assert limits.with_timeout(None).timeout_seconds == 10


def test_the_shipped_policy_is_valid() -> None:
    policy, findings = check_sandbox_policy(ROOT)
    assert findings == []
    assert policy is not None
    assert policy.limits_for("STUDENT").memory_mb < policy.limits_for("AUTONOMOUS").memory_mb


def test_a_level_that_maturity_does_not_define_is_a_warning(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "levels:\n  INTERN: {}\n  SUPERVISD:\n    pids: 20\n")
    findings = unknown_level_findings(repo, ["STUDENT", "INTERN", "SUPERVISED"])
    assert [(f.location, f.rule, f.severity.label) for f in findings] == [
        ("policy/sandbox.yaml:3:3", "sandbox.unknown-level", "warning")
    ]
    assert unknown_level_findings(ROOT, ["STUDENT", "INTERN", "SUPERVISED", "AUTONOMOUS"]) == []
