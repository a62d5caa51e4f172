"""SLSA provenance of a skill image: an in-toto Statement in a DSSE envelope, Ed25519-signed.

The statement's subject is the image (its id, the sha256 of its config); its inputs are the
base image, the lock, the skill directory, the Dockerfile and its root-filesystem script,
each by digest, and the policy revision the build was gated by. The envelope is signed with
the keys ``skillgate keygen`` makes for bundles (``checker.bundle.signing``), over DSSE's
pre-authentication encoding, so the signature covers the payload type as well::

    {"payloadType": "application/vnd.in-toto+json", "payload": "<base64 statement>",
     "signatures": [{"keyid": "<16 hex>", "sig": "<base64 Ed25519>"}]}

An envelope without signatures records an unsigned build (SLSA level 1); it never verifies.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checker.exit_codes import ExitCode, SkillgateError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://slsa.dev/provenance/v1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
BUILD_TYPE = "https://skillgate.dev/buildtypes/skill-image/v1"
BUILDER_ID = "https://skillgate.dev/builders/docker-network-none/v1"
_SIGNATURE_BYTES = 64
_TEMPLATES = "sandbox/templates"


class ProvenanceError(SkillgateError):
    """The provenance does not verify (bad signature, or the image, lock, code, base or
    template differ from what it attests): exit 1, nothing runs."""

    exit_code = ExitCode.FINDINGS

    def __init__(self, message: str, problems: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


@dataclass(frozen=True, kw_only=True, slots=True)
class BuildInputs:
    """Everything a skill image is built from, by digest (``sha256:<hex>`` strings)."""

    skill: str
    tag: str
    entrypoint: str
    build_key: str
    base_image: str
    base_name: str
    lock: str
    lock_uri: str
    code: str
    code_uri: str
    dockerfile: str
    rootfs_script: str
    revision: str

    def dependencies(self) -> list[dict[str, Any]]:
        """SLSA ``resolvedDependencies``: one ResourceDescriptor per input."""
        revision = self.revision.removesuffix("+dirty")
        policy: dict[str, Any] = {"name": "policy", "uri": "git+file:.", "annotations": {}}
        policy["annotations"]["revision"] = self.revision
        if len(revision) == 40 and all(c in "0123456789abcdef" for c in revision):
            policy["digest"] = {"gitCommit": revision}
        return [
            {"name": "base-image", "uri": f"docker-image:{self.base_name}", **_d(self.base_image)},
            {"name": "lock", "uri": self.lock_uri, **_d(self.lock)},
            {"name": "skill-dir", "uri": self.code_uri, **_d(self.code)},
            {"name": "dockerfile", "uri": f"{_TEMPLATES}/Dockerfile", **_d(self.dockerfile)},
            {"name": "rootfs-script", "uri": f"{_TEMPLATES}/rootfs.py", **_d(self.rootfs_script)},
            policy,
        ]


def _d(digest: str) -> dict[str, Any]:
    algorithm, _, value = digest.partition(":")
    return {"digest": {algorithm: value}}


def statement(
    inputs: BuildInputs,
    *,
    image_id: str,
    sbom_digest: str,
    finished: datetime,
    started: datetime | None,
    builder_version: Mapping[str, str],
) -> dict[str, Any]:
    """The in-toto Statement v1 with a SLSA v1 provenance predicate for one image."""
    metadata: dict[str, Any] = {"invocationId": f"{inputs.skill}@{image_id}"}
    if started is not None:
        metadata["startedOn"] = _rfc3339(started)
    metadata["finishedOn"] = _rfc3339(finished)
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": inputs.tag, **_d(image_id)}],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "buildDefinition": {
                "buildType": BUILD_TYPE,
                "externalParameters": {"skill": inputs.skill, "revision": inputs.revision},
                "internalParameters": {
                    "buildKey": inputs.build_key,
                    "entrypoint": inputs.entrypoint,
                    "network": "none",
                    "finalStage": "scratch",
                },
                "resolvedDependencies": inputs.dependencies(),
            },
            "runDetails": {
                "builder": {"id": BUILDER_ID, "version": dict(builder_version)},
                "metadata": metadata,
                "byproducts": [
                    {
                        "name": "sbom",
                        "mediaType": "application/vnd.cyclonedx+json",
                        **_d(sbom_digest),
                    }
                ],
            },
        },
    }


def _rfc3339(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding: what the signature covers."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def envelope(document: Mapping[str, Any], private_key_path: Path | None) -> dict[str, Any]:
    """The DSSE envelope of ``document``, signed when a private key is given."""
    from checker.bundle.signing import key_id, load_private_key  # noqa: PLC0415 - cryptography

    payload = json.dumps(document, sort_keys=True, separators=(",", ":")).encode("utf-8")
    signatures = []
    if private_key_path is not None:
        key = load_private_key(private_key_path)
        signature = key.sign(pae(PAYLOAD_TYPE, payload))
        signatures.append(
            {
                "keyid": key_id(key.public_key()),
                "sig": base64.b64encode(signature).decode("ascii"),
            }
        )
    return {
        "payloadType": PAYLOAD_TYPE,
        "payload": base64.b64encode(payload).decode("ascii"),
        "signatures": signatures,
    }


def signed_by(document: Mapping[str, Any]) -> set[str]:
    """The key ids an envelope claims signatures of (unverified)."""
    return {
        str(s.get("keyid"))
        for s in document.get("signatures") or []
        if isinstance(s, Mapping) and s.get("keyid")
    }


def open_envelope(document: Any, public_key: Ed25519PublicKey) -> dict[str, Any]:
    """The statement of an envelope that ``public_key`` signed; ``ProvenanceError`` (saying
    what is wrong) otherwise."""
    from cryptography.exceptions import InvalidSignature  # noqa: PLC0415 - only when verifying

    from checker.bundle.signing import key_id  # noqa: PLC0415

    if not isinstance(document, Mapping) or document.get("payloadType") != PAYLOAD_TYPE:
        raise ProvenanceError(f"the provenance is not a DSSE envelope of {PAYLOAD_TYPE}")
    try:
        payload = base64.b64decode(str(document.get("payload", "")), validate=True)
    except (ValueError, binascii.Error):
        raise ProvenanceError("the provenance payload is not base64") from None
    wanted = key_id(public_key)
    signatures = [s for s in document.get("signatures") or [] if isinstance(s, Mapping)]
    if not signatures:
        raise ProvenanceError("the provenance is not signed (build it with --sign KEY)")
    mine = [s for s in signatures if s.get("keyid") == wanted]
    if not mine:
        others = ", ".join(sorted(str(s.get("keyid")) for s in signatures))
        raise ProvenanceError(f"the provenance is signed by key {others}, expected {wanted}")
    for signature in mine:
        try:
            raw = base64.b64decode(str(signature.get("sig", "")), validate=True)
        except (ValueError, binascii.Error):
            continue
        if len(raw) != _SIGNATURE_BYTES:
            continue
        try:
            public_key.verify(raw, pae(PAYLOAD_TYPE, payload))
        except InvalidSignature:
            continue
        return _statement(payload)
    raise ProvenanceError(f"the provenance signature by key {wanted} does not verify")


def _statement(payload: bytes) -> dict[str, Any]:
    try:
        data = json.loads(payload)
    except ValueError:
        raise ProvenanceError("the signed provenance payload is not JSON") from None
    if (
        not isinstance(data, dict)
        or data.get("_type") != STATEMENT_TYPE
        or data.get("predicateType") != PREDICATE_TYPE
    ):
        raise ProvenanceError("the signed payload is not an in-toto SLSA v1 provenance")
    return data


def unsigned_statement(document: Any) -> dict[str, Any] | None:
    """The statement of an envelope without checking anything (to say what it claims)."""
    try:
        return _statement(base64.b64decode(str(document["payload"]), validate=True))
    except (KeyError, TypeError, ValueError, binascii.Error, ProvenanceError):
        return None


def attested(statement_doc: Mapping[str, Any]) -> dict[str, str]:
    """What a statement says, flat: ``image`` and ``tag`` (its subject), ``skill``, and each
    resolved dependency's digest by name (``algorithm:value``)."""
    subjects = statement_doc.get("subject") or [{}]
    subject = subjects[0] if isinstance(subjects[0], Mapping) else {}
    flat = {
        "tag": str(subject.get("name", "")),
        "image": _digest_text(subject.get("digest")),
    }
    definition = (statement_doc.get("predicate") or {}).get("buildDefinition") or {}
    flat["skill"] = str((definition.get("externalParameters") or {}).get("skill", ""))
    for dependency in definition.get("resolvedDependencies") or []:
        if isinstance(dependency, Mapping):
            name = str(dependency.get("name", ""))
            if name == "policy":
                flat[name] = str((dependency.get("annotations") or {}).get("revision", ""))
            else:
                flat[name] = _digest_text(dependency.get("digest"))
    return flat


def _digest_text(digest: Any) -> str:
    if not isinstance(digest, Mapping) or not digest:
        return ""
    algorithm, value = sorted(digest.items())[0]
    return f"{algorithm}:{value}"


def expected(inputs: BuildInputs, image_id: str | None) -> dict[str, str]:
    """The flat form (``attested``) that a provenance must have for these inputs."""
    values = {
        "tag": inputs.tag,
        "skill": inputs.skill,
        "base-image": inputs.base_image,
        "lock": inputs.lock,
        "skill-dir": inputs.code,
        "dockerfile": inputs.dockerfile,
        "rootfs-script": inputs.rootfs_script,
    }
    if image_id is not None:
        values["image"] = image_id
    return values


CHECKED = (
    ("image", "image", "the image under the tag"),
    ("tag", "tag", "the image name"),
    ("skill", "skill", "the skill"),
    ("lock", "lock", "the lock"),
    ("skill-dir", "skill-dir", "the skill directory"),
    ("base-image", "base-image", "the base image"),
    ("dockerfile", "dockerfile", "the Dockerfile"),
    ("rootfs-script", "rootfs-script", "the root-filesystem script"),
)
"""(expected key, attested key, what it is) of every comparison ``compare`` makes."""


def compare(claims: Mapping[str, str], wanted: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """Every row of the comparison: (what, attested, now); equal values pass."""
    rows = []
    for want_key, claim_key, what in CHECKED:
        if want_key in wanted:
            rows.append((what, claims.get(claim_key, ""), wanted[want_key]))
    return rows
