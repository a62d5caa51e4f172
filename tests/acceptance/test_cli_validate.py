"""`skillgate validate` and `skillgate test` through the real CLI: exit codes, formats, lines."""

from __future__ import annotations

import json
from pathlib import Path

from tests.acceptance.cli_helpers import (
    NO_EXPIRING,
    break_four_files,
    cli,
    edit,
    graduate_intern,
    parse_annotation,
)

# --- validate -------------------------------------------------------------------------


def test_validate_shipped_repo_is_clean(example_repo: Path) -> None:
    result = cli(example_repo, "validate", *NO_EXPIRING)
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "policy is valid\n"


def test_validate_reports_every_problem_sorted_by_file_and_line(example_repo: Path) -> None:
    break_four_files(example_repo)
    result = cli(example_repo, "validate", *NO_EXPIRING)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert [line.split(" ", 3)[:3] for line in lines[:-1]] == [
        ["policy/agents.yaml:6:12:", "error", "level.unknown"],
        ["policy/bans.yaml:10:14:", "error", "name.invalid"],
        ["policy/packages/requests.yaml:3:15:", "error", "specifier.invalid"],
        ["skills/version-sort/skill.yaml:8:5:", "error", "skill.unpinned"],
    ]
    assert lines[2] == (
        "policy/packages/requests.yaml:3:15: error specifier.invalid '>=2.32.3,,<3' is not a "
        "valid PEP 440 specifier set (hint: e.g. '>=2.32.3,<3' or '==6.0.2'; use '*' for "
        "every version)"
    )
    assert "hint: level 'intern'" not in lines[0]  # the definition is fine, the use is not
    assert "did you mean 'INTERN'?" in lines[0]
    assert lines[-1] == "4 findings: 4 errors"


def test_validate_json_lists_findings_and_summary(example_repo: Path) -> None:
    break_four_files(example_repo)
    result = cli(example_repo, "validate", *NO_EXPIRING, "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["summary"] == {"error": 4, "warning": 0, "notice": 0}
    first = document["findings"][0]
    assert set(first) == {"rule", "severity", "message", "file", "line", "column", "hint"}
    assert (first["rule"], first["file"], first["line"], first["column"]) == (
        "level.unknown",
        "policy/agents.yaml",
        6,
        12,
    )
    keys = [(f["file"], f["line"]) for f in document["findings"]]
    assert keys == sorted(keys)


def test_validate_github_annotations(example_repo: Path) -> None:
    break_four_files(example_repo)
    result = cli(example_repo, "validate", *NO_EXPIRING, "--format", "github")
    assert result.exit_code == 1
    annotations = [parse_annotation(line) for line in result.stdout.splitlines()]
    assert len(annotations) == 4
    assert annotations[3] == (
        "error",
        {
            "file": "skills/version-sort/skill.yaml",
            "line": "8",
            "col": "5",
            "title": "skill.unpinned",
        },
        "'packaging>=24.2' is not an exact pin; skills need name==version "
        "(hint: skills install exact pins only, e.g. pyyaml==6.0.2; run skillgate lock)",
    )
    assert [a[1]["file"] for a in annotations] == [
        "policy/agents.yaml",
        "policy/bans.yaml",
        "policy/packages/requests.yaml",
        "skills/version-sort/skill.yaml",
    ]


def test_validate_sarif_is_2_1_0_with_regions(example_repo: Path) -> None:
    break_four_files(example_repo)
    result = cli(example_repo, "validate", *NO_EXPIRING, "--format", "sarif")
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    assert run["tool"]["driver"]["name"] == "skillgate"
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    located = []
    for sarif_result in run["results"]:
        assert rule_ids[sarif_result["ruleIndex"]] == sarif_result["ruleId"]
        assert sarif_result["level"] == "error"
        physical = sarif_result["locations"][0]["physicalLocation"]
        located.append(
            (
                sarif_result["ruleId"],
                physical["artifactLocation"]["uri"],
                physical["region"]["startLine"],
                physical["region"]["startColumn"],
            )
        )
    assert ("specifier.invalid", "policy/packages/requests.yaml", 3, 15) in located
    assert len(located) == 4


def test_validate_markdown_table(example_repo: Path) -> None:
    break_four_files(example_repo)
    result = cli(example_repo, "validate", *NO_EXPIRING, "--format", "markdown")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[:2] == ["| severity | rule | where | message |", "|---|---|---|---|"]
    assert lines[2].startswith("| error | `level.unknown` | `policy/agents.yaml:6:12` | ")
    assert len(lines) == 6


def test_warnings_fail_only_with_fail_on_warning(example_repo: Path) -> None:
    # numpy's AUTONOMOUS range is used by no skill: its expiry is a warning only.
    edit(example_repo / "policy/packages/numpy.yaml", "expires: 2027-12-31", "expires: 2025-01-31")
    default = cli(example_repo, "validate", *NO_EXPIRING)
    assert default.exit_code == 0
    assert default.stdout.startswith(
        "policy/packages/numpy.yaml:12:14: warning approval.expired approval of numpy "
        "'>=1.26,<3' expired on 2025-01-31"
    )
    assert cli(example_repo, "validate", *NO_EXPIRING, "--fail-on", "warning").exit_code == 1
    assert cli(example_repo, "validate", *NO_EXPIRING, "--fail-on", "notice").exit_code == 1


def test_notices_fail_only_with_fail_on_notice(example_repo: Path) -> None:
    edit(example_repo / "policy/packages/markdown.yaml", "package: markdown", "package: Markdown")
    default = cli(example_repo, "validate", *NO_EXPIRING)
    assert default.exit_code == 0
    assert default.stdout.splitlines() == [
        "policy/packages/markdown.yaml:2:14: notice name.unnormalised 'Markdown' is written "
        "'markdown' "
        "once normalised (PEP 503) (hint: write the normalised name so that searches and "
        "reviews find it)",
        "1 finding: 1 notice",
    ]
    assert cli(example_repo, "validate", *NO_EXPIRING, "--fail-on", "warning").exit_code == 0
    assert cli(example_repo, "validate", *NO_EXPIRING, "--fail-on", "notice").exit_code == 1


def test_missing_maturity_file_is_an_error(example_repo: Path) -> None:
    (example_repo / "policy/maturity.yaml").unlink()
    result = cli(example_repo, "validate", *NO_EXPIRING)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        "policy/maturity.yaml: error repo.missing-file "
        "required policy file policy/maturity.yaml is missing"
    )


def test_invalid_test_date_is_a_finding_for_validate_and_test(example_repo: Path) -> None:
    edit(example_repo / "policy/tests/levels.yaml", "today: 2029-01-01", "today: 2027-02-30")
    expected = (
        "policy/tests/levels.yaml:38:12: error date.invalid '2027-02-30' is not a calendar date"
    )
    validated = cli(example_repo, "validate", *NO_EXPIRING)
    assert (validated.exit_code, validated.stdout.splitlines()[0]) == (1, expected)
    tested = cli(example_repo, "test")  # used to crash with an internal error (exit 3)
    assert (tested.exit_code, tested.stderr.splitlines()[0]) == (1, expected)


# --- test -----------------------------------------------------------------------------


def test_policy_tests_pass_on_shipped_repo(example_repo: Path) -> None:
    result = cli(example_repo, "test")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == "policy tests: 13 passed, 0 failed\n"
    verbose = cli(example_repo, "test", "-v")
    passed = verbose.stderr.splitlines()[:-1]
    assert len(passed) == 13
    assert all(line.startswith("PASS policy/tests/") for line in passed)


def test_failing_policy_test_names_case_and_deciding_rule(example_repo: Path) -> None:
    with (example_repo / "policy/tests/levels.yaml").open("a", encoding="utf-8") as tests:
        tests.write(
            "  - name: interns get the supervised range\n"
            "    agent: intern-7\n"
            "    package: pyyaml\n"
            "    version: 6.0.1\n"
            "    expect: allow\n"
        )
    result = cli(example_repo, "test")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "policy/tests/levels.yaml:40:5: error policy-test.failed interns get the supervised "
        "range: expected allow, got deny; decided by not-approved: pyyaml==6.0.1 is not "
        "approved for level INTERN (hint: fix the policy, or the expectation if the policy "
        "is right)"
    )
    assert result.stderr == "policy tests: 13 passed, 1 failed\n"
    annotations = cli(example_repo, "test", "--format", "github").stdout.splitlines()
    assert annotations[0].startswith(
        "::error file=policy/tests/levels.yaml,title=policy-test.failed,line=40,col=5::"
    )


def test_policy_tests_refuse_a_policy_with_errors(example_repo: Path) -> None:
    graduate_intern(example_repo)
    edit(
        example_repo / "policy/agents.yaml",
        "level: SUPERVISED\n    owner: data",
        "level: ROOT\n    owner: data",
    )
    result = cli(example_repo, "test")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("policy/agents.yaml:3:12: error level.unknown ")
    assert result.stderr.endswith(
        "Error: the policy has 1 error(s); run `skillgate validate` to see them\n"
    )
