"""Where each image's SBOM and provenance live, and how ``skillgate build`` makes them.

They are stored beside the compiled bundle, content-addressed by the image id, the way
cosign names attestations (``sha256-<hex>``)::

    .skillgate/images/sha256-<image id hex>/sbom.cdx.json          CycloneDX 1.6
    .skillgate/images/sha256-<image id hex>/provenance.dsse.json   in-toto + SLSA v1, DSSE

A label cannot carry them: both name the image id, which a label would change. An image
built before (``up to date``) that has no attestation yet gets one only after it is proven
to be its lock again (``sandbox.installed``), so a swapped image is never attested.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from checker.exit_codes import SkillgateError
from checker.findings import Finding
from checker.layout import LOCK_NAME, lock_file
from checker.lock.lockfile import read_lock
from checker.lock.target import Target
from checker.policy.sandbox import SandboxPolicy
from sandbox import provenance, sbom, wheelhouse
from sandbox.base_image import BaseImage
from sandbox.build import (
    BuildResult,
    build_key,
    check_entrypoint,
    code_digest,
    image_tag,
    rootfs_script_digest,
    template_digest,
)
from sandbox.provenance import BuildInputs

IMAGES_DIR = ".skillgate/images"
SBOM_FILE = "sbom.cdx.json"
PROVENANCE_FILE = "provenance.dsse.json"


@dataclass(frozen=True, kw_only=True, slots=True)
class Attestation:
    """What ``attest`` left for one image: the files and who signed the provenance."""

    directory: Path
    sbom_written: bool
    provenance_written: bool
    signed_by: tuple[str, ...]


def image_dir(repo: Path, image_id: str) -> Path:
    """``.skillgate/images/sha256-<hex>`` of ``image_id``."""
    algorithm, _, value = image_id.partition(":")
    if algorithm != "sha256" or len(value) != 64 or not value.isalnum():
        raise SkillgateError(f"not an image id: {image_id!r}")
    return repo / IMAGES_DIR / f"sha256-{value}"


def read_json(path: Path) -> Any | None:
    """The JSON document at ``path``; None when absent; SkillgateError when unreadable."""
    try:
        return json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise SkillgateError(f"cannot read {path}: {exc}") from exc


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_text(text, "utf-8")
    os.replace(partial, path)


def current_inputs(skill: Any, base: BaseImage, target: Target, revision: str) -> BuildInputs:
    """The inputs of ``skill``'s image as the working tree has them now."""
    directory = Path(skill.directory)
    has_lock = (directory / LOCK_NAME).is_file()
    return BuildInputs(
        skill=str(skill.id),
        tag=image_tag(skill, build_key(skill, base, target)),
        entrypoint=check_entrypoint(skill),
        build_key=build_key(skill, base, target),
        base_image=base.image_id,
        base_name=base.tag,
        lock=wheelhouse.lock_digest(skill, target),
        lock_uri=lock_file(skill.id) if has_lock else f"skills/{skill.id}/skill.yaml#requirements",
        code="sha256:" + code_digest(directory),
        code_uri=f"skills/{skill.id}",
        dockerfile="sha256:" + template_digest(),
        rootfs_script="sha256:" + rootfs_script_digest(),
        revision=revision,
    )


def distributions(skill: Any, target: Target) -> list[sbom.PythonDistribution]:
    """The skill's Python distributions, from its lock (else its hash-pinned pins)."""
    path = Path(skill.directory) / LOCK_NAME
    if path.is_file():
        return sbom.distributions_from_lock(read_lock(path))
    if not skill.requirements:
        return []
    return sbom.distributions_from_requirements(wheelhouse.collect(skill, target).requirements)


def render_image_sbom(client: Any, skill: Any, target: Target, image: Any, tag: str) -> str:
    """The SBOM of ``image`` (a docker-py Image of ``skill``)."""
    labels: dict[str, str] = image.labels or {}
    subject = sbom.ImageSubject(
        skill=str(skill.id),
        tag=tag,
        image_id=str(image.id),
        created=_created(image),
        properties={
            "build.key": labels.get("org.skillgate.build.key", ""),
            "lock.digest": labels.get("org.skillgate.lock.digest", ""),
            "base.digest": labels.get("org.opencontainers.image.base.digest", ""),
            "revision": labels.get("org.opencontainers.image.revision", ""),
        },
    )
    contents = sbom.read_image_contents(client, str(image.id))
    return sbom.render_sbom(subject, contents, distributions(skill, target))


def image_sbom(client: Any, repo: Path, skill: Any, target: Target, image: Any, tag: str) -> str:
    """The stored SBOM of ``image``, made and stored first when there is none."""
    path = image_dir(repo, str(image.id)) / SBOM_FILE
    try:
        return path.read_text("utf-8")
    except FileNotFoundError:
        text = render_image_sbom(client, skill, target, image, tag)
        _write(path, text)
        return text


def attest(
    client: Any,
    repo: Path,
    skill: Any,
    base: BaseImage,
    target: Target,
    settings: SandboxPolicy,
    result: BuildResult,
    *,
    revision: str,
    sign: Path | None,
    started: datetime | None,
) -> tuple[Attestation, list[Finding]]:
    """Write the SBOM and the provenance of a built (or up-to-date) image when missing, or
    when ``sign`` names a key that has not signed it yet. For an image this call did not
    build, the installed-tree check runs first: findings mean nothing was attested."""
    from sandbox.installed import verify_installed  # noqa: PLC0415

    image = client.images.get(result.image_id)
    directory = image_dir(repo, result.image_id)
    envelope_path = directory / PROVENANCE_FILE
    existing = read_json(envelope_path)
    wanted_key = None if sign is None else _key_id(sign)
    need_sbom = not (directory / SBOM_FILE).is_file()
    need_provenance = existing is None or (
        wanted_key is not None and wanted_key not in provenance.signed_by(existing)
    )
    if not (need_sbom or need_provenance):
        signers = tuple(sorted(provenance.signed_by(existing or {})))
        return Attestation(
            directory=directory, sbom_written=False, provenance_written=False, signed_by=signers
        ), []
    inputs = current_inputs(skill, base, target, revision)
    if not result.built:
        labels = image.labels or {}
        if labels.get("org.skillgate.build.key") != inputs.build_key:
            raise SkillgateError(
                f"{result.tag} does not carry its build key label; rebuild it before attesting"
            )
        mismatch = verify_installed(client, result.image_id, skill, settings, lock_file(skill.id))
        if mismatch:
            return Attestation(
                directory=directory, sbom_written=False, provenance_written=False, signed_by=()
            ), mismatch
    text = image_sbom(client, repo, skill, target, image, result.tag)
    if need_provenance:
        finished = datetime.now(UTC) if result.built else _created(image)
        document = provenance.statement(
            inputs,
            image_id=result.image_id,
            sbom_digest="sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest(),
            finished=finished,
            started=started if result.built else None,
            builder_version=_builder_version(client),
        )
        envelope = provenance.envelope(document, sign)
        _write(envelope_path, json.dumps(envelope, indent=2, sort_keys=True) + "\n")
        existing = envelope
    return Attestation(
        directory=directory,
        sbom_written=need_sbom,
        provenance_written=need_provenance,
        signed_by=tuple(sorted(provenance.signed_by(existing or {}))),
    ), []


def _key_id(private_key_path: Path) -> str:
    from checker.bundle.signing import key_id, load_private_key  # noqa: PLC0415

    return key_id(load_private_key(private_key_path).public_key())


def _created(image: Any) -> datetime:
    """The image's creation time to the second, UTC (the engine writes nanoseconds)."""
    match = re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", str(image.attrs.get("Created", "")))
    if match is None:
        raise SkillgateError(f"image {image.id} has no creation time")
    return datetime.fromisoformat(match.group(0)).replace(tzinfo=UTC)


def _builder_version(client: Any) -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

    try:
        ours = version("skillgate")
    except PackageNotFoundError:
        ours = "unknown"
    engine = str((client.version() or {}).get("Version", "unknown"))
    return {"skillgate": ours, "docker": engine}


def provenance_documents(repo: Path) -> list[tuple[Path, Any]]:
    """Every stored provenance envelope (path, parsed JSON), newest file first."""
    root = repo / IMAGES_DIR
    if not root.is_dir():
        return []
    paths = sorted(root.glob(f"sha256-*/{PROVENANCE_FILE}"), key=lambda p: -p.stat().st_mtime)
    return [(path, document) for path in paths if (document := read_json(path)) is not None]
