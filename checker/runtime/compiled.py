"""A bundle compiled for fast decisions: specifiers parsed, names indexed, ranks numbered.

Building it validates the bundle's shape and digest; anything wrong is a BundleError,
so a corrupt bundle never becomes an engine.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from checker.runtime.advisories import Interval, affected
from checker.runtime.bundle_format import BUNDLE_FORMAT, BundleError, canonical_digest, day_of
from checker.runtime.decision import Decision
from checker.runtime.specs import canonical_name, is_exact_pin, parse_specifier


@dataclass(frozen=True, slots=True)
class CompiledLevel:
    name: str
    packages: bool
    exact_pins_only: bool


@dataclass(frozen=True, slots=True)
class CompiledApproval:
    spec: SpecifierSet | None
    prereleases: bool
    exact: bool
    min_rank: int
    last_day: int | None
    versions: str
    source: str

    def applies(self, version: Version, day: int, exact_only: bool) -> bool:
        if exact_only and not self.exact:
            return False
        return self.matches(version, day)

    def matches(self, version: Version, day: int) -> bool:
        """Not expired on ``day`` and the specifier contains ``version`` (any level)."""
        if self.last_day is not None and day > self.last_day:
            return False
        if self.spec is None:
            return self.prereleases or not version.is_prerelease
        return self.spec.contains(version, prereleases=self.prereleases)


@dataclass(frozen=True, slots=True)
class CompiledBan:
    spec: SpecifierSet | None
    versions: str
    reason: str
    source: str

    def covers(self, version: Version) -> bool:
        return self.spec is None or self.spec.contains(version, prereleases=True)


@dataclass(frozen=True, slots=True)
class CompiledAdvisory:
    id: str
    aliases: tuple[str, ...]
    summary: str
    malicious: bool
    fixed: str
    ranges: tuple[tuple[Interval, ...], ...]
    versions: tuple[str, ...]
    waived_until: int | None

    def affects(self, version: Version, day: int) -> bool:
        if self.waived_until is not None and day <= self.waived_until:
            return False
        return affected(self.ranges, self.versions, version)


@dataclass(frozen=True, slots=True)
class CompiledSkill:
    min_rank: int
    direct: tuple[tuple[str, str], ...]
    transitive: tuple[tuple[str, str], ...]
    source: str


class CompiledBundle:
    """One compiled bundle plus its decision cache; immutable except for the cache."""

    def __init__(self, bundle: Mapping[str, Any], cache_size: int) -> None:
        _require(isinstance(bundle, Mapping), "the bundle is not a JSON object")
        _require(
            bundle.get("format") == BUNDLE_FORMAT,
            f"unsupported bundle format {bundle.get('format')!r}",
        )
        digest = bundle.get("digest")
        _require(
            digest == canonical_digest(bundle),
            "digest mismatch: the bundle is corrupt or was edited",
        )
        self.digest: str = str(digest)
        self.revision: str = _str(bundle, "revision")
        self.enabled: bool = bool(bundle.get("enabled", False))
        self.transitive: str = _str(bundle, "transitive")
        _require(
            self.transitive in ("inherit", "explicit"), "transitive must be inherit or explicit"
        )
        self.levels = tuple(
            CompiledLevel(_str(lv, "name"), bool(lv["packages"]), bool(lv["exact_pins_only"]))
            for lv in _list(bundle, "levels")
        )
        _require(bool(self.levels), "the bundle defines no levels")
        self.rank = {level.name: i for i, level in enumerate(self.levels)}
        _require(len(self.rank) == len(self.levels), "duplicate level names")
        self.default_rank = self._rank_of(_str(bundle, "default_level"))
        self.agents = {str(a): self._rank_of(lv) for a, lv in _dict(bundle, "agents").items()}
        self.approvals = {
            str(name): tuple(self._approval(a) for a in entries)
            for name, entries in _dict(bundle, "approvals").items()
        }
        self.bans = {
            str(name): tuple(
                CompiledBan(
                    parse_specifier(b.get("versions")),
                    str(b.get("versions") or "*"),
                    _str(b, "reason"),
                    _str(b, "source"),
                )
                for b in entries
            )
            for name, entries in _dict(bundle, "bans").items()
        }
        self.skills = {str(sid): self._skill(s) for sid, s in _dict(bundle, "skills").items()}
        vulnerabilities = bundle.get("vulnerabilities") or {"db": None, "advisories": {}}
        _require(
            isinstance(vulnerabilities, Mapping), "bundle field 'vulnerabilities' must be an object"
        )
        db = vulnerabilities.get("db")
        self.vulnerability_db = (
            f"{_str(db, 'snapshot')} ({db.get('records')} records)" if db else "none"
        )
        self.advisories = {
            str(name): tuple(self._advisory(a) for a in entries)
            for name, entries in _dict(vulnerabilities, "advisories").items()
        }
        self.maxsize = max(0, cache_size)
        self.cache: OrderedDict[tuple[str, str, str, int], Decision] = OrderedDict()
        self.lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def _rank_of(self, level: object) -> int:
        _require(isinstance(level, str) and level in self.rank, f"unknown level {level!r}")
        return self.rank[str(level)]

    def _approval(self, entry: Mapping[str, Any]) -> CompiledApproval:
        versions = str(entry.get("versions") or "*")
        try:
            spec = parse_specifier(versions)
        except InvalidSpecifier as exc:
            raise BundleError(f"invalid specifier {versions!r} in the bundle") from exc
        expires = entry.get("expires")
        try:
            last_day = day_of(date.fromisoformat(expires)) if expires else None
        except (TypeError, ValueError) as exc:
            raise BundleError(f"invalid expiry date {expires!r} in the bundle") from exc
        names_prerelease = spec is not None and any(s.prereleases for s in spec)
        return CompiledApproval(
            spec=spec,
            prereleases=bool(entry.get("prereleases")) or names_prerelease,
            exact=is_exact_pin(spec),
            min_rank=self._rank_of(entry.get("min_level")),
            last_day=last_day,
            versions=versions,
            source=_str(entry, "source"),
        )

    def _advisory(self, entry: Mapping[str, Any]) -> CompiledAdvisory:
        try:
            ranges = tuple(
                tuple(Interval.from_json(bound) for bound in group) for group in entry["ranges"]
            )
            waived = entry.get("waived_until")
            return CompiledAdvisory(
                id=_str(entry, "id"),
                aliases=tuple(str(a) for a in entry.get("aliases", ())),
                summary=str(entry.get("summary", "")),
                malicious=bool(entry.get("malicious")),
                fixed=str(entry.get("fixed", "")),
                ranges=ranges,
                versions=tuple(str(v) for v in entry.get("versions", ())),
                waived_until=day_of(date.fromisoformat(waived)) if waived else None,
            )
        except (InvalidVersion, ValueError, TypeError) as exc:
            raise BundleError(f"invalid advisory in the bundle: {exc}") from exc

    def _skill(self, entry: Mapping[str, Any]) -> CompiledSkill:
        direct: list[tuple[str, str]] = []
        transitive: list[tuple[str, str]] = []
        for pkg in _list(entry, "packages"):
            pair = (canonical_name(_str(pkg, "name")), _str(pkg, "version"))
            (direct if pkg.get("direct", True) else transitive).append(pair)
        return CompiledSkill(
            self._rank_of(entry.get("min_level")),
            tuple(direct),
            tuple(transitive),
            _str(entry, "source"),
        )


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise BundleError(message)


def _str(mapping: Any, key: str) -> str:
    value = mapping.get(key) if isinstance(mapping, Mapping) else None
    _require(isinstance(value, str), f"bundle field {key!r} must be a string")
    return str(value)


def _list(mapping: Mapping[str, Any], key: str) -> list[Any]:
    value = mapping.get(key)
    _require(isinstance(value, list), f"bundle field {key!r} must be a list")
    return list(value or ())


def _dict(mapping: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = mapping.get(key)
    _require(isinstance(value, dict), f"bundle field {key!r} must be an object")
    return dict(value or {})
