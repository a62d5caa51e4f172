"""Turn engine matches into Findings: the severity gate, waivers, and where in the lock.

Rules: ``vuln.known`` (an advisory affects a locked version; error when it fails the
gate, warning below a severity floor), ``vuln.malicious`` (an OSV ``MAL-*`` record: always
an error), ``vuln.waived`` (notice: a live waiver accepted it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from checker.findings import Finding, Severity
from checker.lock.lockfile import LockedPackage
from checker.policy.scanning import ScanningPolicy
from checker.vulns.matcher import VulnMatch
from checker.vulns.waivers import WaiverBook

_SUMMARY_CHARS = 160


def vuln_findings(
    lock_file: str,
    packages: Sequence[LockedPackage],
    matches: Mapping[str, Sequence[VulnMatch]],
    policy: ScanningPolicy,
    waivers: WaiverBook,
) -> list[Finding]:
    """Findings for the matches of one lock's ``packages``, located at each pin's line."""
    findings = []
    for package in packages:
        for match in matches.get(package.name, ()):
            findings.append(_finding(lock_file, package, match, policy, waivers))
    return findings


def _finding(
    lock_file: str,
    package: LockedPackage,
    match: VulnMatch,
    policy: ScanningPolicy,
    waivers: WaiverBook,
) -> Finding:
    pin = f"{package.name}=={package.version}"
    waiver = waivers.lookup(package.name, (match.id, *match.aliases))
    if waiver is not None:
        return Finding(
            rule="vuln.waived",
            severity=Severity.NOTICE,
            message=f"{pin}: {match.id} waived until {waiver.expires.isoformat()}: {waiver.reason}",
            file=lock_file,
            line=package.line,
        )
    if match.malicious:
        return Finding(
            rule="vuln.malicious",
            severity=Severity.ERROR,
            message=f"{pin}: {match.id} malicious package: {_short(match.summary)}",
            file=lock_file,
            line=package.line,
            hint="remove the package and ban it in policy/bans.yaml",
        )
    fails = policy.vuln_fails(match.severity)
    rating = match.severity or "unknown"
    if match.score is not None:
        rating += f" {match.score:.1f}"
    aliases = f" ({', '.join(match.aliases)})" if match.aliases else ""
    fixed = f"fixed in {', '.join(match.fixed)}" if match.fixed else "no fixed version"
    below = "" if fails else f"; below the fail_on floor {policy.vuln_fail_on}"
    if match.note:
        below += f"; {match.note}"
    return Finding(
        rule="vuln.known",
        severity=Severity.ERROR if fails else Severity.WARNING,
        message=f"{pin}: {match.id}{aliases}, severity {rating}, {fixed}{below}: "
        f"{_short(match.summary)}",
        file=lock_file,
        line=package.line,
        hint=f"upgrade to a fixed version and re-lock, or waive {match.id} in "
        f"{policy.file} with a reason and an expiry",
    )


def _short(text: str) -> str:
    text = " ".join(text.split()) or "no description"
    return text if len(text) <= _SUMMARY_CHARS else text[: _SUMMARY_CHARS - 1] + "…"
