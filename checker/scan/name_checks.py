"""Checks on package names rather than artifacts: typosquats and OSV malicious-name records.

Typosquats compare every locked name with the popular-package list (``policy/scanning.yaml``'s
``heuristics.popular_packages``, repo-relative, else the list that ships with skillgate) and
with the names the policy approves; the detection itself is ``checker.heuristics.typosquat``.
"""

from __future__ import annotations

from checker.findings import Finding, Severity
from checker.heuristics.typosquat import TyposquatIndex, popular_names, typosquat_finding
from checker.lock.lockfile import LockedPackage
from checker.policy.load import LoadedRepo
from checker.policy.scanning import ScanningPolicy
from checker.vulns.vuln_index import VulnIndex


def typosquat_index(loaded: LoadedRepo, policy: ScanningPolicy) -> TyposquatIndex:
    """Known names: the configured popular list (an unreadable one is an error), approvals."""
    popular = popular_names(loaded.root, policy.popular_packages)
    approved = [approval.package for approval in loaded.policy.approvals]
    return TyposquatIndex(popular, approved)


def typosquat_findings(
    lock_file: str, package: LockedPackage, squats: TyposquatIndex
) -> list[Finding]:
    """A ``mal.typosquat`` finding at the package's lock line when its name imitates another."""
    squat = squats.explain(package.name)
    if squat is None:
        return []
    return [typosquat_finding(squat, file=lock_file, line=package.line)]


def malicious_name_findings(
    lock_file: str, package: LockedPackage, index: VulnIndex, matched: set[str]
) -> list[Finding]:
    """Warnings for OSV ``MAL-*`` records on this name that do not list the locked version.

    Records that list the version are ``vuln.malicious`` errors already (ids in ``matched``).
    """
    return [
        Finding(
            rule="vuln.malicious-name",
            severity=Severity.WARNING,
            message=f"{package.name}=={package.version}: {record.id} reports malicious releases "
            f"of this name (not this version): {record.summary or 'no summary'}",
            file=lock_file,
            line=package.line,
            hint="check who publishes this package now; ban it if in doubt",
        )
        for record in index.malicious_records(package.name)
        if record.id not in matched
    ]
