"""The GitHub workflows are valid for GitHub, least-privilege, pinned, bounded in time, and
their scripts do what the comments say (run here with bash, git and the real CLI).

These read the repository's own `.github/workflows/`: the workflows are the product's, not
the example policy.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS_DIR = ROOT / ".github" / "workflows"
WORKFLOW_FILES = sorted([*WORKFLOWS_DIR.glob("*.yml"), *WORKFLOWS_DIR.glob("*.yaml")])
SHIPPED = ("pull-request.yml", "main.yml", "scheduled.yml")

SHA_PINNED = re.compile(r"^[\w.-]+/[\w.-]+(?:/[\w./-]+)?@[0-9a-f]{40}$")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?:\s+#\s*(?P<comment>.*?))?\s*$")
VERSION_COMMENT = re.compile(r"^v\d+\.\d+\.\d+$")
EXPRESSION = re.compile(r"\$\{\{.*?\}\}", re.DOTALL)

# A job may hold a write scope only when one of its steps uses an action that needs it.
WRITERS = {"security-events": ("github/codeql-action/upload-sarif",)}
REQUIRED_CHECK = "skillgate"
ZEROS = "0" * 40


class _WorkflowLoader(yaml.SafeLoader):
    """YAML as GitHub reads workflows: only true/false are booleans, so `on` stays a key."""


_WorkflowLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_WorkflowLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf")
)


def load_workflow(path: Path) -> dict[str, Any]:
    data = yaml.load(path.read_text("utf-8"), Loader=_WorkflowLoader)  # noqa: S506 (a SafeLoader)
    assert isinstance(data, dict), path
    return data


def workflow(name: str) -> dict[str, Any]:
    return load_workflow(WORKFLOWS_DIR / name)


def jobs(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = data["jobs"]
    assert isinstance(found, dict)
    return found


def all_jobs() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path in WORKFLOW_FILES:
        for job_id, job in jobs(load_workflow(path)).items():
            yield path.name, job_id, job


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    found = job.get("steps", [])
    assert isinstance(found, list)
    return found


def step(job: dict[str, Any], step_id: str) -> dict[str, Any]:
    matches = [s for s in steps(job) if s.get("id") == step_id]
    assert len(matches) == 1, f"one step with id {step_id!r} expected, found {len(matches)}"
    return matches[0]


def check_jsonschema(schema: str, files: list[Path]) -> subprocess.CompletedProcess[str]:
    """The real check-jsonschema CLI with one of the schemas it vendors (offline)."""
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_bash(script: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """A step's `run:` as GitHub's `shell: bash` runs it (`bash -e -o pipefail`)."""
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", **env},
        cwd=cwd,
        timeout=60,
        check=False,
    )


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=True
    )
    return result.stdout.strip()


# --- GitHub accepts them ---------------------------------------------------------------


def test_the_shipped_workflows_exist() -> None:
    names = {path.name for path in WORKFLOW_FILES}
    assert set(SHIPPED) <= names


def test_every_workflow_validates_against_the_github_workflow_schema() -> None:
    result = check_jsonschema("vendor.github-workflows", WORKFLOW_FILES)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok -- validation done" in result.stdout


@pytest.mark.parametrize(
    ("key", "typo"),
    [("    timeout-minutes:", "    timeout-minuts:"), ("permissions:", "permission:")],
    ids=["job-key", "top-level-key"],
)
def test_a_typo_in_a_key_is_refused(tmp_path: Path, key: str, typo: str) -> None:
    text = (WORKFLOWS_DIR / "pull-request.yml").read_text("utf-8")
    broken, count = re.subn(f"(?m)^{re.escape(key)}", typo, text, count=1)
    assert count == 1, f"{key!r} not in pull-request.yml"
    copy = tmp_path / "pull-request.yml"
    copy.write_text(broken, "utf-8")
    result = check_jsonschema("vendor.github-workflows", [copy])
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Schema validation errors" in output
    assert typo.strip().rstrip(":") in output


def test_every_job_has_a_timeout() -> None:
    result = check_jsonschema("custom.github-workflows-require-timeout", WORKFLOW_FILES)
    assert result.returncode == 0, result.stdout + result.stderr
    for name, job_id, job in all_jobs():
        minutes = job.get("timeout-minutes")
        assert isinstance(minutes, int), f"{name}: job {job_id} has no timeout-minutes"
        assert 0 < minutes <= 60, f"{name}: job {job_id} timeout-minutes {minutes}"


# --- pinned and least-privilege --------------------------------------------------------


def test_every_action_is_pinned_to_a_commit_with_its_version_beside_it() -> None:
    pins: dict[str, set[tuple[str, str]]] = {}
    for path in WORKFLOW_FILES:
        lines = [m for line in path.read_text("utf-8").splitlines() if (m := USES_LINE.match(line))]
        parsed = [
            ref
            for job in jobs(load_workflow(path)).values()
            for ref in [job.get("uses"), *(s.get("uses") for s in steps(job))]
            if ref is not None
        ]
        # Every `uses:` the workflow has is on a line of its own, where its comment is.
        assert sorted(m["ref"] for m in lines) == sorted(parsed), path.name
        for match in lines:
            ref, comment = match["ref"], match["comment"] or ""
            assert SHA_PINNED.match(ref), f"{path.name}: {ref} is not pinned to a commit SHA"
            assert VERSION_COMMENT.match(comment), f"{path.name}: {ref} lacks a # vX.Y.Z"
            action, _, sha = ref.partition("@")
            repository = "/".join(action.split("/")[:2])
            pins.setdefault(repository, set()).add((sha, comment))
    assert pins, "no action is used at all"
    # One repository, one pin: the same action is never at two versions across workflows.
    for repository, versions in pins.items():
        assert len(versions) == 1, f"{repository} pinned differently: {sorted(versions)}"


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_top_level_permissions_grant_nothing_to_write(path: Path) -> None:
    data = load_workflow(path)
    assert "permissions" in data, f"{path.name}: no top-level permissions (the default is broad)"
    assert data["permissions"] in ({}, {"contents": "read"}), data["permissions"]


def test_each_job_declares_what_it_needs_and_writes_only_where_a_step_needs_it() -> None:
    for name, job_id, job in all_jobs():
        where = f"{name}: job {job_id}"
        permissions = job.get("permissions")
        assert isinstance(permissions, dict), f"{where} declares no permissions of its own"
        actions = [str(s["uses"]) for s in steps(job) if "uses" in s]
        for scope, access in permissions.items():
            assert access in ("read", "write", "none"), f"{where}: {scope}: {access}"
            if access == "write":
                needers = WRITERS.get(scope, ())
                assert any(a.startswith(needers) for a in actions), f"{where}: {scope}: write"
        for scope, needers in WRITERS.items():
            if any(a.startswith(needers) for a in actions):
                assert permissions.get(scope) == "write", f"{where} needs {scope}: write"
        if any(a.startswith("actions/checkout@") for a in actions):
            assert permissions.get("contents") == "read", f"{where} checks out: contents: read"


def test_nothing_may_fail_quietly() -> None:
    for name, job_id, job in all_jobs():
        assert "continue-on-error" not in job, f"{name}: job {job_id}"
        for step in steps(job):
            assert "continue-on-error" not in step, f"{name}: job {job_id}: {step}"


def test_pull_request_runs_are_superseded_per_ref() -> None:
    concurrency = workflow("pull-request.yml")["concurrency"]
    assert "github.ref" in concurrency["group"]
    assert concurrency["cancel-in-progress"] is True
    scheduled = workflow("scheduled.yml")["concurrency"]
    assert "github.ref" in scheduled["group"]


# --- the commands are ones the CLI accepts ---------------------------------------------


def skillgate_commands() -> list[tuple[str, list[str]]]:
    """Every skillgate command line in every `run:` (shell variables left as text)."""
    found = []
    for name, job_id, job in all_jobs():
        for step in steps(job):
            script = EXPRESSION.sub("EXPR", str(step.get("run", "")))
            script = script.replace('sudo "$(command -v skillgate)"', "skillgate")
            for line in script.replace("\\\n", " ").splitlines():
                match = re.search(r"(?:^|[\s;&|])skillgate\s+(.*)$", line)
                if match:
                    found.append((f"{name}: {job_id}", shlex.split(match[1])))
    return found


def test_every_skillgate_command_in_the_workflows_parses() -> None:
    commands = skillgate_commands()
    verbs = {tuple(args[:1]) for _, args in commands}
    assert {("gate",), ("build",), ("compile",), ("scan",), ("db",), ("sandbox",)} <= verbs
    for where, args in commands:
        # Options are parsed before an eager --help acts: an unknown option is exit 2.
        result = run_cli([*args, "--help"])
        assert result.exit_code == 0, f"{where}: skillgate {shlex.join(args)}\n{result.stderr}"


def test_the_pull_request_gate_uploads_the_sarif_it_writes() -> None:
    gate = jobs(workflow("pull-request.yml"))["gate"]
    args = shlex.split(str(step(gate, "gate")["run"]))
    assert args[:2] == ["skillgate", "gate"]
    assert args[args.index("--base") + 1] == "$BASE_SHA"
    assert args[args.index("--format") + 1] == "github"
    sarif = args[args.index("--sarif") + 1]
    upload = step(gate, "sarif")
    assert upload["with"]["sarif_file"] == sarif
    assert "always()" in upload["if"]


def test_the_vulnerability_db_is_only_today_s_and_the_gate_reads_that_one() -> None:
    for name in ("pull-request.yml", "main.yml"):
        for job in jobs(workflow(name)).values():
            caches = [s for s in steps(job) if str(s.get("uses", "")).startswith("actions/cache")]
            if not caches:
                continue
            for cache in caches:
                assert "restore-keys" not in cache["with"], f"{name}: a stale day is restored"
                assert cache["with"]["key"] == "osv-pypi-${{ steps.day.outputs.day }}"
                assert cache["with"]["path"] == "${{ runner.temp }}/vulndb"
            runs = " ".join(str(s.get("run", "")) for s in steps(job))
            dbs = set(re.findall(r"--vuln-db (\S+)", runs))
            assert dbs == {'"$RUNNER_TEMP/vulndb"'}, f"{name}: {dbs}"
    scheduled = jobs(workflow("scheduled.yml"))["audit"]
    assert not any("actions/cache" in str(s.get("uses", "")) for s in steps(scheduled))


def test_the_day_step_writes_today_in_utc(tmp_path: Path) -> None:
    day = step(jobs(workflow("pull-request.yml"))["gate"], "day")
    output = tmp_path / "github_output"
    before = datetime.now(UTC).date().isoformat()
    result = run_bash(str(day["run"]), {"GITHUB_OUTPUT": str(output)}, tmp_path)
    after = datetime.now(UTC).date().isoformat()
    assert result.returncode == 0, result.stderr
    assert output.read_text() in (f"day={before}\n", f"day={after}\n")


# --- the required check ----------------------------------------------------------------


def test_the_required_check_always_runs_and_needs_every_other_job() -> None:
    all_of_them = jobs(workflow("pull-request.yml"))
    check = all_of_them[REQUIRED_CHECK]
    assert check["if"] == "always()"
    assert set(check["needs"]) == set(all_of_them) - {REQUIRED_CHECK}
    assert check["name"] == REQUIRED_CHECK


@pytest.mark.parametrize(
    ("results", "passes"),
    [
        ({"gate": "success", "images": "success"}, True),
        ({"gate": "failure", "images": "skipped"}, False),
        ({"gate": "success", "images": "failure"}, False),
        ({"gate": "success", "images": "cancelled"}, False),
        ({"gate": "success", "images": "skipped"}, False),
        ({}, False),
    ],
    ids=["all-succeeded", "gate-failed", "images-failed", "cancelled", "skipped", "none"],
)
def test_the_required_check_passes_only_when_every_needed_job_succeeded(
    tmp_path: Path, results: dict[str, str], passes: bool
) -> None:
    check = jobs(workflow("pull-request.yml"))[REQUIRED_CHECK]
    (only,) = steps(check)
    assert only["env"]["NEEDS"] == "${{ toJSON(needs) }}"
    needs = {job: {"result": result, "outputs": {}} for job, result in results.items()}
    result = run_bash(str(only["run"]), {"NEEDS": json.dumps(needs, indent=2)}, tmp_path)
    assert (result.returncode == 0) is passes, result.stdout + result.stderr
    for job, outcome in results.items():
        assert f"{job}: {outcome}" in result.stdout
    if not passes:
        assert "::error::not every needed job succeeded" in result.stdout


# --- main: the images of what the push changed -----------------------------------------


@pytest.fixture
def pushed_repo(tmp_path: Path) -> tuple[Path, str]:
    """A git repository with two commits; returns it and the first (the push's `before`)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "config", "user.email", "ci@example.invalid")
    git(repo, "config", "user.name", "ci")
    for n in (1, 2):
        (repo / "file").write_text(f"{n}\n")
        git(repo, "add", "file")
        git(repo, "commit", "--quiet", "-m", f"commit {n}")
    return repo, git(repo, "rev-parse", "HEAD~1")


@pytest.mark.parametrize(
    ("before", "builds_since_before"),
    [("known", True), (ZEROS, False), ("f" * 40, False), ("", False)],
    ids=["previous-tip", "first-push", "force-pushed-away", "no-before"],
)
def test_main_builds_since_the_previous_tip_or_everything(
    pushed_repo: tuple[Path, str], before: str, builds_since_before: bool
) -> None:
    repo, previous = pushed_repo
    before = previous if before == "known" else before
    images = jobs(workflow("main.yml"))["images"]
    since = step(images, "since")
    assert since["env"]["BEFORE"] == "${{ github.event.before }}"
    output = repo.parent / "github_output"
    result = run_bash(str(since["run"]), {"BEFORE": before, "GITHUB_OUTPUT": str(output)}, repo)
    assert result.returncode == 0, result.stderr
    assert output.read_text() == (f"base={previous}\n" if builds_since_before else "base=\n")
    build = step(images, "build")
    assert build["env"]["BASE"] == "${{ steps.since.outputs.base }}"
    assert 'skillgate build --no-scan --base "$BASE"' in build["run"]


# --- what each workflow runs on --------------------------------------------------------


def test_each_workflow_runs_on_its_event() -> None:
    assert set(workflow("pull-request.yml")["on"]) == {"pull_request"}
    assert workflow("main.yml")["on"] == {"push": {"branches": ["main"]}}
    scheduled = workflow("scheduled.yml")["on"]
    assert set(scheduled) == {"schedule", "workflow_dispatch"}
    (cron,) = scheduled["schedule"]
    fields = cron["cron"].split()
    assert len(fields) == 5
    assert fields[2:] == ["*", "*", "*"], "daily"


def test_the_scheduled_second_opinion_runs_even_when_the_gate_fails() -> None:
    audit = jobs(workflow("scheduled.yml"))["audit"]
    gate = shlex.split(str(step(audit, "gate")["run"]))
    assert gate[:3] == ["skillgate", "gate", "--all"]
    opinion = step(audit, "opinion")
    args = shlex.split(str(opinion["run"]))
    assert args[:2] == ["skillgate", "scan"]
    assert args[args.index("--engine") + 1] == "pip-audit"
    assert "--online" in args
    assert opinion["if"] == "${{ !cancelled() }}"
    install = str(step(audit, "install")["run"])
    assert "'.[pip-audit]'" in install, "the pip-audit engine needs the pip-audit extra"
