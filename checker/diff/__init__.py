"""``skillgate diff BASE [HEAD]``: what a change to the policy does (``changes``), from two git
revisions (``revisions``), rendered for a terminal, a pull request or a machine (``render``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from checker.diff.changes import PolicyDiff, diff
from checker.diff.revisions import WORKING_TREE, checkout
from checker.policy.load import load_repo


def diff_revisions(repo: Path, base: str, head: str | None, today: date) -> PolicyDiff:
    """The diff of ``repo``'s policy from ``base`` to ``head`` (None: the working tree)."""
    with checkout(repo, base) as before, checkout(repo, head) as after:
        return diff(
            load_repo(before),
            load_repo(after),
            base_label=base,
            head_label=head or WORKING_TREE,
            today=today,
        )


__all__ = ["PolicyDiff", "diff", "diff_revisions"]
