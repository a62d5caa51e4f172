"""A git revision's policy as a repository on disk: ``policy/`` and ``skills/`` extracted with
``git archive`` into a temporary directory, so the same loader reads both sides of a diff."""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from checker.exit_codes import SkillgateError, UsageError
from checker.layout import POLICY_DIR, SKILLS_DIR
from checker.process import run_command

WORKING_TREE = "working tree"
_MAX_ARCHIVE_BYTES = 512 * 1024 * 1024


def resolve(repo: Path, revision: str) -> str:
    """The commit ``revision`` names in ``repo``; UsageError when it names none."""
    try:
        done = run_command(
            ["git", "-C", str(repo), "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"],
            timeout=60,
            ok_codes=(0, 1),
        )
    except SkillgateError as exc:
        raise SkillgateError(f"git cannot read {repo}: {exc}") from exc
    commit = done.stdout.strip()
    if done.returncode != 0 or not commit:
        raise UsageError(f"{revision!r} is not a revision of the repository at {repo}")
    return commit


@contextmanager
def checkout(repo: Path, revision: str | None) -> Iterator[Path]:
    """A directory holding ``revision``'s ``policy/`` and ``skills/`` (the working tree itself
    when ``revision`` is None). Removed on exit."""
    if revision is None:
        yield repo
        return
    commit = resolve(repo, revision)
    with tempfile.TemporaryDirectory(prefix="skillgate-rev-") as tmp:
        _extract(repo, commit, Path(tmp))
        yield Path(tmp)


def _extract(repo: Path, commit: str, target: Path) -> None:
    paths = [p for p in (POLICY_DIR, SKILLS_DIR) if _has_path(repo, commit, p)]
    (target / POLICY_DIR).mkdir()
    if not paths:
        return
    command = ["git", "-C", str(repo), "archive", "--format=tar", commit, "--", *paths]
    try:
        done = subprocess.run(command, capture_output=True, check=False, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SkillgateError(f"git archive of {commit} failed: {exc}") from exc
    if done.returncode != 0:
        raise SkillgateError(
            f"git archive of {commit} failed: {done.stderr.decode('utf-8', 'replace').strip()}"
        )
    if len(done.stdout) > _MAX_ARCHIVE_BYTES:
        raise SkillgateError(f"the policy at {commit} is larger than {_MAX_ARCHIVE_BYTES} bytes")
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as archive:
        for member in archive.getmembers():
            name = PurePosixPath(member.name)
            if name.is_absolute() or ".." in name.parts or not (member.isfile() or member.isdir()):
                continue  # git archive writes neither; a symlink is not followed
            archive.extract(member, target, filter="data")


def _has_path(repo: Path, commit: str, path: str) -> bool:
    done = run_command(
        ["git", "-C", str(repo), "ls-tree", "--name-only", commit, "--", path], timeout=60
    )
    return bool(done.stdout.strip())
