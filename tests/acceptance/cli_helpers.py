"""Helpers shared by the CLI acceptance tests: editing copies, real git, the CLI."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

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


def parse_annotation(line: str) -> tuple[str, dict[str, str], str]:
    """``::error file=F,line=L,col=C,title=T::message`` -> (command, properties, message)."""
    assert line.startswith("::"), line
    command, _, rest = line[2:].partition(" ")
    properties, _, message = rest.partition("::")
    return command, dict(p.split("=", 1) for p in properties.split(",")), message
