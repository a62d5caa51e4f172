"""`skillgate compile` and `skillgate check`: determinism, git revision, bundles, decisions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.acceptance.cli_helpers import (
    BUNDLE,
    break_four_files,
    cli,
    commit_all,
    graduate_intern,
)
from tests.conftest import run_cli

# --- compile --------------------------------------------------------------------------


def test_compile_is_byte_identical_across_runs_and_copies(
    example_repo: Path, tmp_path: Path
) -> None:
    twin = tmp_path / "twin"
    shutil.copytree(example_repo, twin)
    outputs = []
    for repo in (example_repo, example_repo, twin):
        result = cli(repo, "compile")
        assert result.exit_code == 0, result.stderr
        outputs.append((repo / BUNDLE).read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]
    bundle = json.loads(outputs[0])
    assert bundle["revision"] == "unversioned"
    assert bundle["digest"].startswith("sha256:")
    assert bundle["agents"]["intern-7"] == "INTERN"


def test_compile_carries_the_git_revision_and_dirty_marker(
    example_repo: Path, tmp_path: Path
) -> None:
    head = commit_all(example_repo)
    result = cli(example_repo, "compile")
    assert result.exit_code == 0
    bundle = json.loads((example_repo / BUNDLE).read_text())
    assert bundle["revision"] == head
    assert len(head) == 40
    assert result.stderr == (
        f"wrote {example_repo / BUNDLE} (revision {head}, digest {bundle['digest']}, "
        "no vulnerability DB)\n"
    )
    # The same tree committed identically elsewhere compiles to the same bytes.
    twin = tmp_path / "twin"
    shutil.copytree(example_repo, twin, ignore=shutil.ignore_patterns(".git", ".skillgate"))
    assert commit_all(twin) == head
    assert cli(twin, "compile").exit_code == 0
    assert (twin / BUNDLE).read_bytes() == (example_repo / BUNDLE).read_bytes()
    # An uncommitted policy change marks the revision dirty.
    with (example_repo / "policy/agents.yaml").open("a", encoding="utf-8") as agents:
        agents.write("# pending review\n")
    assert cli(example_repo, "compile").exit_code == 0
    assert json.loads((example_repo / BUNDLE).read_text())["revision"] == f"{head}+dirty"


def test_compile_refuses_a_policy_with_errors(example_repo: Path) -> None:
    break_four_files(example_repo)
    result = cli(example_repo, "compile")
    assert result.exit_code == 1
    assert result.stdout == ""
    *findings, count, error = result.stderr.splitlines()
    assert len(findings) == 4
    assert all(": error " in line for line in findings)
    assert count == "4 findings: 4 errors"
    assert error == "Error: the policy has 4 error(s); run `skillgate validate` to see them"
    assert not (example_repo / BUNDLE).exists()


# --- check ----------------------------------------------------------------------------


def test_check_allow_and_deny_exit_codes(example_repo: Path) -> None:
    allowed = cli(example_repo, "check", "intern-7", "PyYAML", "6.0.2")
    assert allowed.exit_code == 0
    assert allowed.stdout.startswith("allow: ")
    assert allowed.stdout.endswith(" (rule policy/packages/pyyaml.yaml:2)\n")
    denied = cli(example_repo, "check", "doc-bot", "ctx", "0.2.6")
    assert denied.exit_code == 1
    assert denied.stdout.startswith("deny: ")
    assert denied.stdout.endswith(" (rule policy/bans.yaml:2)\n")
    skill = cli(example_repo, "check", "intern-7", "--skill", "markdown-render")
    assert skill.exit_code == 1
    assert skill.stdout.startswith("deny: ")


def test_check_json_fields(example_repo: Path) -> None:
    result = cli(example_repo, "check", "intern-7", "pyyaml", "6.0.1", "--json")
    assert result.exit_code == 1
    decision = json.loads(result.stdout)
    assert set(decision) == {
        "allowed",
        "maturity_required",
        "reason",
        "rule",
        "revision",
        "vulnerability_db",
    }
    assert decision["vulnerability_db"] == "none"
    assert decision["allowed"] is False
    assert decision["maturity_required"] == "SUPERVISED"
    assert decision["rule"] == "not-approved"
    assert decision["revision"] == "unversioned"
    explained = cli(example_repo, "check", "intern-7", "pyyaml", "6.0.1", "--json", "--explain")
    assert json.loads(explained.stdout)["explain"][0] == "1. kill switch: enabled"


def test_check_explain_shows_the_path_through_the_rules(example_repo: Path) -> None:
    result = cli(example_repo, "check", "intern-7", "pyyaml", "6.0.1", "--explain")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        "1. kill switch: enabled",
        "2. agent 'intern-7' is INTERN",
        "3. package pyyaml (normalised), version 6.0.1",
    ]
    assert "4. ban '<5.4' at policy/bans.yaml:4 does not cover it" in lines
    assert (
        "6. approval '>=6.0.1,<7' at policy/packages/pyyaml.yaml:8: "
        "not an exact pin (level takes exact pins only)"
    ) in lines
    assert lines[-1].startswith("=> DENY: ")
    assert lines[-1].endswith(" (rule not-approved)")


def test_check_uses_current_bundle_and_recompiles_when_policy_changed(
    example_repo: Path,
) -> None:
    assert cli(example_repo, "compile").exit_code == 0
    # ``revision`` is outside the digest: marking it proves which bundle decided.
    path = example_repo / BUNDLE
    bundle = json.loads(path.read_text())
    bundle["revision"] = "compiled-marker"
    path.write_text(json.dumps(bundle))
    query = ("check", "intern-7", "pyyaml", "6.0.1", "--json")
    before = json.loads(cli(example_repo, *query).stdout)
    assert (before["allowed"], before["revision"]) == (False, "compiled-marker")
    graduate_intern(example_repo)
    after = cli(example_repo, *query)
    assert after.exit_code == 0
    assert json.loads(after.stdout)["revision"] == "unversioned"


def test_check_with_explicit_bundle_ignores_the_tree(example_repo: Path, tmp_path: Path) -> None:
    frozen = tmp_path / "frozen.json"
    assert cli(example_repo, "compile", "--output", str(frozen)).exit_code == 0
    graduate_intern(example_repo)
    query = ("check", "intern-7", "pyyaml", "6.0.1")
    assert cli(example_repo, *query, "--bundle", str(frozen)).exit_code == 1
    assert cli(example_repo, *query).exit_code == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"garbage{", "is not valid JSON"),
        (b"[1, 2]", "is not a JSON object"),
        (b'{"format": 1}', ""),
    ],
    ids=["garbage", "not-an-object", "incomplete"],
)
def test_corrupt_bundle_cannot_decide(
    example_repo: Path, tmp_path: Path, content: bytes, message: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    result = cli(example_repo, "check", "intern-7", "pyyaml", "6.0.2", "--bundle", str(bad))
    assert result.exit_code == 3
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: cannot load the policy bundle: ")
    assert message in line


def test_edited_bundle_fails_its_digest(example_repo: Path, tmp_path: Path) -> None:
    target = tmp_path / "bundle.json"
    assert cli(example_repo, "compile", "-o", str(target)).exit_code == 0
    bundle = json.loads(target.read_text())
    bundle["agents"]["intern-7"] = "AUTONOMOUS"
    target.write_text(json.dumps(bundle))
    result = cli(example_repo, "check", "intern-7", "numpy", "2.0.0", "--bundle", str(target))
    assert result.exit_code == 3
    assert result.stderr == (
        "Error: cannot load the policy bundle: "
        "digest mismatch: the bundle is corrupt or was edited\n"
    )


def test_check_on_a_policy_with_errors_refuses(example_repo: Path) -> None:
    break_four_files(example_repo)
    result = cli(example_repo, "check", "intern-7", "pyyaml", "6.0.2")
    assert result.exit_code == 1  # the policy has errors: exit 1 on every verb
    assert result.stdout == ""
    *_, count, error = result.stderr.splitlines()
    assert count == "4 findings: 4 errors"
    assert error == "Error: the policy has 4 error(s); run `skillgate validate` to see them"


@pytest.mark.parametrize(
    "args",
    [
        ["check"],
        ["check", "intern-7", "pyyaml"],
        ["check", "intern-7", "pyyaml", "6.0.2", "--skill", "word-stats"],
        ["validate", "--format", "xml"],
        ["validate", "--fail-on", "fatal"],
        ["compile", "--repo", "/nonexistent/skillgate-repo"],
        ["no-such-verb"],
    ],
    ids=["no-agent", "no-version", "package-and-skill", "format", "fail-on", "repo", "verb"],
)
def test_usage_errors_exit_2(example_repo: Path, args: list[str]) -> None:
    if "--repo" not in args and args[0] != "no-such-verb":
        args = [args[0], "--repo", str(example_repo), *args[1:]]
    result = run_cli(args)
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    assert "Error: " in result.stderr
