"""OSV matching for ecosystem PyPI, following ossf/osv-schema's evaluation rules.

An ``affected`` entry matches a (name, version) when the PEP 503 names and the ecosystem
match and the version is listed in ``versions`` or lies in an ECOSYSTEM range, read as
intervals by ``checker.runtime.advisories`` (the same reading compile and the runtime use).
Withdrawn records never match. A locked version that cannot be parsed raises
``MatchError``: the caller cannot decide, so it must fail rather than report "not
affected". A range bound that cannot be parsed falls back on the entry's ``versions``, else
covers every version (see ``affected_intervals``): bad data can add findings, never hide one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache

from packaging.version import InvalidVersion, Version

from checker.runtime.advisories import Interval, UndecidableRange, affected, intervals
from checker.vulns.cvss import best_score, rating
from checker.vulns.osv_model import ECOSYSTEM_PYPI, Affected, Event, OsvRecord

# GIT ranges hold commit hashes, not package versions; SEMVER ranges are compared as PEP 440.
_VERSION_RANGE_TYPES = ("ECOSYSTEM", "SEMVER")
# GitHub's database_specific severity labels, used only when no CVSS vector is present.
_GHSA_LABELS = {
    "LOW": "low",
    "MODERATE": "medium",
    "MEDIUM": "medium",
    "HIGH": "high",
    "CRITICAL": "critical",
}


class MatchError(ValueError):
    """A locked version cannot be compared; the match cannot be decided."""


@dataclass(frozen=True, kw_only=True, slots=True)
class VulnMatch:
    """One advisory that affects one locked package version.

    ``fixed`` lists the fixed versions of the record's ranges for the package (PEP 440
    sorted); ``severity`` is a rating (low..critical) or "" when the record gives none;
    ``score`` is the CVSS v3 base score when a vector is present.
    """

    id: str
    aliases: tuple[str, ...]
    package: str
    version: str
    fixed: tuple[str, ...]
    summary: str
    severity: str
    score: float | None
    malicious: bool
    note: str = ""
    """Why the match could not be exact (a range bound that is not a version), when so."""


def parse_version(text: str, what: str) -> Version:
    """PEP 440 parse; ``MatchError`` naming ``what`` when it is not a valid version."""
    try:
        return Version(text)
    except InvalidVersion:
        raise MatchError(f"{what}: {text!r} is not a PEP 440 version") from None


def match_record(
    record: OsvRecord, name: str, version: Version, now: datetime | None = None
) -> VulnMatch | None:
    """The match of ``record`` for ``name`` (normalised) at ``version``, None when unaffected
    (or withdrawn by ``now``, default the current time)."""
    if record.withdrawn_by(now or datetime.now(UTC)):
        return None
    entries = [a for a in record.affected if a.ecosystem == ECOSYSTEM_PYPI and a.name == name]
    hits = [a for a in entries if _affects(a, version)]
    if not hits:
        return None
    undecided = [a for a in hits if not affected_intervals(a)[1] and not a.versions]
    severity, score = severity_of(record, hits)
    return VulnMatch(
        id=record.id,
        aliases=record.aliases,
        package=name,
        version=str(version),
        fixed=_fixed_versions(entries),
        summary=_one_line(record.summary or record.details),
        severity=severity,
        score=score,
        malicious=record.is_malicious,
        note=(
            "a range bound of the advisory is not a PEP 440 version and it lists no "
            "versions: every version is treated as affected"
            if undecided
            else ""
        ),
    )


def match_all(records: Iterable[OsvRecord], name: str, version: Version) -> list[VulnMatch]:
    """Every record affecting ``name`` at ``version``, aliases collapsed (see ``dedupe``)."""
    found = [m for r in records if (m := match_record(r, name, version)) is not None]
    return dedupe(found)


def dedupe(matches: Sequence[VulnMatch]) -> list[VulnMatch]:
    """Collapse advisories that share an id or alias, preferring PYSEC ids.

    The same flaw is often published as PYSEC, GHSA and CVE; reporting it once keeps the
    report readable and matches pip-audit's behaviour, so both engines agree.
    """
    kept: list[VulnMatch] = []
    for match in sorted(matches, key=lambda m: (not m.id.startswith("PYSEC"), m.id)):
        ids = {match.id, *match.aliases}
        for i, previous in enumerate(kept):
            if ids & {previous.id, *previous.aliases}:
                merged = sorted({*previous.aliases, *ids} - {previous.id})
                kept[i] = replace(previous, aliases=tuple(merged))
                break
        else:
            kept.append(match)
    return sorted(kept, key=lambda m: m.id)


def affected_intervals(entry: Affected) -> tuple[list[list[Interval]], bool]:
    """The entry's ranges as intervals (``checker.runtime.advisories``), and whether every
    range could be read. A range with a bound that is not a PEP 440 version is left out
    when the entry lists its versions; otherwise it covers every version, so bad data can
    add a finding but never hide one."""
    groups: list[list[Interval]] = []
    decidable = True
    for vrange in entry.ranges:
        if vrange.type not in _VERSION_RANGE_TYPES:
            continue
        try:
            groups.append(_intervals(vrange.events))
        except UndecidableRange:
            decidable = False
            if not entry.versions:
                groups.append([Interval(None, None, include_upper=False)])
    return groups, decidable


def _affects(entry: Affected, version: Version) -> bool:
    groups, _ = affected_intervals(entry)
    return affected(groups, entry.versions, version)


@lru_cache(maxsize=65_536)
def _intervals_cached(events: tuple[tuple[str, str], ...]) -> tuple[Interval, ...]:
    return tuple(intervals(events))


def _intervals(events: Sequence[Event]) -> list[Interval]:
    return list(_intervals_cached(tuple((e.kind, e.version) for e in events)))


def clear_caches() -> None:
    """Forget parsed versions (benchmarks measure cold runs with it)."""
    _bound.cache_clear()
    _intervals_cached.cache_clear()


@lru_cache(maxsize=65_536)
def _bound(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _fixed_versions(entries: Sequence[Affected]) -> tuple[str, ...]:
    fixed = {
        e.version
        for entry in entries
        for r in entry.ranges
        if r.type in _VERSION_RANGE_TYPES
        for e in r.events
        if e.kind == "fixed"
    }
    # Unparsable fix versions still help a reader; they sort after the comparable ones.
    return tuple(sorted(fixed, key=lambda v: (_bound(v) is None, _bound(v) or Version("0"), v)))


def severity_of(record: OsvRecord, entries: Sequence[Affected]) -> tuple[str, float | None]:
    """Rating and CVSS score from the record's and ``entries``' vectors (``cvss.best_score``).

    Without a valid CVSS vector, GitHub's ``database_specific.severity`` label is used
    and the score is None; with neither, the rating is "" (unknown), which fails every
    severity floor: a malformed vector can only make the gate stricter.
    """
    vectors = [
        (entry.type, entry.score)
        for entry in (*record.severity, *(s for a in entries for s in a.severity))
    ]
    top = best_score(vectors)
    if top is not None:
        return rating(top), top
    return _GHSA_LABELS.get(record.database_severity.upper(), ""), None


def _one_line(text: str) -> str:
    return " ".join(text.split())
