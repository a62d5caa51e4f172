"""One release checked before it is approved: it exists on the package index for the sandbox
target, and its wheel passes the vulnerability DB and the malicious-code heuristics.

pip resolves the requirement for the sandbox target (wheels only, pip's own index settings;
for a specifier, the newest release it admits), the release's wheel is downloaded into the
artifacts cache and hash-verified, and that exact file is judged the way ``skillgate scan``
judges a locked one (waivers and gates from ``scanning.yaml``). Nothing is installed, imported
or run. Without an imported vulnerability DB nothing can be decided (exit 3).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from packaging.utils import canonicalize_name

from checker.bundle.advisories import open_db
from checker.edit import EditRefused
from checker.exit_codes import SkillgateError
from checker.findings import Finding, fails, sort_findings
from checker.heuristics import scan_artifacts
from checker.lock.artifacts import fetch
from checker.lock.lockfile import LockedPackage
from checker.lock.resolver import ResolutionError, resolve
from checker.lock.sdists import available_versions
from checker.lock.target import Target, target_for
from checker.policy.load import LoadedRepo
from checker.policy.scanning import ScanningPolicy
from checker.scan.name_checks import malicious_name_findings
from checker.scan.run import gate_heuristic
from checker.scan.vuln_findings import vuln_findings
from checker.vulns.engines import PinnedPackage
from checker.vulns.ours_engine import OursEngine
from checker.vulns.vuln_index import VulnIndex
from checker.vulns.waivers import WaiverBook

_OBJECT = re.compile(r"<[^<>]* object at 0x[0-9a-f]+>: ")


@dataclass(frozen=True, kw_only=True, slots=True)
class CheckedRelease:
    """The release pip chose, where it came from, and what the scan found in it."""

    package: LockedPackage
    target: str
    dependencies: tuple[str, ...]
    """``name==version`` of what the release pulls in on the target (scanned when locked)."""
    findings: tuple[Finding, ...]
    vulnerability_db: str
    heuristics: bool
    """False when ``scanning.yaml`` turns the heuristics off."""

    @property
    def gating(self) -> bool:
        return fails(self.findings)


def check_release(
    loaded: LoadedRepo,
    requirement: str,
    *,
    vuln_db: Path | None,
    now: datetime,
    progress: Callable[[str], None],
) -> CheckedRelease:
    """Resolve, download and scan the release ``requirement`` (``name==version`` or a name
    and a specifier) names for the sandbox target."""
    scanning = loaded.scanning_policy()
    target = target_for(loaded.sandbox_policy().base)
    index = open_db(vuln_db)
    if index is None:
        raise SkillgateError(
            f"no vulnerability DB is imported, so {requirement} cannot be checked for known "
            "vulnerabilities; import one with `skillgate db update --from PATH|URL`"
        )
    try:
        index.info.ensure_fresh(scanning.max_db_age_days, now)
        progress(f"resolving {requirement} for {target.tag} on the configured package index")
        package, dependencies = _resolve(requirement, target)
        paths = fetch(package)
        label = package.files[0].filename
        findings = _vulnerabilities(label, package, index, scanning, now)
        if scanning.heuristics_enabled:
            progress(f"scanning {label}")
            major, minor = target.python.split(".")
            found = scan_artifacts(paths, target_python=(int(major), int(minor)))
            waivers = WaiverBook(scanning.waivers, now.date())
            findings += [gate_heuristic(f, package.name, scanning, waivers) for f in found]
        info = index.info
    finally:
        index.close()
    return CheckedRelease(
        package=package,
        target=target.tag,
        dependencies=dependencies,
        findings=tuple(sort_findings(findings)),
        vulnerability_db=f"snapshot {info.snapshot}, {info.records} records",
        heuristics=scanning.heuristics_enabled,
    )


def _resolve(requirement: str, target: Target) -> tuple[LockedPackage, tuple[str, ...]]:
    name = _name_of(requirement)
    try:
        resolution = resolve([requirement], target)
    except ResolutionError as exc:
        if exc.unreachable:
            url, reason = exc.unreachable[0]
            reason = _OBJECT.sub("", reason)  # pip's repr of its connection object is noise
            raise SkillgateError(f"cannot reach the package index: {url}: {reason}") from None
        missing = [r for r in exc.unmatched if _name_of(r) == name]
        if missing:
            there = ", ".join(available_versions(name)) or "none"
            raise EditRefused(
                f"{requirement}: no such release on the package index for {target.tag} "
                f"(versions there: {there})"
            ) from None
        if exc.unmatched:
            raise EditRefused(
                f"{requirement} cannot be installed in the sandbox: no release on the package "
                f"index matches its dependency {exc.unmatched[0]} for {target.tag}"
            ) from None
        raise
    if resolution.sdist_only:
        which = "it has" if name in resolution.sdist_only else "its dependencies have"
        raise EditRefused(
            f"{requirement} cannot be installed in the sandbox: {which} only source "
            f"distributions for {target.tag} ({', '.join(resolution.sdist_only)}); the "
            "sandbox installs wheels only"
        )
    chosen = [p for p in resolution.packages if p.name == name]
    if not chosen:
        raise SkillgateError(f"{requirement} resolved without a release of {name}")
    others = tuple(f"{p.name}=={p.version}" for p in resolution.packages if p.name != name)
    return chosen[0], others


def _name_of(requirement: str) -> str:
    return canonicalize_name(re.split(r"[\s\[<>=!~;,(]", requirement, maxsplit=1)[0])


def _vulnerabilities(
    label: str, package: LockedPackage, index: VulnIndex, scanning: ScanningPolicy, now: datetime
) -> list[Finding]:
    pinned = PinnedPackage(name=package.name, version=package.version, hashes=package.hashes)
    matches = OursEngine(index).audit([pinned])
    waivers = WaiverBook(scanning.waivers, now.date())
    findings = vuln_findings(label, [package], matches, scanning, waivers)
    matched = {match.id for match in matches.get(package.name, ())}
    return findings + malicious_name_findings(label, package, index, matched)
