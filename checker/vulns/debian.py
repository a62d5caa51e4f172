"""OSV matching for Debian packages (ecosystem ``Debian:<release>``), the OS side of images.

Debian's OSV records (DSA, DLA and DEBIAN-CVE, exported by osv.dev from the security
tracker) name *source* packages (``openssl``, ``glibc``) and give ECOSYSTEM ranges in
Debian version order, per release: an image's binary package (``libssl3``) is matched
through its source package and source version, which its SBOM records. Versions are
compared with python-debian's ``Version`` (dpkg's algorithm: epoch, upstream, revision,
``~`` sorting before everything). The range walk is the one the OSV schema specifies; a
record withdrawn by ``now`` never matches. A version that is not a Debian version raises
``MatchError``: the scan cannot decide.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from checker.vulns.matcher import MatchError, VulnMatch, dedupe, severity_of
from checker.vulns.osv_model import Affected, OsvRecord

ECOSYSTEM_PREFIX = "Debian"


@dataclass(frozen=True, kw_only=True, slots=True)
class DebPackage:
    """A Debian package of an image: binary name and version, and its source package."""

    name: str
    version: str
    source: str
    source_version: str


def ecosystem_for(distro: str) -> str:
    """The OSV ecosystem of an image's distro: ``debian-12`` -> ``Debian:12``."""
    name, _, release = distro.partition("-")
    if name != "debian" or not release:
        raise MatchError(f"{distro!r} is not a Debian release")
    return f"{ECOSYSTEM_PREFIX}:{release}"


def index_key(ecosystem: str, name: str) -> str:
    """How the vulnerability index keys a Debian source package: ``Debian:12/openssl``."""
    return f"{ecosystem}/{name}"


def parse(text: str, what: str) -> Any:
    """A comparable Debian version; ``MatchError`` naming ``what`` when it is not one."""
    from debian.debian_support import Version  # noqa: PLC0415 - only for OS scans

    try:
        version = Version(text)
    except ValueError:
        raise MatchError(f"{what}: {text!r} is not a Debian version") from None
    return version


def in_range(events: Sequence[tuple[str, str]], version: Any) -> bool:
    """The OSV schema's evaluation of one ECOSYSTEM range (events in any order)."""
    introduced_zero = [(kind, v) for kind, v in events if kind == "introduced" and v == "0"]
    ordered = sorted(
        ((kind, v) for kind, v in events if (kind, v) not in introduced_zero),
        key=lambda event: parse(event[1], "advisory range bound"),
    )
    affected = False
    for kind, bound in [*introduced_zero, *ordered]:
        if kind == "introduced":
            if bound == "0" or version >= parse(bound, "introduced"):
                affected = True
        elif kind == "fixed":
            if version >= parse(bound, "fixed"):
                affected = False
        elif kind == "last_affected" and version > parse(bound, "last_affected"):
            affected = False
    return affected


def _affects(entry: Affected, version: Any) -> bool:
    if any(parse(listed, "listed version") == version for listed in entry.versions):
        return True
    return any(
        in_range([(e.kind, e.version) for e in r.events], version)
        for r in entry.ranges
        if r.type == "ECOSYSTEM"
    )


def match_package(
    records: Iterable[OsvRecord],
    ecosystem: str,
    package: DebPackage,
    now: datetime | None = None,
) -> list[VulnMatch]:
    """Every record affecting ``package``'s source at its source version in ``ecosystem``."""
    version = parse(package.source_version, f"{package.name} ({package.source})")
    moment = now or datetime.now(UTC)
    found = []
    for record in records:
        if record.withdrawn_by(moment):
            continue
        entries = [
            a for a in record.affected if a.ecosystem == ecosystem and a.name == package.source
        ]
        hits = [a for a in entries if _affects(a, version)]
        if not hits:
            continue
        severity, score = severity_of(record, hits)
        fixed = sorted(
            {e.version for a in entries for r in a.ranges for e in r.events if e.kind == "fixed"},
            key=lambda v: parse(v, "fixed"),
        )
        found.append(
            VulnMatch(
                id=record.id,
                aliases=record.aliases,
                package=package.name,
                version=package.version,
                fixed=tuple(fixed),
                summary=" ".join((record.summary or record.details).split()),
                severity=severity,
                score=score,
                malicious=False,
            )
        )
    return dedupe(found)
