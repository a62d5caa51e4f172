"""Which policy a bundle was compiled from: the git revision and a digest of the inputs."""

from __future__ import annotations

import hashlib
from pathlib import Path

from checker.policy.load import input_files
from checker.process import CommandError, run_command

UNVERSIONED = "unversioned"


def git_revision(root: Path) -> str:
    """The commit of the policy, ``+dirty`` when policy/ or skills/ differ from it."""
    try:
        head = run_command(["git", "-C", str(root), "rev-parse", "HEAD"], timeout=30)
        status = run_command(
            ["git", "-C", str(root), "status", "--porcelain", "--", "policy", "skills"],
            timeout=30,
        )
    except CommandError:
        return UNVERSIONED
    dirty = "+dirty" if status.stdout.strip() else ""
    return head.stdout.strip() + dirty


def source_digest(root: Path, vulnerability_db: str) -> str:
    """sha256 over the names and bytes of every input file of the bundle, and the identity
    of the vulnerability DB it folds in (a new import makes the bundle stale)."""
    digest = hashlib.sha256(vulnerability_db.encode() + b"\0")
    for path in input_files(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return "sha256:" + digest.hexdigest()
