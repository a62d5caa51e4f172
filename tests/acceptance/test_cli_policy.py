"""The policy verbs driven through the real CLI over copies of the shipped repository.

validate, test, compile, check and gate: exit codes, exact messages with file:line,
every findings format, deterministic bundles carrying the real git revision, and the
fail-closed paths (corrupt bundle, policy with errors, usage errors). Two tests run
the installed ``skillgate`` console script to prove the real entry point's exit codes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CliResult, run_cli

BUNDLE = Path(".skillgate") / "bundle.json"
# The shipped approvals expire on real dates (2027-06-30 and later): outputs asserted exactly
# must not gain an "expiring" notice as the calendar moves.
NO_EXPIRING = ("--expiring-days", "0")
# Fixed identity and dates: two commits of the same tree get the same hash.
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Policy Author",
    "GIT_AUTHOR_EMAIL": "author@example.invalid",
    "GIT_COMMITTER_NAME": "Policy Author",
    "GIT_COMMITTER_EMAIL": "author@example.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


@pytest.fixture(autouse=True)
def _no_enclosing_git_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Copies are "unversioned" even when the temporary directory sits in a checkout."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo``; a failure shows command, code and output."""
    command = ["git", "-C", str(repo), *args]
    done = subprocess.run(
        command, capture_output=True, text=True, check=False, env={**os.environ, **GIT_ENV}
    )
    assert done.returncode == 0, f"{command} -> {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout.strip()


def commit_all(repo: Path) -> str:
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "policy")
    return git(repo, "rev-parse", "HEAD")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def cli(repo: Path, *args: str) -> CliResult:
    """A verb with ``--repo`` put right after it."""
    return run_cli([args[0], "--repo", str(repo), *args[1:]])


def graduate_intern(repo: Path) -> None:
    """intern-7 becomes SUPERVISED (line 6 of the shipped agents.yaml)."""
    edit(
        repo / "policy/agents.yaml",
        "id: intern-7\n    level: INTERN",
        "id: intern-7\n    level: SUPERVISED",
    )


def break_four_files(repo: Path) -> None:
    """One mistake in each of four files, edited in an order unlike the sorted one."""
    edit(repo / "skills/version-sort/skill.yaml", "packaging==24.2", "packaging>=24.2")
    edit(repo / "policy/packages/requests.yaml", '">=2.32.3,<3"', '">=2.32.3,,<3"')
    edit(repo / "policy/bans.yaml", "package: jeilyfish", "package: jeily fish")
    edit(
        repo / "policy/agents.yaml",
        "id: intern-7\n    level: INTERN",
        "id: intern-7\n    level: intern",
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


def parse_annotation(line: str) -> tuple[str, dict[str, str], str]:
    """``::error file=F,line=L,col=C,title=T::message`` -> (command, properties, message)."""
    assert line.startswith("::"), line
    command, _, rest = line[2:].partition(" ")
    properties, _, message = rest.partition("::")
    return command, dict(p.split("=", 1) for p in properties.split(",")), message


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
    assert (tested.exit_code, tested.stdout.splitlines()[0]) == (1, expected)


# --- test -----------------------------------------------------------------------------


def test_policy_tests_pass_on_shipped_repo(example_repo: Path) -> None:
    result = cli(example_repo, "test")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1].endswith(" passed, 0 failed")
    assert "FAIL" not in result.stdout


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
        "FAIL policy/tests/levels.yaml:40 interns get the supervised range: "
        "expected allow, got deny"
    )
    assert lines[1].startswith("     decided by not-approved: ")
    assert lines[-1].endswith(" passed, 1 failed")


def test_policy_tests_refuse_a_policy_with_errors(example_repo: Path) -> None:
    graduate_intern(example_repo)
    edit(
        example_repo / "policy/agents.yaml",
        "level: SUPERVISED\n    owner: data",
        "level: ROOT\n    owner: data",
    )
    result = cli(example_repo, "test")
    assert result.exit_code == 1
    assert result.stdout.startswith("policy/agents.yaml:3:12: error level.unknown ")
    assert result.stderr == "Error: the policy has errors; fix them before testing\n"


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
        f"wrote {example_repo / BUNDLE} (revision {head}, digest {bundle['digest']})\n"
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
    assert "4 errors" in result.stdout.splitlines()[-1]
    assert result.stderr == "Error: refusing to compile a policy with errors\n"
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
    assert set(decision) == {"allowed", "maturity_required", "reason", "rule", "revision"}
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
    assert result.exit_code == 3  # no decision is possible over a broken policy
    assert result.stdout == ""
    assert result.stderr == (
        "Error: the policy has 4 error(s); run `skillgate validate` to see them\n"
    )


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
    assert result.exit_code in (1, 3)
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


def test_gate_fails_on_a_failing_policy_test(example_repo: Path) -> None:
    edit(
        example_repo / "policy/tests/bans.yaml",
        "version: 0.2.6\n    expect: deny",
        "version: 0.2.6\n    expect: allow",
    )
    result = cli(example_repo, "gate")
    assert result.exit_code == 1
    stderr = result.stderr.splitlines()
    assert "FAIL policy/tests/bans.yaml:2 bans beat approvals: expected allow, got deny" in stderr
    assert "FAIL policy tests: 12 passed, 1 failed" in stderr


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
