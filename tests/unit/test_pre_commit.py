"""The pre-commit hooks offered to other repositories (`.pre-commit-hooks.yaml`) and the ones
this repository runs (`.pre-commit-config.yaml`) are the same hooks, pre-commit accepts both
files, and the hooks pass on a valid team repository and stop a broken one (real pre-commit,
real git, the real skillgate)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import TEAM_REPO

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / ".pre-commit-hooks.yaml"
CONFIG = ROOT / ".pre-commit-config.yaml"
SKILLGATE_HOOKS = ("skillgate-validate", "skillgate-test", "skillgate-lock-check")
MIRRORED = ("name", "entry", "files", "pass_filenames")
# What `pip install .` of this repository needs, as pre-commit installs a `language: python`
# hook repository.
PACKAGE_FILES = ("pyproject.toml", "README.md", "checker", "sandbox", ".pre-commit-hooks.yaml")


def manifest_hooks() -> dict[str, dict[str, Any]]:
    hooks = yaml.safe_load(MANIFEST.read_text("utf-8"))
    assert isinstance(hooks, list)
    return {hook["id"]: hook for hook in hooks}


def local_hooks() -> dict[str, dict[str, Any]]:
    config = yaml.safe_load(CONFIG.read_text("utf-8"))
    (local,) = [repo for repo in config["repos"] if repo["repo"] == "local"]
    return {hook["id"]: hook for hook in local["hooks"]}


def pre_commit(
    *args: str, cwd: Path, home: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """The real pre-commit, with its own home; the interpreter's scripts (skillgate) on PATH."""
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(home),
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "PRE_COMMIT_COLOR": "never",
    }
    env.pop("SKIP", None)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def git(cwd: Path, *args: str) -> str:
    env: Mapping[str, str] = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    result = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return result.stdout.strip()


def git_repo(path: Path) -> Path:
    git(path, "init", "--quiet", "--initial-branch=main")
    git(path, "add", "--all")
    git(path, "commit", "--quiet", "--no-verify", "-m", "initial")
    return path


@pytest.fixture
def team_repo(tmp_path: Path) -> Path:
    """A git repository holding a copy of the suite's team repository (valid, locked)."""
    repo = tmp_path / "team"
    shutil.copytree(TEAM_REPO, repo, ignore=shutil.ignore_patterns("__pycache__"))
    (repo / "README.md").write_text("# a team's policy\n", "utf-8")
    return git_repo(repo)


def break_policy(repo: Path) -> None:
    """An agent at a level the maturity ladder does not have: `skillgate validate` fails."""
    agents = repo / "policy" / "agents.yaml"
    text = agents.read_text("utf-8")
    agents.write_text(text + "  - id: rogue\n    level: WIZARD\n    owner: nobody\n", "utf-8")


def hook_status(output: str, name: str) -> str:
    """Passed / Failed / Skipped, as pre-commit reports the hook named ``name``."""
    match = re.search(rf"^{re.escape(name)}\.*(?:\(no files to check\))?(\w+)$", output, re.M)
    assert match, f"{name} not in:\n{output}"
    return match[1]


# --- the two files ---------------------------------------------------------------------


def test_the_manifest_offers_the_skillgate_hooks_to_other_repositories() -> None:
    hooks = manifest_hooks()
    assert tuple(hooks) == SKILLGATE_HOOKS
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["pass_filenames"] is False
        assert hook["files"] == "^(policy|skills)/"
        assert hook["entry"].startswith("skillgate ")
    assert hooks["skillgate-validate"]["entry"] == "skillgate validate"
    assert hooks["skillgate-test"]["entry"] == "skillgate test"
    assert hooks["skillgate-lock-check"]["entry"] == "skillgate lock --check"


def test_this_repository_runs_the_same_hooks_locally() -> None:
    offered, local = manifest_hooks(), local_hooks()
    assert set(offered) <= set(local)
    for hook_id, hook in offered.items():
        mine = local[hook_id]
        for key in MIRRORED:
            assert mine.get(key) == hook.get(key), f"{hook_id}: {key}"
        # Locally: the installed skillgate, no environment to build, no network.
        assert mine["language"] == "system"
    assert {"ruff", "ruff-format", "mypy"} <= set(local)


def test_pre_commit_accepts_the_config_and_the_manifest(tmp_path: Path) -> None:
    config = pre_commit("validate-config", str(CONFIG), cwd=ROOT, home=tmp_path)
    assert config.returncode == 0, config.stdout + config.stderr
    manifest = pre_commit("validate-manifest", str(MANIFEST), cwd=ROOT, home=tmp_path)
    assert manifest.returncode == 0, manifest.stdout + manifest.stderr


def test_pre_commit_refuses_a_manifest_with_a_misspelt_key(tmp_path: Path) -> None:
    broken = tmp_path / ".pre-commit-hooks.yaml"
    text = MANIFEST.read_text("utf-8")
    broken.write_text(text.replace("  entry: skillgate test\n", "  entri: skillgate test\n"))
    result = pre_commit("validate-manifest", str(broken), cwd=tmp_path, home=tmp_path / "home")
    assert result.returncode == 1
    assert "entry" in result.stdout + result.stderr


# --- the hooks at work -----------------------------------------------------------------


def test_the_local_hooks_pass_a_valid_policy_and_stop_a_broken_one(
    team_repo: Path, tmp_path: Path
) -> None:
    home = tmp_path / "pre-commit-home"
    names = {hook_id: local_hooks()[hook_id]["name"] for hook_id in SKILLGATE_HOOKS}
    run_all = ("run", "--config", str(CONFIG), "--all-files")
    for hook_id, name in names.items():
        result = pre_commit(*run_all, hook_id, cwd=team_repo, home=home)
        assert result.returncode == 0, result.stdout + result.stderr
        assert hook_status(result.stdout, name) == "Passed"

    break_policy(team_repo)
    result = pre_commit(*run_all, "skillgate-validate", cwd=team_repo, home=home)
    assert result.returncode == 1, result.stdout + result.stderr
    assert hook_status(result.stdout, names["skillgate-validate"]) == "Failed"
    assert "policy/agents.yaml" in result.stdout
    assert "WIZARD" in result.stdout


def test_the_local_hooks_skip_a_change_outside_policy_and_skills(
    team_repo: Path, tmp_path: Path
) -> None:
    break_policy(team_repo)  # would fail, but the change under review is README.md only
    result = pre_commit(
        "run",
        "--config",
        str(CONFIG),
        "--files",
        "README.md",
        "skillgate-validate",
        cwd=team_repo,
        home=tmp_path / "home",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert hook_status(result.stdout, "skillgate validate") == "Skipped"


@pytest.fixture(scope="module")
def hook_repository(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This repository's package and manifest as a git repository, as another repository's
    `.pre-commit-config.yaml` would name it; returns it and its commit."""
    repo = tmp_path_factory.mktemp("skillgate-hooks")
    for name in PACKAGE_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(
                source, repo / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
            )
        else:
            shutil.copy2(source, repo / name)
    git_repo(repo)
    return repo, git(repo, "rev-parse", "HEAD")


@pytest.mark.network  # pre-commit installs skillgate and its dependencies from the index
def test_another_repository_installs_and_runs_the_offered_hooks(
    hook_repository: tuple[Path, str], team_repo: Path, tmp_path: Path
) -> None:
    hooks_repo, rev = hook_repository
    config = {
        "repos": [
            {
                "repo": str(hooks_repo),
                "rev": rev,
                "hooks": [{"id": hook_id} for hook_id in SKILLGATE_HOOKS],
            }
        ]
    }
    (team_repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), "utf-8")
    git(team_repo, "add", ".pre-commit-config.yaml")
    home = tmp_path / "pre-commit-home"

    result = pre_commit("run", "--all-files", cwd=team_repo, home=home, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    for hook in manifest_hooks().values():
        assert hook_status(result.stdout, hook["name"]) == "Passed"

    break_policy(team_repo)
    result = pre_commit("run", "--all-files", cwd=team_repo, home=home, timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    assert hook_status(result.stdout, "skillgate validate") == "Failed"
    assert "WIZARD" in result.stdout
