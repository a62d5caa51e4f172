"""Bundle signatures: Ed25519 over the whole bundle, refused when anything was touched."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed448 import Ed448PrivateKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from checker.bundle.build import build_bundle, render_bundle
from checker.bundle.signing import (
    generate_keys,
    key_id,
    load_private_key,
    load_public_key,
    sign_bundle,
    signed_message,
    verify_bundle,
)
from checker.exit_codes import SkillgateError, UsageError
from checker.policy.validate import require_valid
from checker.runtime import BundleError, Engine
from checker.runtime.bundle_format import canonical_digest
from tests.property.bundles import bundle_for
from tests.property.reference import RefApproval, RefBan, RefLevel, RefPolicy

POLICY = RefPolicy(
    levels=(RefLevel(name="LOW", packages=True), RefLevel(name="HIGH", packages=True)),
    default_level="LOW",
    agents={"a": "LOW", "b": "HIGH"},
    approvals=(
        RefApproval(package="requests", versions=">=2.31,<3", min_level="HIGH"),
        RefApproval(package="PyYAML", versions="==6.0.2", min_level="LOW"),
    ),
    bans=(RefBan(package="ctx"),),
)
DOES_NOT_VERIFY = "the bundle's signature does not verify"


class Keys:
    """A key pair written by ``generate_keys`` into a directory of its own."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir()
        self.private = directory / "signing.pem"
        self.public = directory / "signing.pub.pem"
        self.key_id = generate_keys(self.private, self.public)


@pytest.fixture
def keys(tmp_path: Path) -> Keys:
    return Keys(tmp_path / "keys")


@pytest.fixture
def other_keys(tmp_path: Path) -> Keys:
    return Keys(tmp_path / "other")


@pytest.fixture
def signed(keys: Keys) -> dict[str, Any]:
    return sign_bundle(bundle_for(POLICY, revision="abc123"), keys.private)


def refused(bundle: dict[str, Any], keys: Keys) -> str:
    with pytest.raises(BundleError) as caught:
        verify_bundle(bundle, load_public_key(keys.public))
    return str(caught.value)


def test_a_signed_bundle_verifies_and_keeps_its_digest(keys: Keys) -> None:
    bundle = bundle_for(POLICY, revision="abc123")
    original = copy.deepcopy(bundle)
    signed = sign_bundle(bundle, keys.private)
    assert bundle == original  # a copy is signed, the input is left alone
    assert {k: v for k, v in signed.items() if k != "signature"} == bundle
    signature = signed["signature"]
    assert set(signature) == {"algorithm", "key_id", "value"}
    assert signature["algorithm"] == "ed25519"
    assert signature["key_id"] == keys.key_id
    assert len(base64.b64decode(signature["value"], validate=True)) == 64
    verify_bundle(signed, load_public_key(keys.public))
    assert canonical_digest(signed) == canonical_digest(bundle) == bundle["digest"]
    assert Engine.from_bundle(signed).check("b", "requests", "2.32.3").allowed


def test_the_signed_message_is_the_canonical_json_without_the_signature(
    signed: dict[str, Any], keys: Keys
) -> None:
    body = {k: v for k, v in signed.items() if k != "signature"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert signed_message(signed) == canonical.encode("utf-8")
    raw = base64.b64decode(signed["signature"]["value"])
    load_public_key(keys.public).verify(raw, canonical.encode("utf-8"))


def test_a_compiled_bundle_on_disk_verifies_and_loads(
    example_repo: Path, keys: Keys, tmp_path: Path
) -> None:
    """The file bytes (indented, as ``compile`` writes them) read back to the signed content."""
    bundle = build_bundle(require_valid(example_repo), revision="feedbeef")
    path = tmp_path / "bundle.json"
    path.write_text(render_bundle(sign_bundle(bundle, keys.private)), encoding="utf-8")
    engine = Engine.load(path)  # the digest still matches with a signature present
    assert engine.digest == bundle["digest"]
    verify_bundle(json.loads(path.read_text(encoding="utf-8")), load_public_key(keys.public))


def test_signing_again_replaces_the_signature(
    signed: dict[str, Any], keys: Keys, other_keys: Keys
) -> None:
    resigned = sign_bundle(signed, other_keys.private)
    assert resigned["signature"]["key_id"] == other_keys.key_id
    verify_bundle(resigned, load_public_key(other_keys.public))
    assert refused(resigned, keys) == (
        f"the bundle is signed by key {other_keys.key_id}, expected {keys.key_id}"
    )


def _set_revision(bundle: dict[str, Any]) -> None:
    bundle["revision"] = "abc124"


def _widen_approval(bundle: dict[str, Any]) -> None:
    bundle["approvals"]["requests"][0]["min_level"] = "LOW"


def _widen_approval_and_redigest(bundle: dict[str, Any]) -> None:
    """What an attacker who knows the digest rule would do: the digest matches again."""
    _widen_approval(bundle)
    bundle["digest"] = canonical_digest(bundle)


def _set_digest(bundle: dict[str, Any]) -> None:
    bundle["digest"] = "sha256:" + "0" * 64


def _add_agent(bundle: dict[str, Any]) -> None:
    bundle["agents"]["mallory"] = "HIGH"
    bundle["digest"] = canonical_digest(bundle)


def _add_key(bundle: dict[str, Any]) -> None:
    bundle["extra"] = True


def _drop_ban(bundle: dict[str, Any]) -> None:
    del bundle["bans"]["ctx"]
    bundle["digest"] = canonical_digest(bundle)


@pytest.mark.parametrize(
    "tamper",
    [
        _set_revision,
        _widen_approval,
        _widen_approval_and_redigest,
        _set_digest,
        _add_agent,
        _add_key,
        _drop_ban,
    ],
)
def test_any_change_breaks_the_signature(signed: dict[str, Any], keys: Keys, tamper: Any) -> None:
    verify_bundle(signed, load_public_key(keys.public))
    tampered = copy.deepcopy(signed)
    tamper(tampered)
    assert refused(tampered, keys) == DOES_NOT_VERIFY


def test_a_bundle_signed_by_another_key_is_refused(
    keys: Keys, other_keys: Keys, signed: dict[str, Any]
) -> None:
    assert refused(signed, other_keys) == (
        f"the bundle is signed by key {keys.key_id}, expected {other_keys.key_id}"
    )
    # Another key's signature under our key id: caught by the signature itself.
    forged = sign_bundle(signed, other_keys.private)
    forged["signature"]["key_id"] = keys.key_id
    assert refused(forged, keys) == DOES_NOT_VERIFY


def test_an_unsigned_bundle_is_refused(keys: Keys) -> None:
    assert refused(bundle_for(POLICY), keys) == "the bundle is not signed"


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        ("abc", "malformed signature: expected an object"),
        ([], "malformed signature: expected an object"),
        (
            {"key_id": "KEY", "value": "VALUE"},
            "unsupported signature algorithm None (expected 'ed25519')",
        ),
        (
            {"algorithm": "rsa-pss", "key_id": "KEY", "value": "VALUE"},
            "unsupported signature algorithm 'rsa-pss' (expected 'ed25519')",
        ),
        (
            {"algorithm": "ed25519", "value": "VALUE"},
            "the bundle is signed by key None, expected KEY",
        ),
        (
            {"algorithm": "ed25519", "key_id": "KEY", "value": "not base64!"},
            "malformed signature value: not base64",
        ),
        (
            {"algorithm": "ed25519", "key_id": "KEY", "value": "sign\u00e9"},
            "malformed signature value: not base64",
        ),
        (
            {"algorithm": "ed25519", "key_id": "KEY", "value": 12},
            "malformed signature value: not a string",
        ),
        (
            {
                "algorithm": "ed25519",
                "key_id": "KEY",
                "value": base64.b64encode(b"x" * 63).decode(),
            },
            "malformed signature value: 63 bytes, an Ed25519 signature has 64",
        ),
    ],
)
def test_a_malformed_signature_is_refused(
    signed: dict[str, Any], keys: Keys, signature: Any, message: str
) -> None:
    value = signed["signature"]["value"]
    if isinstance(signature, dict):
        signature = {
            k: {"KEY": keys.key_id, "VALUE": value}.get(v, v) if isinstance(v, str) else v
            for k, v in signature.items()
        }
    assert refused({**signed, "signature": signature}, keys) == message.replace("KEY", keys.key_id)


# --- keys ------------------------------------------------------------------------------


def test_keygen_writes_a_pair_with_a_private_mode(keys: Keys) -> None:
    assert stat.S_IMODE(keys.private.stat().st_mode) == 0o600
    assert stat.S_IMODE(keys.public.stat().st_mode) == 0o644
    assert keys.private.read_text(encoding="ascii").startswith("-----BEGIN PRIVATE KEY-----\n")
    assert keys.public.read_text(encoding="ascii").startswith("-----BEGIN PUBLIC KEY-----\n")
    public = load_public_key(keys.public)
    assert key_id(load_private_key(keys.private).public_key()) == key_id(public) == keys.key_id
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert keys.key_id == hashlib.sha256(raw).hexdigest()[:16]


@pytest.mark.parametrize("existing", ["private", "public"])
def test_keygen_never_overwrites_a_key(tmp_path: Path, existing: str) -> None:
    private, public = tmp_path / "k.pem", tmp_path / "k.pub.pem"
    target = private if existing == "private" else public
    target.write_text("precious\n", encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        generate_keys(private, public)
    assert str(caught.value) == f"{target} exists; refusing to overwrite a key"
    assert target.read_text(encoding="utf-8") == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_keygen_refuses_one_file_for_both_keys(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        generate_keys(tmp_path / "k.pem", tmp_path / "." / "k.pem")
    assert str(caught.value) == "the private and public key must be different files"


def test_keygen_leaves_no_private_key_when_the_public_one_cannot_be_written(
    tmp_path: Path,
) -> None:
    public = tmp_path / "missing-dir" / "k.pub.pem"
    with pytest.raises(SkillgateError) as caught:
        generate_keys(tmp_path / "k.pem", public)
    assert str(caught.value) == f"cannot write {public}: No such file or directory"
    assert list(tmp_path.iterdir()) == []


def test_bad_key_files_are_errors_naming_the_file(keys: Keys, tmp_path: Path) -> None:
    missing = tmp_path / "missing.pem"
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a key\n", encoding="utf-8")
    ed448 = tmp_path / "ed448.pem"
    ed448.write_bytes(
        Ed448PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    encrypted = tmp_path / "encrypted.pem"
    encrypted.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret"),
        )
    )
    cases = [
        (load_public_key, missing, f"cannot read public key {missing}: No such file or directory"),
        (load_public_key, garbage, f"{garbage} is not a PEM public key"),
        (load_public_key, keys.private, f"{keys.private} is not a PEM public key"),
        (load_public_key, ed448, f"{ed448} is not an Ed25519 key (Ed448PublicKey)"),
        (
            load_private_key,
            missing,
            f"cannot read private key {missing}: No such file or directory",
        ),
        (load_private_key, keys.public, f"{keys.public} is not a PEM private key"),
        (
            load_private_key,
            encrypted,
            f"private key {encrypted} is encrypted; skillgate needs an unencrypted PKCS8 key",
        ),
    ]
    for load, path, message in cases:
        with pytest.raises(SkillgateError) as caught:
            load(path)
        assert str(caught.value) == message
    with pytest.raises(SkillgateError) as signing:
        sign_bundle(bundle_for(POLICY), keys.public)
    assert str(signing.value) == f"{keys.public} is not a PEM private key"
