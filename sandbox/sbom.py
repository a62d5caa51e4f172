"""The CycloneDX SBOM of a skill image: its Debian packages and its Python distributions.

The Debian packages are read from the image itself: the build stage writes one dpkg status
paragraph per package that owns a file of the final image (``/var/lib/dpkg/status.d``, as
distroless images carry them), and they are copied out of a created, never started,
container. The Python distributions come from the skill's lock (version, every file's
sha256 and URL, the index), else from the hash-pinned requirements its pins were installed
from. The document is deterministic: the serial number is derived from the image id, the
timestamp is the image's creation time, and components are sorted, so writing it again
gives the same bytes.
"""

from __future__ import annotations

import io
import re
import tarfile
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from checker.exit_codes import SkillgateError
from checker.lock.lockfile import Lock
from sandbox.engine import LABEL_MANAGED, LABEL_ROLE

STATUS_DIR = "/var/lib/dpkg/status.d"
OS_RELEASE = "/usr/lib/os-release"
MEDIA_TYPE = "application/vnd.cyclonedx+json"
PROPERTY_PREFIX = "skillgate:"
_MAX_ARCHIVE_BYTES = 16 * 1024 * 1024
_PIN_LINE = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)(?P<rest>.*)$")
_HASH = re.compile(r"--hash=sha256:(?P<hex>[0-9a-f]{64})")


@dataclass(frozen=True, kw_only=True, slots=True)
class OsPackage:
    """One Debian binary package of the image (from its dpkg status paragraph)."""

    name: str
    version: str
    architecture: str
    source: str
    source_version: str


@dataclass(frozen=True, kw_only=True, slots=True)
class PythonDistribution:
    """One installed Python distribution: name (PEP 503), version, artifact hashes."""

    name: str
    version: str
    sha256: tuple[str, ...]
    index_url: str = ""
    files: tuple[tuple[str, str, str], ...] = ()
    """(file name, URL, sha256) of each locked artifact."""
    dependencies: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class ImageContents:
    """What was read out of an image: its Debian packages and its OS identity."""

    os_packages: tuple[OsPackage, ...]
    distro: str
    """``debian-12``: ``ID-VERSION_ID`` of the image's os-release."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ImageSubject:
    """The image an SBOM describes and the inputs it was built from."""

    skill: str
    tag: str
    image_id: str
    created: datetime
    properties: dict[str, str]


def parse_status(text: str) -> OsPackage:
    """An ``OsPackage`` from one dpkg status paragraph."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if line[:1] in (" ", "\t") or ":" not in line:
            continue
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    name, version = fields.get("Package", ""), fields.get("Version", "")
    if not name or not version:
        raise SkillgateError(f"a dpkg status entry without Package or Version: {text[:80]!r}")
    source, _, rest = fields.get("Source", name).partition(" ")
    source_version = rest.strip().strip("()") or version
    return OsPackage(
        name=name,
        version=version,
        architecture=fields.get("Architecture", ""),
        source=source or name,
        source_version=source_version,
    )


def parse_os_release(text: str) -> str:
    """``ID-VERSION_ID`` (``debian-12``) of an os-release file; "" when it says neither."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip().strip('"')
    if not values.get("ID"):
        return ""
    return "-".join(v for v in (values["ID"], values.get("VERSION_ID", "")) if v)


def read_image_contents(client: Any, image_id: str) -> ImageContents:
    """The Debian packages and os-release of ``image_id``, copied out of a container that
    is created and removed without ever being started (nothing in the image runs)."""
    import docker.errors  # noqa: PLC0415 - imported when a verb needs the engine

    container = client.containers.create(
        image=image_id,
        command=["/nonexistent"],
        entrypoint=[],
        network_disabled=True,
        labels={LABEL_MANAGED: "true", LABEL_ROLE: "inspect"},
    )
    try:
        status = _files_of(container, STATUS_DIR)
        release = _files_of(container, OS_RELEASE)
    except docker.errors.NotFound as exc:
        raise SkillgateError(
            f"image {image_id} has no {STATUS_DIR}: it was not built by this skillgate"
        ) from exc
    finally:
        container.remove(force=True)
    packages = sorted(
        (parse_status(text) for name, text in status.items() if not name.endswith(".md5sums")),
        key=lambda p: (p.name, p.architecture),
    )
    distro = parse_os_release(next(iter(release.values()), ""))
    return ImageContents(os_packages=tuple(packages), distro=distro)


def _files_of(container: Any, path: str) -> dict[str, str]:
    """Regular files under ``path`` in ``container`` (name -> UTF-8 text), via the archive
    API; bounded in size."""
    stream, _stat = container.get_archive(path)
    buffer = io.BytesIO()
    for chunk in stream:
        buffer.write(chunk)
        if buffer.tell() > _MAX_ARCHIVE_BYTES:
            raise SkillgateError(f"{path} in the image is larger than {_MAX_ARCHIVE_BYTES} bytes")
    buffer.seek(0)
    out: dict[str, str] = {}
    with tarfile.open(fileobj=buffer) as archive:
        for member in archive.getmembers():
            if member.isfile():
                handle = archive.extractfile(member)
                if handle is not None:
                    out[member.name.rsplit("/", 1)[-1]] = handle.read().decode("utf-8", "replace")
    return out


def distributions_from_lock(lock: Lock) -> list[PythonDistribution]:
    """Every locked package, with its files, hashes, index and the packages it requires."""
    requires: dict[str, set[str]] = {p.name: set() for p in lock.packages}
    for package in lock.packages:
        for parent in package.dependents:
            requires.setdefault(parent, set()).add(package.name)
    return [
        PythonDistribution(
            name=p.name,
            version=p.version,
            sha256=tuple(sorted(h.removeprefix("sha256:") for h in p.hashes)),
            index_url=p.index_url,
            files=tuple(sorted((f.filename, f.url, f.sha256) for f in p.files)),
            dependencies=tuple(sorted(requires.get(p.name, ()))),
        )
        for p in sorted(lock.packages, key=lambda p: p.name)
    ]


def distributions_from_requirements(text: str) -> list[PythonDistribution]:
    """From a hash-pinned requirements file (a skill without a lock: its pins)."""
    from packaging.utils import canonicalize_name  # noqa: PLC0415

    found: list[PythonDistribution] = []
    for line in text.splitlines():
        match = _PIN_LINE.match(line.strip())
        if match:
            found.append(
                PythonDistribution(
                    name=canonicalize_name(match["name"]),
                    version=match["version"],
                    sha256=tuple(sorted(_HASH.findall(match["rest"]))),
                )
            )
    return sorted(found, key=lambda d: d.name)


def deb_purl(package: OsPackage, distro: str) -> Any:
    """``pkg:deb/debian/NAME@VERSION?arch=ARCH&distro=debian-12`` (and ``upstream`` when
    the source package has another name, as syft and grype write it)."""
    from packageurl import PackageURL  # noqa: PLC0415

    qualifiers = {"arch": package.architecture, "distro": distro}
    if package.source != package.name:
        qualifiers["upstream"] = package.source
    namespace = distro.split("-", 1)[0] or "debian"
    return PackageURL(
        "deb",
        namespace,
        package.name,
        package.version,
        qualifiers={k: v for k, v in qualifiers.items() if v},
    )


def pypi_purl(distribution: PythonDistribution) -> Any:
    """``pkg:pypi/NAME@VERSION``."""
    from packageurl import PackageURL  # noqa: PLC0415

    return PackageURL("pypi", None, distribution.name, distribution.version)


def render_sbom(
    subject: ImageSubject,
    contents: ImageContents,
    distributions: Sequence[PythonDistribution],
) -> str:
    """The CycloneDX 1.6 JSON document (validated against the schema before returning)."""
    from cyclonedx.model import (  # noqa: PLC0415 - heavy; only when an SBOM is made
        ExternalReference,
        ExternalReferenceType,
        HashAlgorithm,
        HashType,
        Property,
        XsUri,
    )
    from cyclonedx.model.bom import Bom, BomMetaData  # noqa: PLC0415
    from cyclonedx.model.component import Component, ComponentType  # noqa: PLC0415
    from cyclonedx.output.json import JsonV1Dot6  # noqa: PLC0415
    from cyclonedx.schema import SchemaVersion  # noqa: PLC0415
    from cyclonedx.validation.json import JsonStrictValidator  # noqa: PLC0415

    def properties(values: dict[str, str]) -> list[Any]:
        return [Property(name=PROPERTY_PREFIX + k, value=v) for k, v in sorted(values.items()) if v]

    def sha256(hexes: Iterable[str]) -> list[Any]:
        return [HashType(alg=HashAlgorithm.SHA_256, content=h) for h in sorted(set(hexes))]

    image = Component(
        name=subject.tag.rsplit(":", 1)[0],
        version=subject.image_id,
        type=ComponentType.CONTAINER,
        bom_ref=subject.image_id,
        hashes=sha256([subject.image_id.removeprefix("sha256:")]),
        properties=properties({"skill": subject.skill, "tag": subject.tag, **subject.properties}),
    )
    debs = []
    for package in contents.os_packages:
        purl = deb_purl(package, contents.distro)
        debs.append(
            Component(
                name=package.name,
                version=package.version,
                type=ComponentType.LIBRARY,
                purl=purl,
                bom_ref=purl.to_string(),
                properties=properties(
                    {
                        "deb:source": package.source,
                        "deb:source-version": package.source_version,
                    }
                ),
            )
        )
    pythons: dict[str, Any] = {}
    for dist in distributions:
        purl = pypi_purl(dist)
        references = [
            ExternalReference(
                type=ExternalReferenceType.DISTRIBUTION,
                url=XsUri(url),
                hashes=sha256([digest]),
                comment=filename,
            )
            for filename, url, digest in dist.files
            if url
        ]
        pythons[dist.name] = Component(
            name=dist.name,
            version=dist.version,
            type=ComponentType.LIBRARY,
            purl=purl,
            bom_ref=purl.to_string(),
            hashes=sha256(dist.sha256),
            external_references=references,
            properties=properties({"python:index": dist.index_url}),
        )
    bom = Bom(
        serial_number=uuid.uuid5(uuid.NAMESPACE_URL, f"skillgate:image:{subject.image_id}"),
        metadata=BomMetaData(component=image, timestamp=subject.created),
    )
    for component in [*debs, *pythons.values()]:
        bom.components.add(component)
    bom.register_dependency(image, [*debs, *pythons.values()])
    for dist in distributions:
        needs = [pythons[name] for name in dist.dependencies if name in pythons]
        bom.register_dependency(pythons[dist.name], needs)
    text: str = JsonV1Dot6(bom).output_as_string(indent=2)
    problem = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    if problem is not None:
        raise SkillgateError(f"the SBOM of {subject.tag} is not valid CycloneDX 1.6: {problem}")
    return text + "\n"
