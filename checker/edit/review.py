"""What an edit does, found out in a throwaway copy of the repository before the real file is
written, and the write itself.

``policy/`` and ``skills/`` are copied to a temporary directory and validated there before and
after the edit. New errors in the edited file refuse the change (``EditRefused``, exit 1,
nothing written). New errors in other files (a skill whose package is now banned) and policy
tests that newly fail are what the change breaks: listed, not refused. The diff engine, run on
both sides, gives the entry changes and the blast radius.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from checker.bundle.build import policy_bundle
from checker.diff.changes import PolicyDiff, diff
from checker.edit import EditRefused
from checker.edit.yaml_edit import TextEdit
from checker.exit_codes import SkillgateError
from checker.findings import Finding, Severity, sort_findings
from checker.layout import POLICY_DIR, SKILLS_DIR
from checker.policy.expectations import case_findings, run_cases
from checker.policy.load import LoadedRepo
from checker.policy.validate import validate_repo
from checker.runtime import BundleError

BEFORE = "current policy"
AFTER = "with this change"


@dataclass(frozen=True, kw_only=True, slots=True)
class Review:
    """An edit that validates: what it breaks elsewhere, the notes it adds to its own file
    (warnings, notices), and the policy diff."""

    edit: TextEdit
    breaks: tuple[Finding, ...]
    notes: tuple[Finding, ...]
    diff: PolicyDiff


@dataclass(frozen=True, kw_only=True, slots=True)
class EditOutcome:
    """A reviewed edit, whether it was written (not with ``--dry-run``), and its
    pull-request text."""

    review: Review
    written: bool
    markdown: str


def read_text(path: Path) -> str | None:
    """A policy file's exact text (line endings kept), None when it does not exist."""
    return path.read_bytes().decode("utf-8") if path.is_file() else None


def review(loaded: LoadedRepo, edit: TextEdit, *, today: date, vuln_db: Path | None) -> Review:
    """Validate ``edit`` in a copy of the repository ``loaded`` was read from; EditRefused
    when the edited file gains errors."""
    with tempfile.TemporaryDirectory(prefix="skillgate-edit-") as tmp:
        copy = Path(tmp)
        _copy_repo(loaded, copy)
        before, before_findings = validate_repo(copy, today=today, vuln_db=vuln_db)
        before_failing = _failing_cases(before, today)
        target = copy / edit.rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(edit.after.encode("utf-8"))
        after, after_findings = validate_repo(copy, today=today, vuln_db=vuln_db)
        new = _new(after_findings, before_findings)
        refused = [f for f in new if f.file == edit.rel and f.severity >= Severity.ERROR]
        if refused:
            count = f"{len(refused)} error{'s' if len(refused) != 1 else ''}"
            raise EditRefused(f"{edit.rel} would not validate ({count}); nothing written", refused)
        breaks = [f for f in new if f.file != edit.rel and f.severity >= Severity.ERROR]
        breaks += _new(_failing_cases(after, today), before_failing)
        return Review(
            edit=edit,
            breaks=tuple(sort_findings(breaks)),
            notes=tuple(f for f in new if f.file == edit.rel),
            diff=diff(before, after, base_label=BEFORE, head_label=AFTER, today=today),
        )


def write(repo: Path, edit: TextEdit) -> None:
    """Write ``edit`` atomically, keeping the file's mode; refuse when the file changed since
    the edit was made from it."""
    path = repo / edit.rel
    if read_text(path) != edit.before:
        raise SkillgateError(f"{edit.rel} changed while the edit was checked; nothing written")
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode) if edit.before is not None else _new_file_mode()
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(edit.after.encode("utf-8"))
        Path(name).chmod(mode)
        Path(name).replace(path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def _new_file_mode() -> int:
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _copy_repo(loaded: LoadedRepo, copy: Path) -> None:
    """What validate reads: ``policy/``, ``skills/`` and a popular-package list kept in the
    repository (``scanning.yaml`` names it repo-relative)."""
    repo = loaded.root
    for directory in (POLICY_DIR, SKILLS_DIR):
        if (repo / directory).is_dir():
            shutil.copytree(
                repo / directory,
                copy / directory,
                symlinks=True,
                ignore=shutil.ignore_patterns("__pycache__"),
            )
    popular = loaded.scanning.popular_packages if loaded.scanning else ""
    source, dest = repo / popular, copy / popular
    inside = dest.resolve().is_relative_to(copy.resolve())
    if popular and inside and source.is_file() and not dest.exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest)


def _failing_cases(loaded: LoadedRepo, today: date) -> list[Finding]:
    """Policy tests that fail, decided on the policy as it compiles even with errors."""
    try:
        return case_findings(list(run_cases(policy_bundle(loaded), loaded.policy.cases, today)))
    except (BundleError, SkillgateError):
        return []  # validate reports why it does not compile


def _new(after: Iterable[Finding], before: Iterable[Finding]) -> list[Finding]:
    """Findings of ``after`` that ``before`` does not have (same file, rule and message)."""
    seen = Counter((f.file, f.rule, f.message) for f in before)
    new = []
    for finding in after:
        key = (finding.file, finding.rule, finding.message)
        if seen[key]:
            seen[key] -= 1
        else:
            new.append(finding)
    return new
