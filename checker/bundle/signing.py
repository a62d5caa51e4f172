"""Ed25519 signatures over compiled bundles.

The signed message is the canonical JSON of the whole bundle without its ``signature`` key,
so the content, ``revision`` and ``digest`` are all covered; the digest
(``checker.runtime.bundle_format.canonical_digest``) leaves ``signature`` out, so signing
does not change it. A signed bundle carries::

    "signature": {"algorithm": "ed25519", "key_id": "<16 hex>", "value": "<base64>"}

``key_id`` is the start of the sha256 of the raw public key: it tells which key a bundle
expects before any cryptography runs. Keys are PEM files: PKCS8 private, SubjectPublicKeyInfo
public, as ``skillgate keygen`` writes them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from checker.exit_codes import SkillgateError, UsageError
from checker.runtime.bundle_format import BundleError

ALGORITHM = "ed25519"
SIGNING_KEY_ENV = "SKILLGATE_SIGNING_KEY"
"""The environment variable naming the private key (``keygen``, ``compile --sign``)."""
PUBLIC_KEY_ENV = "SKILLGATE_PUBLIC_KEY"
"""The environment variable naming the public key (``keygen``, ``skillgate serve``)."""
_SIGNATURE_BYTES = 64


def key_id(public_key: Ed25519PublicKey) -> str:
    """The first 16 hex characters of the sha256 of the raw 32-byte public key."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def signed_message(bundle: Mapping[str, Any]) -> bytes:
    """What the signature covers: canonical JSON of ``bundle`` without ``signature``."""
    body = {k: v for k, v in bundle.items() if k != "signature"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def generate_keys(private_path: Path, public_path: Path) -> str:
    """Write a new key pair as PEM (the private key mode 0600); return its key id.
    ``UsageError`` when either file exists: a key is never overwritten."""
    if private_path.resolve() == public_path.resolve():
        raise UsageError("the private and public key must be different files")
    for path in (private_path, public_path):
        if path.exists() or path.is_symlink():
            raise UsageError(f"{path} exists; refusing to overwrite a key")
    private_key = Ed25519PrivateKey.generate()
    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    _create(private_path, private_pem, 0o600)
    try:
        _create(public_path, public_pem, 0o644)
    except BaseException:
        private_path.unlink(missing_ok=True)
        raise
    return key_id(private_key.public_key())


def _create(path: Path, content: bytes, mode: int) -> None:
    """Create ``path`` with ``mode``; fail, not overwrite, when it appeared meanwhile."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise UsageError(f"{path} exists; refusing to overwrite a key") from None
    except OSError as exc:
        raise SkillgateError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), mode)  # the umask may have taken bits from ``mode``
            out.write(content)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """An unencrypted Ed25519 private key from a PEM file; ``SkillgateError`` otherwise."""
    data = _read_key(path, "private")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise SkillgateError(
            f"private key {path} is encrypted; skillgate needs an unencrypted PKCS8 key"
        ) from None
    except (ValueError, UnsupportedAlgorithm):
        raise SkillgateError(f"{path} is not a PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SkillgateError(f"{path} is not an Ed25519 key ({type(key).__name__})")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """An Ed25519 public key from a PEM file; ``SkillgateError`` otherwise."""
    data = _read_key(path, "public")
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm):
        raise SkillgateError(f"{path} is not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise SkillgateError(f"{path} is not an Ed25519 key ({type(key).__name__})")
    return key


def _read_key(path: Path, kind: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SkillgateError(f"cannot read {kind} key {path}: {exc.strerror or exc}") from exc


def sign_bundle(bundle: Mapping[str, Any], private_key_path: Path) -> dict[str, Any]:
    """A copy of ``bundle`` signed with the key at ``private_key_path`` (an existing
    signature is replaced). ``SkillgateError`` when the key is unusable."""
    private_key = load_private_key(private_key_path)
    signature = private_key.sign(signed_message(bundle))
    signed = {k: v for k, v in bundle.items() if k != "signature"}
    signed["signature"] = {
        "algorithm": ALGORITHM,
        "key_id": key_id(private_key.public_key()),
        "value": base64.b64encode(signature).decode("ascii"),
    }
    return signed


def verify_bundle(bundle: Mapping[str, Any], public_key: Ed25519PublicKey) -> None:
    """Return when ``bundle`` carries a valid signature by ``public_key``; else raise
    ``BundleError`` saying what is wrong (unsigned, another algorithm or key, a malformed
    or non-verifying value)."""
    signature = bundle.get("signature")
    if signature is None:
        raise BundleError("the bundle is not signed")
    if not isinstance(signature, Mapping):
        raise BundleError("malformed signature: expected an object")
    algorithm = signature.get("algorithm")
    if algorithm != ALGORITHM:
        raise BundleError(f"unsupported signature algorithm {algorithm!r} (expected 'ed25519')")
    expected = key_id(public_key)
    signer = signature.get("key_id")
    if signer != expected:
        shown = signer if isinstance(signer, str) else repr(signer)
        raise BundleError(f"the bundle is signed by key {shown}, expected {expected}")
    value = signature.get("value")
    if not isinstance(value, str):
        raise BundleError("malformed signature value: not a string")
    try:
        raw = base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error):
        raise BundleError("malformed signature value: not base64") from None
    if len(raw) != _SIGNATURE_BYTES:
        raise BundleError(
            f"malformed signature value: {len(raw)} bytes, an Ed25519 signature has 64"
        )
    try:
        public_key.verify(raw, signed_message(bundle))
    except InvalidSignature:
        raise BundleError("the bundle's signature does not verify") from None
