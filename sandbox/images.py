"""Build the images of a repository's skills: the orchestration behind ``skillgate build``.

The policy must validate (``require_valid``) and, unless the caller says the gate already
did, every selected skill's lock must pass the scan gates; then each image is built on the
recorded base, unless its content tag exists.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from checker.exit_codes import UsageError
from checker.findings import Finding, fails, sort_findings
from checker.policy.load import LoadedRepo
from sandbox.build import BuildResult, Log


@dataclass(frozen=True, kw_only=True, slots=True)
class BuildOptions:
    """Which skills to build (all when empty) and whether to scan their locks first."""

    repo: Path
    skills: tuple[str, ...] = ()
    scan: bool = True
    progress: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class BuildReport:
    """The scan findings that stopped the build (if any), else the images."""

    findings: list[Finding]
    images: list[BuildResult]

    @property
    def refused(self) -> bool:
        return fails(self.findings)


def selected_skills(loaded: LoadedRepo, skills: Sequence[str]) -> list[str]:
    """The requested skills (UsageError for an unknown one), else every skill."""
    unknown = sorted(set(skills) - set(loaded.skills))
    if unknown:
        raise UsageError(f"unknown skill(s): {', '.join(unknown)}")
    return list(skills) or sorted(loaded.skills)


def scan_findings(loaded: LoadedRepo, skills: Sequence[str], *, progress: bool) -> list[Finding]:
    """The scan gates of ``policy/scanning.yaml`` over each skill's lock."""
    from checker.heuristics import scan_artifacts  # noqa: PLC0415 - heavy; only with --scan
    from checker.scan.run import ScanOptions, run_scan  # noqa: PLC0415

    findings: list[Finding] = []
    for skill_id in skills:
        options = ScanOptions(skill=skill_id, progress=progress)
        result = run_scan(loaded, options, heuristics=scan_artifacts, now=datetime.now(UTC))
        findings += result.findings
    return sort_findings(findings)


def build_images(options: BuildOptions, log: Log | None = None) -> BuildReport:
    """Validate, scan (unless told not to), then build each selected skill's image."""
    from checker.bundle.revision import git_revision  # noqa: PLC0415
    from checker.lock.target import target_for  # noqa: PLC0415
    from checker.policy.validate import require_valid  # noqa: PLC0415
    from sandbox.base_image import require_base  # noqa: PLC0415
    from sandbox.build import build_skill  # noqa: PLC0415
    from sandbox.engine import connect  # noqa: PLC0415

    loaded = require_valid(options.repo)
    selected = selected_skills(loaded, options.skills)
    settings = loaded.sandbox_policy()
    findings = scan_findings(loaded, selected, progress=options.progress) if options.scan else []
    if fails(findings):
        return BuildReport(findings=findings, images=[])
    target = target_for(settings.base)
    revision = git_revision(options.repo)
    images = []
    with contextlib.closing(connect()) as client:
        base = require_base(client, settings.base)
        for skill_id in selected:
            skill = loaded.skills[skill_id]
            images.append(build_skill(client, skill, base, target, revision=revision, log=log))
    return BuildReport(findings=findings, images=images)
