"""``skillgate approve``: an approval appended to ``policy/packages/<name>.yaml`` once the
release it admits is known to exist, to be clean, and not to be a typosquat.

Order: the cheap local checks first (arguments, typosquat, the edit validating in a copy), then
the package index and the scan. Nothing is written unless every step passes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from checker.edit import EditRefused
from checker.edit.pull_request import release_section, render
from checker.edit.release import check_release
from checker.edit.review import EditOutcome, read_text, review, write
from checker.edit.yaml_edit import Scalar, append_entry
from checker.exit_codes import SkillgateError, UsageError
from checker.heuristics.typosquat import TyposquatIndex, popular_names
from checker.layout import PACKAGES_DIR
from checker.policy.load import LoadedRepo, load_repo
from checker.process import run_command
from checker.runtime.specs import canonical_name


@dataclass(frozen=True, kw_only=True, slots=True)
class ApproveOptions:
    """``skillgate approve`` from the command line."""

    requirement: str
    min_level: str
    reason: str
    approved_by: str | None = None
    ticket: str | None = None
    expires: date | None = None
    not_a_typosquat_of: str | None = None
    vuln_db: Path | None = None
    dry_run: bool = False


def approve(
    repo: Path, options: ApproveOptions, *, now: datetime, progress: Callable[[str], None]
) -> EditOutcome:
    """Check the release and write the approval; EditRefused (exit 1) when it may not be."""
    loaded = load_repo(repo)
    requirement, versions = parse_requirement(options.requirement)
    if options.expires is not None and options.expires < now.date():
        raise UsageError(f"--expires {options.expires.isoformat()} is in the past")
    name = canonical_name(requirement.name)
    squat = _typosquat(loaded, name, options.not_a_typosquat_of)
    entry: dict[str, Scalar] = {
        "package": name,
        "versions": versions,
        "min_level": options.min_level,
        "approved_by": options.approved_by or git_email(repo),
        "reason": options.reason,
    }
    if options.ticket:
        entry["ticket"] = options.ticket
    if options.expires:
        entry["expires"] = options.expires
    if squat:
        entry["not_a_typosquat_of"] = canonical_name(options.not_a_typosquat_of or "")
    rel = f"{PACKAGES_DIR}/{name}.yaml"
    edit = append_entry(rel, read_text(repo / rel), "approvals", entry, quoted=("versions",))
    checked = review(loaded, edit, today=now.date(), vuln_db=options.vuln_db)
    release = check_release(
        loaded, f"{name}{versions}", vuln_db=options.vuln_db, now=now, progress=progress
    )
    pin = f"{release.package.name}=={release.package.version}"
    if release.gating:
        raise EditRefused(f"refusing to approve {pin}: it fails the scan", release.findings)
    if not options.dry_run:
        write(repo, edit)
    title = f"Approve `{name}{versions}` for {options.min_level}"
    section = release_section(release, specifier=versions, squat=squat)
    return EditOutcome(
        review=checked, written=not options.dry_run, markdown=render(title, checked, section)
    )


def parse_requirement(text: str) -> tuple[Requirement, str]:
    """The requirement and its specifier as written (spaces dropped); UsageError unless it is
    a plain name with a version specifier."""
    try:
        requirement = Requirement(text)
    except InvalidRequirement as exc:
        raise UsageError(f"invalid requirement {text!r}: {exc}") from None
    if requirement.url or requirement.marker or requirement.extras:
        raise UsageError(
            f"{text!r}: approve a name and versions only, e.g. 'requests==2.32.3' or "
            "'requests>=2.32.3,<3'"
        )
    if not requirement.specifier:
        raise UsageError(
            f"{text!r} names no version: give NAME==VERSION or a specifier such as "
            "'requests>=2.32.3,<3'"
        )
    versions = "".join(text.strip()[len(requirement.name) :].split())
    return requirement, versions


def git_email(repo: Path) -> str:
    """``git config user.email`` for ``repo``; UsageError when it is not set."""
    try:
        done = run_command(
            ["git", "-C", str(repo), "config", "--get", "user.email"], timeout=30, ok_codes=(0, 1)
        )
        email = done.stdout.strip()
    except SkillgateError:
        email = ""
    if not email:
        raise UsageError(
            "give --approved-by: `git config user.email` is not set for the repository"
        )
    return email


def _typosquat(loaded: LoadedRepo, name: str, override: str | None) -> str | None:
    """What the PR says about typosquatting when ``name`` resembles a popular package and the
    reviewed override names it; EditRefused when it resembles one without the override."""
    popular = popular_names(loaded.root, loaded.scanning_policy().popular_packages)
    squat = TyposquatIndex(popular).explain(name)
    if squat is None:
        if override:
            raise UsageError(
                f"{name!r} does not look like a typosquat of any popular package; "
                "drop --not-a-typosquat-of"
            )
        return None
    if override and canonical_name(override) == canonical_name(squat.target):
        return (
            f"resembles `{squat.target}` ({squat.how}); reviewed: "
            f"`not_a_typosquat_of: {squat.target}`"
        )
    raise EditRefused(
        f"{name!r} looks like a typosquat of {squat.target!r} ({squat.how}); if it is not, "
        f"pass --not-a-typosquat-of {squat.target} and say why in --reason"
    )
