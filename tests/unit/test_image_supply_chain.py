"""Image supply chain without an engine: DSSE provenance, the SBOM document, ELF reading,
Debian version matching and the image scan over vendored Debian OSV records."""

from __future__ import annotations

import base64
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from checker.bundle.signing import generate_keys, load_public_key
from checker.policy.sandbox import SandboxPolicy
from checker.policy.scanning import ScanningPolicy
from checker.vulns import debian
from checker.vulns.matcher import MatchError
from checker.vulns.osv_import import load_source
from checker.vulns.vuln_index import VulnIndex, write_index
from checker.vulns.waivers import WaiverBook
from sandbox import provenance, sbom
from sandbox.image_scan import scan_sbom
from sandbox.templates import rootfs

DEBIAN_OSV = Path(__file__).resolve().parents[1] / "data" / "debian-osv"
NOW = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path]:
    private, public = tmp_path / "signing.pem", tmp_path / "public.pem"
    generate_keys(private, public)
    return private, public


def _statement() -> dict[str, object]:
    inputs = provenance.BuildInputs(
        skill="plain",
        tag="skillgate/skill-plain:abc",
        entrypoint="echo.py",
        build_key="k" * 64,
        base_image="sha256:" + "b" * 64,
        base_name="skillgate/base:bookworm-1",
        lock="sha256:" + "1" * 64,
        lock_uri="skills/plain/requirements.lock",
        code="sha256:" + "2" * 64,
        code_uri="skills/plain",
        dockerfile="sha256:" + "3" * 64,
        rootfs_script="sha256:" + "4" * 64,
        revision="0" * 40 + "+dirty",
    )
    return provenance.statement(
        inputs,
        image_id="sha256:" + "a" * 64,
        sbom_digest="sha256:" + "5" * 64,
        finished=NOW,
        started=None,
        builder_version={"skillgate": "0.1.0"},
    )


def test_dsse_pae_is_the_specified_encoding() -> None:
    assert provenance.pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )


def test_a_signed_envelope_opens_only_with_its_key_and_intact(
    keys: tuple[Path, Path], tmp_path: Path
) -> None:
    private, public = keys
    envelope = provenance.envelope(_statement(), private)
    opened = provenance.open_envelope(envelope, load_public_key(public))
    assert opened["subject"] == [
        {"name": "skillgate/skill-plain:abc", "digest": {"sha256": "a" * 64}}
    ]
    claims = provenance.attested(opened)
    assert claims["image"] == "sha256:" + "a" * 64
    assert claims["lock"] == "sha256:" + "1" * 64
    assert claims["policy"] == "0" * 40 + "+dirty"
    # Another key.
    generate_keys(tmp_path / "other.pem", tmp_path / "other.pub")
    with pytest.raises(provenance.ProvenanceError, match="signed by key"):
        provenance.open_envelope(envelope, load_public_key(tmp_path / "other.pub"))
    # The payload changed under the signature.
    forged = dict(envelope)
    statement = json.loads(base64.b64decode(envelope["payload"]))
    statement["subject"][0]["digest"]["sha256"] = "f" * 64
    forged["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    with pytest.raises(provenance.ProvenanceError, match="does not verify"):
        provenance.open_envelope(forged, load_public_key(public))
    # No signature at all.
    unsigned = provenance.envelope(_statement(), None)
    with pytest.raises(provenance.ProvenanceError, match="not signed"):
        provenance.open_envelope(unsigned, load_public_key(public))


def test_status_paragraphs_and_os_release_are_read() -> None:
    package = sbom.parse_status(
        "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\n"
        "Source: openssl (3.0.11-1~deb12u1)\nVersion: 3.0.11-1~deb12u1+b1\n"
        "Description: Secure Sockets Layer toolkit\n more text\n"
    )
    assert package == sbom.OsPackage(
        name="libssl3",
        version="3.0.11-1~deb12u1+b1",
        architecture="amd64",
        source="openssl",
        source_version="3.0.11-1~deb12u1",
    )
    assert sbom.parse_os_release('ID=debian\nVERSION_ID="12"\n') == "debian-12"


def _document() -> str:
    subject = sbom.ImageSubject(
        skill="plain",
        tag="skillgate/skill-plain:abc",
        image_id="sha256:" + "a" * 64,
        created=NOW,
        properties={"build.key": "k"},
    )
    contents = sbom.ImageContents(
        os_packages=(
            sbom.OsPackage(
                name="libssl3",
                version="3.0.11-1~deb12u1",
                architecture="amd64",
                source="openssl",
                source_version="3.0.11-1~deb12u1",
            ),
            sbom.OsPackage(
                name="zlib1g",
                version="1:1.2.13.dfsg-1",
                architecture="amd64",
                source="zlib",
                source_version="1:1.2.13.dfsg-1",
            ),
        ),
        distro="debian-12",
    )
    dists = [
        sbom.PythonDistribution(
            name="pyyaml",
            version="6.0.2",
            sha256=("3" * 64,),
            index_url="https://pypi.org/simple",
            files=(("PyYAML-6.0.2.whl", "https://files.example/PyYAML-6.0.2.whl", "3" * 64),),
        )
    ]
    return sbom.render_sbom(subject, contents, dists)


def test_the_sbom_is_valid_cyclonedx_and_deterministic() -> None:
    text = _document()
    assert text == _document()
    document = json.loads(text)
    assert document["serialNumber"].startswith("urn:uuid:")
    assert document["metadata"]["timestamp"] == "2026-05-01T00:00:00+00:00"
    purls = sorted(c["purl"] for c in document["components"])
    assert purls == [
        "pkg:deb/debian/libssl3@3.0.11-1~deb12u1?arch=amd64&distro=debian-12&upstream=openssl",
        "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12&upstream=zlib",
        "pkg:pypi/pyyaml@6.0.2",
    ]


def test_elf_dynamic_sections_are_read_without_loading_anything() -> None:
    info = rootfs.read_elf(os.path.realpath(sys.executable))
    assert info is not None
    assert info.interp.startswith("/lib64/ld-linux")
    assert "libc.so.6" in info.needed
    assert rootfs.read_elf(__file__) is None


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("3.0.11-1~deb12u1", "3.0.11-1"),
        ("3.0.11-1", "3.0.11-1+deb12u1"),
        ("1.2.13.dfsg-1", "1:1.2.11.dfsg-4.1"),
        ("2.36-9+deb12u9", "2.36-9+deb12u10"),
    ],
)
def test_debian_versions_order_like_dpkg(lower: str, higher: str) -> None:
    assert debian.parse(lower, "a") < debian.parse(higher, "b")


def test_osv_range_walk() -> None:
    events = [("introduced", "0"), ("fixed", "2.0-1"), ("introduced", "3.0-1"), ("fixed", "4.0-1")]
    affected = {
        v: debian.in_range(events, debian.parse(v, v)) for v in ("1.0", "2.0-1", "3.5", "4.0-1")
    }
    assert affected == {"1.0": True, "2.0-1": False, "3.5": True, "4.0-1": False}
    assert debian.in_range([("introduced", "0"), ("last_affected", "1.5")], debian.parse("1.5", ""))
    with pytest.raises(MatchError):
        debian.ecosystem_for("alpine-3.20")


@pytest.fixture
def index(tmp_path: Path) -> VulnIndex:
    data = load_source(str(DEBIAN_OSV), work_dir=tmp_path)
    write_index(tmp_path, data, now=NOW)
    return VulnIndex.open(tmp_path)


def test_debian_records_are_indexed_by_release_and_source(index: VulnIndex) -> None:
    assert index.has_ecosystem("Debian:12")
    assert not index.has_ecosystem("Debian:10")
    assert [r.id for r in index.records("Debian:12/openssl")] == ["DSA-5532-1"]
    assert [r.id for r in index.records("Debian:11/openssl")] == ["DSA-5417-1"]
    assert index.records("openssl") == []  # no PyPI package of that name
    package = debian.DebPackage(
        name="libssl3",
        version="3.0.11-1~deb12u1",
        source="openssl",
        source_version="3.0.11-1~deb12u1",
    )
    records = index.records("Debian:12/openssl")
    found = debian.match_package(records, "Debian:12", package, NOW)
    assert [(m.id, m.fixed) for m in found] == [("DSA-5532-1", ("3.0.11-1~deb12u2",))]
    fixed = debian.DebPackage(
        name="libssl3",
        version="3.0.11-1~deb12u2",
        source="openssl",
        source_version="3.0.11-1~deb12u2",
    )
    assert debian.match_package(records, "Debian:12", fixed, NOW) == []
    index.close()


def test_an_image_sbom_scan_reports_its_vulnerable_os_packages(index: VulnIndex) -> None:
    waivers = WaiverBook((), NOW.date())
    findings, debs, pythons = scan_sbom(
        _document(), ".skillgate/images/x/sbom.cdx.json", index, ScanningPolicy(), waivers
    )
    index.close()
    assert (debs, pythons) == (2, 1)
    messages = sorted(f.message for f in findings)
    assert len(messages) == 2
    assert messages[0].startswith("libssl3 (deb, source openssl)==3.0.11-1~deb12u1: DSA-5532-1, ")
    assert "fixed in 3.0.11-1~deb12u2" in messages[0]
    assert messages[1].startswith(
        "zlib1g (deb, source zlib)==1:1.2.13.dfsg-1: DEBIAN-CVE-2023-45853"
    )
    assert all(f.file == ".skillgate/images/x/sbom.cdx.json" and f.line > 1 for f in findings)


def test_sandbox_policy_reads_the_provenance_settings() -> None:
    policy = SandboxPolicy.from_dict({"require_provenance": True, "public_key": "keys/p.pem"})
    assert (policy.require_provenance, policy.public_key) == (True, "keys/p.pem")
    assert SandboxPolicy.from_dict({}).require_provenance is False
