"""Build the images of a repository's skills: the orchestration behind ``skillgate build``.

The policy must validate (``require_valid``) and, unless the caller says the gate already
did, every selected skill's lock must pass the scan gates; then each image is built on the
recorded base, unless its content tag exists, and every image built is proven to hold
exactly its lock (``sandbox.installed``): a mismatch removes it and fails the build.
Each image then gets its CycloneDX SBOM and its SLSA provenance, signed with ``sign``
(``sandbox.attestations``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from checker.exit_codes import UsageError
from checker.findings import Finding, fails, sort_findings
from checker.layout import lock_file
from checker.policy.load import LoadedRepo
from sandbox.attestations import Attestation
from sandbox.build import BuildResult, Log


@dataclass(frozen=True, kw_only=True, slots=True)
class BuildOptions:
    """Which skills to build (all when empty) and whether to scan their locks first."""

    repo: Path
    skills: tuple[str, ...] = ()
    scan: bool = True
    progress: bool = False
    base: str | None = None
    """A git revision: build only the skills changed since it (all when the sandbox changed)."""
    audit: str | None = None
    """The audit store every build is recorded in (default: the per-user SQLite file)."""
    sign: Path | None = None
    """The Ed25519 private key (``skillgate keygen``) that signs each image's provenance."""


@dataclass(frozen=True, kw_only=True, slots=True)
class BuildReport:
    """The scan findings that stopped the build (if any), else the images."""

    findings: list[Finding]
    images: list[BuildResult]
    refusal: str = ""
    attestations: dict[str, Attestation] = field(default_factory=dict)
    """Per skill: where its SBOM and provenance are and who signed the provenance."""

    @property
    def refused(self) -> bool:
        return fails(self.findings)


def selected_skills(loaded: LoadedRepo, skills: Sequence[str]) -> list[str]:
    """The requested skills (UsageError for an unknown one), else every skill."""
    unknown = sorted(set(skills) - set(loaded.skills))
    if unknown:
        raise UsageError(f"unknown skill(s): {', '.join(unknown)}")
    return list(skills) or sorted(loaded.skills)


def _changed(repo: Path, base: str, skills: Sequence[str]) -> set[str]:
    """The skills whose inputs changed since ``base`` (every one when the sandbox changed)."""
    from checker.diff.revisions import checkout  # noqa: PLC0415
    from checker.gate.selection import changed_since  # noqa: PLC0415

    with checkout(repo, base) as before:
        selection = changed_since(before, repo)
    return set(skills) if selection.locks is None else set(selection.locks)


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
    from checker.audit.recorders import DirectRecorder  # noqa: PLC0415
    from checker.bundle.revision import git_revision  # noqa: PLC0415
    from checker.lock.target import target_for  # noqa: PLC0415
    from checker.policy.validate import require_valid  # noqa: PLC0415
    from sandbox.attestations import attest  # noqa: PLC0415
    from sandbox.base_image import require_base  # noqa: PLC0415
    from sandbox.build import build_skill  # noqa: PLC0415
    from sandbox.engine import connect  # noqa: PLC0415
    from sandbox.installed import verify_installed  # noqa: PLC0415

    loaded = require_valid(options.repo)
    selected = selected_skills(loaded, options.skills)
    if options.base is not None:
        selected = [s for s in selected if s in _changed(options.repo, options.base, selected)]
    settings = loaded.sandbox_policy()
    findings = scan_findings(loaded, selected, progress=options.progress) if options.scan else []
    if fails(findings):
        why = "a skill fails the scan gates; nothing was built"
        return BuildReport(findings=findings, images=[], refusal=why)
    if options.sign is not None:
        from checker.bundle.signing import load_private_key  # noqa: PLC0415

        load_private_key(options.sign)  # an unusable key fails before anything is built
    target = target_for(settings.base)
    revision = git_revision(options.repo)
    images: list[BuildResult] = []
    recorder = DirectRecorder.default(options.audit)
    attestations: dict[str, Attestation] = {}
    with contextlib.closing(connect()) as client:
        base = require_base(client, settings.base)
        for skill_id in selected:
            skill = loaded.skills[skill_id]
            started = datetime.now(UTC)
            image = build_skill(client, skill, base, target, revision=revision, log=log)
            recorder.record(
                {
                    "kind": "build",
                    "skill": skill_id,
                    "result": "built" if image.built else "up-to-date",
                    "image": image.tag,
                    "image_id": image.image_id,
                    "base_image_id": base.image_id,
                    "revision": revision,
                    "duration_seconds": round(image.duration_seconds, 3),
                }
            )
            if image.built:
                mismatch = verify_installed(
                    client, image.image_id, skill, settings, lock_file(skill_id)
                )
                if mismatch:
                    # Fail closed: an image that is not its lock must not be run.
                    client.images.remove(image.tag, force=True)
                    why = (
                        f"skill {skill_id}: the built image does not match its lock; it was removed"
                    )
                    return BuildReport(findings=[*findings, *mismatch], images=images, refusal=why)
            attestation, mismatch = attest(
                client,
                options.repo,
                skill,
                base,
                target,
                settings,
                image,
                revision=revision,
                sign=options.sign,
                started=started,
            )
            if mismatch:
                why = f"skill {skill_id}: {image.tag} does not match its lock; it was not attested"
                return BuildReport(findings=[*findings, *mismatch], images=images, refusal=why)
            attestations[skill_id] = attestation
            images.append(image)
    return BuildReport(findings=findings, images=images, attestations=attestations)
