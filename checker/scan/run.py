"""One scan: every selected lock through a vulnerability engine, then the heuristics.

Order matters for failing fast and closed: the policy and the locks are read first, then
the DB is opened and its age checked, and only then are artifacts downloaded. Anything
that cannot be decided raises ``SkillgateError`` (exit 3); nothing is skipped silently.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Protocol

import click

from checker import layout
from checker.exit_codes import PolicyError, SkillgateError, UsageError
from checker.findings import Finding, Severity, fails
from checker.lock.artifacts import fetch
from checker.lock.lockfile import Lock, LockedPackage, read_lock
from checker.lock.source_builds import SandboxBuilder, WheelBuilder
from checker.lock.target import parse_tag
from checker.policy.load import LoadedRepo
from checker.policy.scanning import ScanningPolicy
from checker.scan.impact import Exposure
from checker.scan.name_checks import (
    malicious_name_findings,
    typosquat_findings,
    typosquat_index,
)
from checker.scan.vuln_findings import vuln_findings
from checker.vulns.db_location import resolve_db_dir
from checker.vulns.engines import PinnedPackage, VulnerabilityEngine
from checker.vulns.matcher import VulnMatch, severity_of
from checker.vulns.osv_model import ECOSYSTEM_PYPI
from checker.vulns.osv_server import OsvQueryServer
from checker.vulns.ours_engine import OursEngine
from checker.vulns.pip_audit_engine import PipAuditEngine
from checker.vulns.vuln_index import VulnIndex
from checker.vulns.waivers import WaiverBook

ENGINES = ("ours", "pip-audit")


class HeuristicsScan(Protocol):
    """Scans artifacts for a sandbox interpreter (``checker.heuristics.scan_artifacts``)."""

    def __call__(
        self, paths: Sequence[Path], *, target_python: tuple[int, int] | None = None
    ) -> list[Finding]: ...


@dataclass(frozen=True, kw_only=True, slots=True)
class ScanOptions:
    """What to scan and how; built from the command line."""

    skill: str | None = None
    skills: frozenset[str] | None = None
    """With ``skill`` unset: only these skills (the gate's pull-request selection)."""
    engine: str = "ours"
    vuln_db: Path | None = None
    online: bool = False
    cache: Path | None = None
    progress: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class ScanResult:
    """The findings of a scan and how much it covered."""

    findings: list[Finding]
    locks: int
    packages: int


def find_locks(
    loaded: LoadedRepo, skill: str | None, only: frozenset[str] | None = None
) -> list[tuple[str, Path]]:
    """(repo-relative path, path) of the locks to scan; a skill without a lock is an error,
    and so is a ``skill.yaml`` with errors: that skill cannot be left out unscanned."""
    if skill is not None and skill not in loaded.skills:
        raise UsageError(f"no skill {skill!r} (expected {layout.skill_file(skill)})")
    broken = [f for f in loaded.findings if f.file.endswith(f"/{layout.SKILL_FILE}") and fails([f])]
    if skill is None and broken:
        raise PolicyError(f"{broken[0].file} has errors; run `skillgate validate`", broken)
    locks = []
    every = sorted(s for s in loaded.skills if only is None or s in only)
    for skill_id in [skill] if skill is not None else every:
        rel = layout.lock_file(skill_id)
        path = loaded.root / rel
        if not path.is_file():
            raise SkillgateError(
                f"skill {skill_id} has no {layout.LOCK_NAME}; run skillgate lock {skill_id}"
            )
        locks.append((rel, path))
    return locks


def run_scan(
    loaded: LoadedRepo,
    options: ScanOptions,
    *,
    heuristics: HeuristicsScan | None,
    now: datetime,
) -> ScanResult:
    """Scan the selected locks; ``heuristics=None`` scans for vulnerabilities only."""
    policy = loaded.scanning_policy()
    locks = [
        (rel, read_lock(path)) for rel, path in find_locks(loaded, options.skill, options.skills)
    ]
    waivers = WaiverBook(policy.waivers, now.date())
    findings: list[Finding] = []
    exposure = Exposure(loaded, now.date())
    with _engine(options, policy, now) as (engine, index):
        for rel, lock in locks:
            matches = engine.audit([_pinned(p) for p in lock.packages])
            if index is not None:
                matches = {name: _with_severity(index, ms) for name, ms in matches.items()}
            found = vuln_findings(rel, lock.packages, matches, policy, waivers)
            findings += [_exposed(f, lock, exposure) for f in found]
            if index is not None:
                findings += _malicious_names(rel, lock, matches, index)
    if heuristics is not None and policy.heuristics_enabled:
        squats = typosquat_index(loaded, policy)
        # A wheel built from source and missing from the cache is rebuilt with the repository's
        # own base (the engine is contacted only then) and must reproduce its locked hash.
        with contextlib.closing(SandboxBuilder(loaded.sandbox_policy())) as builder:
            for rel, lock in locks:
                for package in lock.packages:
                    found = typosquat_findings(rel, package, squats)
                    findings += [gate_heuristic(f, package.name, policy, waivers) for f in found]
                findings += _heuristics(rel, lock, heuristics, policy, waivers, options, builder)
    whole = options.skill is None and options.skills is None
    findings += waivers.findings(policy.file, report_unused=whole)
    return ScanResult(
        findings=findings,
        locks=len(locks),
        packages=sum(len(lock.packages) for _, lock in locks),
    )


@contextmanager
def _engine(
    options: ScanOptions, policy: ScanningPolicy, now: datetime
) -> Iterator[tuple[VulnerabilityEngine, VulnIndex | None]]:
    if options.engine not in ENGINES:
        raise UsageError(f"unknown engine {options.engine!r}; choose from {', '.join(ENGINES)}")
    if options.online and options.engine != "pip-audit":
        raise UsageError("--online only applies to --engine pip-audit")
    db_dir = resolve_db_dir(options.vuln_db)
    if options.engine == "pip-audit" and options.online:
        # pip-audit asks api.osv.dev itself; no local data is needed or claimed.
        yield PipAuditEngine(osv_url=None), None
        return
    index = VulnIndex.open(db_dir)
    try:
        index.info.ensure_fresh(policy.max_db_age_days, now)
        if options.engine == "ours":
            yield OursEngine(index), index
            return
        with OsvQueryServer(db_dir) as server:
            yield PipAuditEngine(osv_url=server.url), index
    finally:
        index.close()


def _exposed(finding: Finding, lock: Lock, exposure: Exposure) -> Finding:
    """A failing vulnerability finding says which approval let the package in and which
    agents run the skill (what a scheduled re-scan must tell its reader)."""
    if finding.severity is not Severity.ERROR or not finding.rule.startswith("vuln."):
        return finding
    package = next((p for p in lock.packages if p.line == finding.line), None)
    if package is None:
        return finding
    return replace(finding, message=f"{finding.message} [{exposure.describe(lock.skill, package)}]")


def _pinned(package: LockedPackage) -> PinnedPackage:
    return PinnedPackage(name=package.name, version=package.version, hashes=package.hashes)


def _malicious_names(
    lock_file: str, lock: Lock, matches: dict[str, list[VulnMatch]], index: VulnIndex
) -> list[Finding]:
    findings = []
    for package in lock.packages:
        matched = {m.id for m in matches.get(package.name, ())}
        findings += malicious_name_findings(lock_file, package, index, matched)
    return findings


def _with_severity(index: VulnIndex, matches: Sequence[VulnMatch]) -> list[VulnMatch]:
    # pip-audit's report has no severity; our DB holds the same records, so look it up.
    out = []
    for match in matches:
        record = None if match.severity else index.record(match.id)
        if record is None:
            out.append(match)
            continue
        entries = [
            a for a in record.affected if a.ecosystem == ECOSYSTEM_PYPI and a.name == match.package
        ]
        severity, score = severity_of(record, entries)
        out.append(replace(match, severity=severity, score=score))
    return out


def _heuristics(
    lock_file: str,
    lock: Lock,
    scan: HeuristicsScan,
    policy: ScanningPolicy,
    waivers: WaiverBook,
    options: ScanOptions,
    builder: WheelBuilder,
) -> list[Finding]:
    findings: list[Finding] = []
    major, minor = parse_tag(lock.target).python.split(".")
    target_python = (int(major), int(minor))
    label = f"scanning {lock.skill or 'lock'}"
    for package in _progress(lock.packages, label, options.progress):
        paths = fetch(package, options.cache, builder=builder)
        try:
            found = scan(paths, target_python=target_python)
        except SkillgateError:
            raise
        except Exception as exc:  # noqa: BLE001 - a crashing rule must fail, not pass
            raise SkillgateError(
                f"heuristics crashed on {package.name}=={package.version}: "
                f"{type(exc).__name__}: {exc}"
            ) from None
        findings += [
            gate_heuristic(_at_lock_line(f, lock_file, package), package.name, policy, waivers)
            for f in found
        ]
    return findings


def _at_lock_line(finding: Finding, lock_file: str, package: LockedPackage) -> Finding:
    """A finding inside an artifact, re-located at the lock line that brought the artifact
    in (so a pull-request annotation lands on a line of the diff), the member in the message."""
    return replace(
        finding,
        file=lock_file,
        line=package.line,
        column=0,
        message=f"{package.name}=={package.version}: {finding.file}: {finding.message}",
    )


def gate_heuristic(
    finding: Finding, package: str, policy: ScanningPolicy, waivers: WaiverBook
) -> Finding:
    """A heuristics finding on ``package``, gated as the policy says: a live waiver makes it
    a notice; at or above ``heuristics.fail_on`` an error; otherwise at most a warning."""
    waiver = waivers.lookup(package, (finding.rule,))
    if waiver is not None:
        message = f"{finding.message} (waived until {waiver.expires.isoformat()}: {waiver.reason})"
        return replace(finding, severity=Severity.NOTICE, message=message)
    threshold = policy.heuristics_threshold()
    if threshold is not None and fails([finding], threshold):
        return replace(finding, severity=Severity.ERROR)
    return replace(finding, severity=min(finding.severity, Severity.WARNING))


def _progress(items: Sequence[LockedPackage], label: str, enabled: bool) -> Iterator[LockedPackage]:
    # Progress only on a terminal, and on stderr: piped output (--format json) stays clean.
    if not enabled:
        yield from items
        return
    with click.progressbar(items, label=label, file=sys.stderr) as bar:
        yield from bar
