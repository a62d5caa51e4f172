"""The OSV record model (ossf/osv-schema 1.x), limited to what PyPI and Debian matching needs.

``OsvRecord.from_dict`` checks meaning, not only shape: a record whose fields the matcher
relies on are malformed raises ``OsvFormatError`` with a dotted path, so that a broken
import fails instead of silently dropping advisories.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from packaging.utils import canonicalize_name

ECOSYSTEM_PYPI = "PyPI"
ECOSYSTEM_DEBIAN = "Debian"
EVENT_KINDS = ("introduced", "fixed", "last_affected", "limit")


class OsvFormatError(ValueError):
    """An OSV record does not have the shape the schema requires; ``path`` says where."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


@dataclass(frozen=True, kw_only=True, slots=True)
class Event:
    """One range event: ``kind`` is introduced, fixed, last_affected or limit."""

    kind: str
    version: str


@dataclass(frozen=True, kw_only=True, slots=True)
class VersionRange:
    """A range of ``type`` ECOSYSTEM, SEMVER or GIT with its events in file order."""

    type: str
    events: tuple[Event, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class SeverityScore:
    """A severity entry: ``type`` CVSS_V2/CVSS_V3/CVSS_V4/Ubuntu, ``score`` the vector."""

    type: str
    score: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Affected:
    """One ``affected`` entry; ``name`` is PEP 503-normalised for PyPI packages."""

    name: str
    ecosystem: str
    versions: tuple[str, ...]
    ranges: tuple[VersionRange, ...]
    severity: tuple[SeverityScore, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class OsvRecord:
    """An advisory: id, aliases, texts, dates kept as RFC 3339 strings, affected entries."""

    id: str
    aliases: tuple[str, ...]
    summary: str
    details: str
    published: str
    modified: str
    withdrawn: str | None
    affected: tuple[Affected, ...]
    severity: tuple[SeverityScore, ...]
    database_severity: str

    def withdrawn_by(self, now: datetime) -> bool:
        """Withdrawn at or before ``now``. A withdrawal dated in the future has not happened
        yet; an unreadable date withdraws nothing (the advisory keeps applying)."""
        if not self.withdrawn:
            return False
        try:
            when = datetime.fromisoformat(self.withdrawn.replace("Z", "+00:00"))
        except ValueError:
            return False
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return when <= now

    @property
    def is_malicious(self) -> bool:
        """OSV's malicious-package records (``MAL-*``, from the OpenSSF feed)."""
        return self.id.startswith("MAL-")

    def pypi_names(self) -> set[str]:
        """The normalised PyPI package names this record is about."""
        return {a.name for a in self.affected if a.ecosystem == ECOSYSTEM_PYPI}

    def index_keys(self) -> set[str]:
        """The keys the vulnerability index files this record under: PyPI names as they
        are, Debian source packages as ``Debian:<release>/<name>`` (other ecosystems are
        not indexed)."""
        keys = self.pypi_names()
        keys |= {
            f"{a.ecosystem}/{a.name}"
            for a in self.affected
            if a.ecosystem.startswith(ECOSYSTEM_DEBIAN + ":") and a.name
        }
        return keys

    @classmethod
    def from_dict(cls, data: Any, path: str = "record") -> OsvRecord:
        """Build a record from parsed JSON/YAML; raise ``OsvFormatError`` on bad input."""
        doc = _mapping(data, path)
        record_id = _text(doc.get("id"), f"{path}.id", required=True)
        affected = tuple(
            _affected(item, f"{path}.affected[{i}]")
            for i, item in enumerate(_list(doc.get("affected", []), f"{path}.affected"))
        )
        withdrawn = doc.get("withdrawn")
        db_specific = doc.get("database_specific")
        db_severity = db_specific.get("severity", "") if isinstance(db_specific, Mapping) else ""
        return cls(
            id=record_id,
            aliases=_strings(doc.get("aliases", []), f"{path}.aliases"),
            summary=_text(doc.get("summary"), f"{path}.summary"),
            details=_text(doc.get("details"), f"{path}.details"),
            published=_text(doc.get("published"), f"{path}.published"),
            modified=_text(doc.get("modified"), f"{path}.modified"),
            withdrawn=None if withdrawn is None else _text(withdrawn, f"{path}.withdrawn"),
            affected=affected,
            severity=_severities(doc.get("severity", []), f"{path}.severity"),
            database_severity=db_severity if isinstance(db_severity, str) else "",
        )


def _affected(data: Any, path: str) -> Affected:
    doc = _mapping(data, path)
    package = _mapping(doc.get("package", {}), f"{path}.package")
    ecosystem = _text(package.get("ecosystem"), f"{path}.package.ecosystem")
    name = _text(package.get("name"), f"{path}.package.name")
    if ecosystem == ECOSYSTEM_PYPI:
        if not name:
            raise OsvFormatError(f"{path}.package.name", "a PyPI entry needs a package name")
        name = canonicalize_name(name)
    ranges = []
    for i, item in enumerate(_list(doc.get("ranges", []), f"{path}.ranges")):
        rpath = f"{path}.ranges[{i}]"
        rdoc = _mapping(item, rpath)
        events = []
        for j, event in enumerate(_list(rdoc.get("events", []), f"{rpath}.events")):
            edoc = _mapping(event, f"{rpath}.events[{j}]")
            if len(edoc) != 1 or next(iter(edoc)) not in EVENT_KINDS:
                raise OsvFormatError(f"{rpath}.events[{j}]", "an event has exactly one known kind")
            kind, version = next(iter(edoc.items()))
            events.append(Event(kind=kind, version=_text(version, f"{rpath}.events[{j}].{kind}")))
        range_type = _text(rdoc.get("type"), f"{rpath}.type", required=True)
        ranges.append(VersionRange(type=range_type, events=tuple(events)))
    return Affected(
        name=name,
        ecosystem=ecosystem,
        versions=_strings(doc.get("versions", []), f"{path}.versions"),
        ranges=tuple(ranges),
        severity=_severities(doc.get("severity", []), f"{path}.severity"),
    )


def _severities(data: Any, path: str) -> tuple[SeverityScore, ...]:
    out = []
    for i, item in enumerate(_list(data, path)):
        doc = _mapping(item, f"{path}[{i}]")
        out.append(
            SeverityScore(
                type=_text(doc.get("type"), f"{path}[{i}].type", required=True),
                score=_text(doc.get("score"), f"{path}[{i}].score", required=True),
            )
        )
    return tuple(out)


def _mapping(data: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise OsvFormatError(path, f"expected a mapping, got {type(data).__name__}")
    return data


def _list(data: Any, path: str) -> Sequence[Any]:
    if data is None:
        return []
    if not isinstance(data, list):
        raise OsvFormatError(path, f"expected a list, got {type(data).__name__}")
    return data


def _text(data: Any, path: str, *, required: bool = False) -> str:
    if data is None and not required:
        return ""
    # A number here would be lossy (YAML reads 1.10 as 1.1); the importer's YAML loader
    # keeps plain scalars as strings, so only a JSON record can get here with one.
    if not isinstance(data, str):
        raise OsvFormatError(path, f"expected a string, got {type(data).__name__}")
    if required and not data:
        raise OsvFormatError(path, "must not be empty")
    return data


def _strings(data: Any, path: str) -> tuple[str, ...]:
    return tuple(_text(item, f"{path}[{i}]") for i, item in enumerate(_list(data, path)))
