"""Verify a skill image against its signed provenance: ``skillgate verify-image`` and the
``require_provenance`` gate of ``run``, the warm pool and the service's execute.

The image is the one ``run`` would use (the content tag of the working tree). Its
provenance is found by the image id; when there is none, by the tag it was written for
(an image swapped under the tag), or, when the current content has no image, the newest
one of the skill (the lock or code changed since it was attested). The envelope must be
signed by the expected key; then the image id, the skill, the lock, the skill directory,
the base image, the Dockerfile and the root-filesystem script must equal what it attests.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from checker.exit_codes import SkillgateError
from checker.lock.target import Target
from checker.policy.sandbox import SandboxPolicy
from sandbox import provenance
from sandbox.attestations import (
    PROVENANCE_FILE,
    current_inputs,
    image_dir,
    provenance_documents,
    read_json,
)
from sandbox.base_image import BaseImage


@dataclass(frozen=True, kw_only=True, slots=True)
class Row:
    """One comparison: what, the attested value, the current one."""

    what: str
    attested: str
    now: str

    @property
    def ok(self) -> bool:
        return self.attested == self.now


@dataclass(frozen=True, kw_only=True, slots=True)
class Verification:
    """The outcome of verifying one skill's image."""

    skill: str
    tag: str
    image_id: str
    provenance_path: Path
    key_id: str
    signature_problem: str
    rows: tuple[Row, ...]
    revision: str
    notes: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.signature_problem and all(row.ok for row in self.rows)

    def problems(self) -> list[str]:
        """One line per failure: the signature, then each mismatching input."""
        found = [self.signature_problem] if self.signature_problem else []
        found += [
            f"{row.what}: attested {row.attested or '(nothing)'}, now {row.now or '(nothing)'}"
            for row in self.rows
            if not row.ok
        ]
        return found


def public_key_for(repo: Path, settings: SandboxPolicy, explicit: Path | None) -> Ed25519PublicKey:
    """``--public-key``, else ``public_key`` in sandbox.yaml (repository-relative), else
    ``$SKILLGATE_PUBLIC_KEY``; SkillgateError (exit 3) when none is set or it is unusable."""
    from checker.bundle.signing import PUBLIC_KEY_ENV, load_public_key  # noqa: PLC0415

    path = explicit
    if path is None and settings.public_key:
        path = repo / settings.public_key
    if path is None and os.environ.get(PUBLIC_KEY_ENV):
        path = Path(os.environ[PUBLIC_KEY_ENV])
    if path is None:
        raise SkillgateError(
            "no public key to verify image provenance with: pass --public-key, set "
            f"public_key in policy/sandbox.yaml or ${PUBLIC_KEY_ENV}"
        )
    return load_public_key(path)


def _find(repo: Path, image_id: str | None, tag: str, skill_id: str) -> tuple[Path, Any] | None:
    if image_id is not None:
        path = image_dir(repo, image_id) / PROVENANCE_FILE
        document = read_json(path)
        if document is not None:
            return path, document
    stored = [
        (path, document, provenance.unsigned_statement(document))
        for path, document in provenance_documents(repo)
    ]
    claims = [(p, d, provenance.attested(s)) for p, d, s in stored if s is not None]
    for path, document, claim in claims:
        if claim["tag"] == tag:
            return path, document
    if image_id is None:
        for path, document, claim in claims:
            if claim["skill"] == skill_id:
                return path, document
    return None


def verify_skill_image(
    client: Any,
    repo: Path,
    skill: Any,
    base: BaseImage,
    target: Target,
    public_key: Ed25519PublicKey,
    *,
    image_id: str | None = None,
) -> Verification:
    """Verify the image of ``skill`` for its current content (or ``image_id``, the one a
    caller already resolved). SkillgateError (exit 3) when no provenance is found."""
    import docker.errors  # noqa: PLC0415 - imported when a verb needs the engine

    from checker.bundle.signing import key_id  # noqa: PLC0415

    inputs = current_inputs(skill, base, target, revision="")
    if image_id is None:
        try:
            image_id = str(client.images.get(inputs.tag).id)
        except docker.errors.ImageNotFound:
            image_id = None
    found = _find(repo, image_id, inputs.tag, str(skill.id))
    if found is None:
        what = f"image {image_id}" if image_id else f"skill {skill.id}"
        raise SkillgateError(
            f"no provenance for {what} in {repo / '.skillgate/images'}; "
            "build it with `skillgate build --sign KEY`"
        )
    path, document = found
    problem = ""
    try:
        statement = provenance.open_envelope(document, public_key)
    except provenance.ProvenanceError as exc:
        problem = str(exc)
        statement = provenance.unsigned_statement(document) or {}
    claims = provenance.attested(statement)
    wanted = provenance.expected(inputs, image_id)
    rows = [Row(what=w, attested=a, now=n) for w, a, n in provenance.compare(claims, wanted)]
    notes: list[str] = []
    if image_id is None:
        rows.insert(0, Row(what="the image under the tag", attested=claims["image"], now=""))
        notes.append(f"no image is tagged {inputs.tag} (the current content is not built)")
    return Verification(
        skill=str(skill.id),
        tag=inputs.tag,
        image_id=image_id or "",
        provenance_path=path,
        key_id=key_id(public_key),
        signature_problem=problem,
        rows=tuple(rows),
        revision=claims.get("policy", ""),
        notes=tuple(notes),
    )


def require_verified(
    client: Any,
    repo: Path,
    skill: Any,
    base: BaseImage,
    target: Target,
    settings: SandboxPolicy,
    image_id: str,
) -> None:
    """The ``require_provenance`` gate: return when the image verifies; ProvenanceError
    (exit 1) when it does not; SkillgateError (exit 3) without a key or a provenance."""
    key = public_key_for(repo, settings, None)
    result = verify_skill_image(client, repo, skill, base, target, key, image_id=image_id)
    if not result.ok:
        raise provenance.ProvenanceError(
            f"refusing to run {skill.id}: the provenance of {image_id} does not verify: "
            + "; ".join(result.problems()),
            tuple(result.problems()),
        )


def render(result: Verification) -> str:
    """The text ``verify-image`` prints."""
    lines = [
        f"skill      {result.skill}",
        f"image      {result.tag} {result.image_id or '(none)'}",
        f"provenance {result.provenance_path}",
        "signature  "
        + (f"FAIL {result.signature_problem}" if result.signature_problem else "ok")
        + f" (key {result.key_id})",
    ]
    width = max(len(row.what) for row in result.rows)
    for row in result.rows:
        verdict = "PASS" if row.ok else "FAIL"
        detail = row.now if row.ok else f"attested {row.attested or '-'}, now {row.now or '-'}"
        lines.append(f"{verdict} {row.what:<{width}}  {detail}")
    lines.append(f"policy revision at build: {result.revision or 'unknown'}")
    lines += [f"note: {note}" for note in result.notes]
    failures = len(result.problems())
    lines.append("verified" if result.ok else f"{failures} problem(s): the image does not verify")
    return "\n".join(lines) + "\n"
