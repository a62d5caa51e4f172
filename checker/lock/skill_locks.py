"""Lock each skill, or check its lock: missing, stale, hand-edited, banned packages.

A skill's lock lives beside its ``skill.yaml`` as ``requirements.lock``. Writing is
deterministic (same requirements, target and index content -> same bytes) and a file
is only rewritten when its content changes. Requirements that have only an sdist for the
target are refused (``lock.sdist-only``) unless the team allowed building them; then their
wheels are built in the sandbox first and resolved beside the indexes
(``checker.lock.source_locks``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier
from packaging.utils import canonicalize_name
from packaging.version import Version

from checker.exit_codes import UsageError
from checker.findings import Finding, Severity, fails
from checker.layout import LOCK_NAME, SKILLS_DIR
from checker.lock import source_builds, source_locks
from checker.lock.lockfile import Lock, LockError, read_lock, render_lock, requirements_digest
from checker.lock.resolver import resolve
from checker.lock.source_builds import BuiltWheel, WheelBuilder
from checker.lock.target import Target, target_for
from checker.policy.load import LoadedRepo
from checker.policy.model import Ban, Skill
from checker.runtime.specs import parse_specifier


@dataclass(frozen=True, kw_only=True, slots=True)
class LockOutcome:
    """What locking one skill did: the lock file, whether it changed, its findings."""

    skill: str
    path: Path
    written: bool
    packages: int
    findings: tuple[Finding, ...]
    built: tuple[BuiltWheel, ...] = ()
    """The wheels built from sdists (or found in the build cache) for this lock."""


def lock_path(skill: Skill) -> Path:
    """``skills/<id>/requirements.lock``."""
    return skill.directory / LOCK_NAME


def select_skills(repo: LoadedRepo, skill_id: str | None) -> list[Skill]:
    """The skill named ``skill_id``, or every loaded skill; UsageError for an unknown id."""
    if skill_id is None:
        return [repo.skills[k] for k in sorted(repo.skills)]
    if skill_id not in repo.skills:
        known = ", ".join(sorted(repo.skills)) or "none"
        raise UsageError(f"unknown skill {skill_id!r} (skills: {known})")
    return [repo.skills[skill_id]]


def skill_load_findings(repo: LoadedRepo) -> list[Finding]:
    """Errors in ``skills/`` files: such a skill is neither locked nor checked, so it fails."""
    return [f for f in repo.findings if f.file.startswith(f"{SKILLS_DIR}/") and fails([f])]


def lock_skill(
    repo: LoadedRepo,
    skill: Skill,
    target: Target,
    cache: Path | None = None,
    *,
    resolver: str | None = None,
    allow_sdist: Sequence[str] = (),
    builder: WheelBuilder | None = None,
) -> LockOutcome:
    """Resolve ``skill`` for ``target`` and write its lock (unless only sdists exist).

    ``allow_sdist`` (and approvals with ``build_from_source: true``) name the packages that
    may be built from their sdist by ``builder`` (the sandbox's, made when first needed).
    """
    path = lock_path(skill)
    rel = _rel(repo, path)
    allowed = source_locks.allowed_names(repo.policy.approvals, skill.requirements, allow_sdist)
    with contextlib.ExitStack() as stack:
        if builder is None and allowed:
            settings = repo.sandbox_policy()
            builder = stack.enter_context(
                contextlib.closing(source_builds.SandboxBuilder(settings))
            )
        built = (
            source_locks.build_allowed(
                skill.requirements,
                allowed,
                path,
                target,
                cache,
                resolver=resolver,
                builder=builder,
            )
            if builder is not None and allowed
            else {}
        )
    with source_locks.find_links(built.values()) as links:
        resolution = resolve(skill.requirements, target, cache, resolver=resolver, find_links=links)
    if resolution.sdist_only:
        findings = [
            _sdist_finding(repo, skill, name, allowed=name in allowed)
            for name in resolution.sdist_only
        ]
        return LockOutcome(
            skill=skill.id, path=path, written=False, packages=0, findings=tuple(findings)
        )
    lock = Lock(
        packages=source_locks.with_builds(resolution.packages, built),
        requirements_digest=requirements_digest(skill.requirements, target.tag),
        target=target.tag,
        skill=skill.id,
    )
    text = render_lock(lock)
    old = path.read_text(encoding="utf-8") if path.is_file() else None
    if old != text:
        path.write_text(text, encoding="utf-8")
    written = read_lock(path)
    return LockOutcome(
        skill=skill.id,
        path=path,
        written=old != text,
        packages=len(written.packages),
        findings=tuple(ban_findings(written, repo.policy.bans, rel)),
        built=tuple(built[name] for name in sorted(built)),
    )


def check_skill_lock(repo: LoadedRepo, skill: Skill, target: Target) -> list[Finding]:
    """Findings for a missing, malformed, stale or hand-edited lock, and banned packages."""
    path = lock_path(skill)
    rel = _rel(repo, path)
    hint = f"run `skillgate lock {skill.id}` and commit the result"
    if not path.is_file():
        return [_finding("lock.missing", f"skill {skill.id} has no lock file", rel, 0, hint)]
    try:
        lock = read_lock(path)
    except LockError as exc:
        return [_finding("lock.malformed", exc.detail, rel, exc.line, hint)]
    findings: list[Finding] = []
    if lock.hand_edited:
        findings.append(
            _finding(
                "lock.modified",
                "the lock was edited by hand: its packages do not match its content-digest",
                rel,
                _digest_line(path),
                hint,
            )
        )
    expected = requirements_digest(skill.requirements, target.tag)
    if lock.skill != skill.id:
        message = f"the lock was generated for skill {lock.skill!r}, not {skill.id!r}"
        findings.append(_finding("lock.stale", message, rel, 0, hint))
    elif lock.target != target.tag:
        message = f"the lock targets {lock.target}, the sandbox is {target.tag}"
        findings.append(_finding("lock.stale", message, rel, 0, hint))
    elif lock.requirements_digest != expected:
        message = f"the requirements in {skill.file} changed since the lock was generated"
        findings.append(_finding("lock.stale", message, rel, 0, hint))
    findings += ban_findings(lock, repo.policy.bans, rel)
    return findings


def ban_findings(lock: Lock, bans: Iterable[Ban], rel: str) -> list[Finding]:
    """``lock.banned`` for every locked package (transitive included) that a ban covers."""
    by_name: dict[str, list[Ban]] = {}
    for ban in bans:
        by_name.setdefault(canonicalize_name(ban.package), []).append(ban)
    findings: list[Finding] = []
    for pkg in lock.packages:
        for ban in by_name.get(pkg.name, ()):
            if not _covers(ban, pkg.version):
                continue
            via = "a direct requirement" if pkg.direct else f"required by {', '.join(pkg.parents)}"
            findings.append(
                _finding(
                    "lock.banned",
                    f"{pkg.name}=={pkg.version} ({via}) is banned by {ban.source}: {ban.reason}",
                    rel,
                    pkg.line,
                    "remove or replace the requirement that pulls it in",
                )
            )
    return findings


def _covers(ban: Ban, version: str) -> bool:
    try:
        spec = parse_specifier(ban.versions)
    except InvalidSpecifier:
        return True  # an unreadable ban specifier fails closed: it bans every version
    return spec is None or spec.contains(Version(version), prereleases=True)


def _sdist_finding(repo: LoadedRepo, skill: Skill, name: str, *, allowed: bool) -> Finding:
    index = next((i for i, r in enumerate(skill.requirements) if _req_name(r) == name), None)
    line = column = 0
    document = repo.raw.get(skill.file)
    if document is not None:
        path: tuple[str | int, ...] = (
            ("requirements",) if index is None else ("requirements", index)
        )
        position = document.position(path)
        line, column = position.line, position.column
    if allowed:
        message = (
            f"{name} has only source distributions (sdists) for the sandbox target and may be "
            "built from source, but the skill does not pin it: the pin says which sdist to build"
        )
        hint = f"add '{name}==VERSION' to the requirements in {skill.file}"
    else:
        message = (
            f"{name} has only source distributions (sdists) for the sandbox target; "
            "building one would run its code, so skillgate refuses it"
        )
        hint = (
            "pick a version with a wheel for the target, publish a wheel to your index, or "
            f"allow building it in the sandbox (`skillgate lock --allow-sdist {name}`, or "
            "`build_from_source: true` on its approval)"
        )
    return Finding(
        rule="lock.sdist-only",
        severity=Severity.ERROR,
        message=message,
        file=skill.file,
        line=line,
        column=column,
        hint=hint,
    )


def _req_name(text: str) -> str:
    try:
        return canonicalize_name(Requirement(text).name)
    except InvalidRequirement:
        return ""


def _digest_line(path: Path) -> int:
    """The line of the ``content-digest`` header that no longer matches."""
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if line.startswith("# content-digest:"):
            return number
    return 0


def _finding(rule: str, message: str, file: str, line: int, hint: str) -> Finding:
    return Finding(
        rule=rule, severity=Severity.ERROR, message=message, file=file, line=line, hint=hint
    )


def _rel(repo: LoadedRepo, path: Path) -> str:
    try:
        return path.resolve().relative_to(repo.root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


@dataclass(frozen=True, kw_only=True, slots=True)
class LockReport:
    """What ``lock`` (or ``lock --check``) did over the selected skills."""

    target: Target
    findings: list[Finding]
    outcomes: list[LockOutcome]


def lock_repo(
    loaded: LoadedRepo,
    skill_id: str | None,
    *,
    check_only: bool,
    cache: Path | None = None,
    resolver: str | None = None,
    allow_sdist: Sequence[str] = (),
    builder: WheelBuilder | None = None,
) -> LockReport:
    """Lock (or only check) the selected skills for the sandbox target of ``loaded``.

    ``allow_sdist`` names packages that may be built from source (``--allow-sdist``);
    ``builder`` builds them (default: the sandbox's, connected when first needed).
    """
    target = target_for(loaded.sandbox_policy().base)
    findings = skill_load_findings(loaded)
    outcomes = []
    with contextlib.ExitStack() as stack:
        if builder is None:
            settings = loaded.sandbox_policy()
            builder = stack.enter_context(
                contextlib.closing(source_builds.SandboxBuilder(settings))
            )
        for skill in select_skills(loaded, skill_id):
            if check_only:
                findings += check_skill_lock(loaded, skill, target)
                continue
            outcome = lock_skill(
                loaded,
                skill,
                target,
                cache,
                resolver=resolver,
                allow_sdist=allow_sdist,
                builder=builder,
            )
            findings += outcome.findings
            outcomes.append(outcome)
    return LockReport(target=target, findings=findings, outcomes=outcomes)
