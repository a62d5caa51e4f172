"""Static malicious-package heuristics over wheels and sdists; nothing is ever executed.

``scan_artifact(path)`` reads the archive in memory (with limits against bombs and hostile
paths), parses its Python sources with ``ast`` and runs every rule of the registry over it.
A rule that crashes yields a gating ``heuristics.rule-crashed`` finding; an artifact that
cannot be read raises ``ArtifactError`` (exit 3): the scan fails closed.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from checker.findings import Finding, Severity, sort_findings
from checker.heuristics.archive import ArchiveLimits, ArtifactError, read_archive
from checker.heuristics.artifact import ArtifactView
from checker.heuristics.interface import HeuristicRule
from checker.heuristics.registry import RuleRegistry

__all__ = [
    "ArchiveLimits",
    "ArtifactError",
    "HeuristicRule",
    "RuleRegistry",
    "scan_artifact",
    "scan_artifacts",
]

UNPARSED = "heuristics.unparsed"
TOO_DEEP = frozenset({"RecursionError", "MemoryError"})


def scan_artifact(
    path: Path,
    *,
    registry: RuleRegistry | None = None,
    limits: ArchiveLimits | None = None,
    target_python: tuple[int, int] | None = None,
) -> list[Finding]:
    """Findings of every heuristics rule for one wheel or sdist, sorted.

    ``target_python`` is the sandbox interpreter (``(3, 12)``). Source that this interpreter
    cannot parse is only noted when the target is no newer (it cannot run there either), but
    gates when the target is newer: code written for it could not be analysed.
    """
    contents = read_archive(path, limits)
    artifact = ArtifactView(path.name, contents)
    findings = [
        Finding(
            rule=problem.rule,
            severity=Severity.ERROR,
            message=problem.message,
            file=f"{path.name}!{problem.member}" if problem.member else path.name,
            hint="a legitimate artifact never needs this; it is denied",
        )
        for problem in contents.problems
    ]
    findings.extend((registry or RuleRegistry.default()).run(artifact))
    findings.extend(_unparsed(artifact, target_python))
    return sort_findings(findings)


def _unparsed(artifact: ArtifactView, target_python: tuple[int, int] | None) -> list[Finding]:
    host = sys.version_info[:2]
    newer_target = target_python is not None and target_python > host
    findings: list[Finding] = []
    for module in artifact.unparsed:
        message = f"not valid Python {host[0]}.{host[1]} ({module.reason}); not analysed"
        severity = Severity.NOTICE
        if module.reason in TOO_DEEP:
            # How deep the parser may go depends on the caller's stack: a file just past our
            # limit might still compile in the sandbox. No honest package nests this deep.
            message += " (nested too deeply to analyse: cannot decide)"
            severity = Severity.ERROR
        elif newer_target:
            message += " (the sandbox runs a newer Python: cannot decide)"
            severity = Severity.ERROR
        findings.append(
            Finding(
                rule=UNPARSED,
                severity=severity,
                message=message,
                file=artifact.location(module.member),
            )
        )
    return findings


def scan_artifacts(
    paths: Sequence[Path],
    *,
    registry: RuleRegistry | None = None,
    target_python: tuple[int, int] | None = None,
) -> list[Finding]:
    """Findings for several artifacts, sorted; raises ArtifactError on an unreadable one."""
    registry = registry or RuleRegistry.default()
    findings: list[Finding] = []
    for path in paths:
        findings.extend(scan_artifact(path, registry=registry, target_python=target_python))
    return sort_findings(findings)
