"""An independent OSV matcher, written from the OSV schema's evaluation rules for this test.

It shares no code with ``checker`` (only ``packaging``'s PEP 440 ordering, as the spec's
PyPI ecosystem requires). From ossf/osv-schema, "Evaluation": a version is affected when it
is listed in ``versions``, or when, walking the events of an ECOSYSTEM range in version
order, the last event at or before it opened the range: ``introduced`` opens at its version
(``"0"`` before every version), ``fixed`` closes at its version, ``last_affected`` closes just
after it, and every ``limit`` bounds the range from above. Equal versions: a range is a union
of intervals, so a closing event is applied before an opening one. A withdrawn record (its
``withdrawn`` time not in the future) affects nothing.

Where the record gives a bound that is not a version, the spec gives no answer; this
reference says so (``Undecided``) and the comparison leaves such records to the documented
rule (use the record's ``versions``, else fail closed).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version


class Undecided(Exception):
    """The record has a range bound that is not a PEP 440 version."""


@functools.cache
def _parsed(text: str) -> Version | None:
    """PEP 440 parse, remembered (the same event versions are read for every probe)."""
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _v(text: str) -> Version:
    version = _parsed(text)
    if version is None:
        raise Undecided(text)
    return version


def _in_range(events: list[Mapping[str, str]], version: Version) -> bool:
    limits = [_v(e["limit"]) for e in events if "limit" in e]
    if limits and not any(version < limit for limit in limits):
        return False
    points: list[tuple[int, int, Version | None, str]] = []
    for event in events:
        for kind, text in event.items():
            if kind == "introduced":
                bound = None if text == "0" else _v(text)
                points.append((0 if bound is None else 1, 1, bound, kind))
            elif kind in ("fixed", "last_affected"):
                points.append((1, 0, _v(text), kind))
    points.sort(key=lambda p: (p[0], p[2] or Version("0"), p[1]))
    state = False
    for _, _, bound, kind in points:
        if kind == "introduced":
            if bound is None or version >= bound:
                state = True
        elif kind == "fixed":
            assert bound is not None
            if version >= bound:
                state = False
        elif kind == "last_affected":
            assert bound is not None
            if version > bound:
                state = False
    return state


def affected(record: Mapping[str, Any], name: str, version: str, now: datetime) -> bool:
    """Whether ``record`` affects ``name`` at ``version`` (both as the query gives them)."""
    withdrawn = record.get("withdrawn")
    if withdrawn:
        try:
            when = datetime.fromisoformat(str(withdrawn).replace("Z", "+00:00"))
        except ValueError:
            when = None
        if when is not None:
            when = when if when.tzinfo else when.replace(tzinfo=UTC)
            if when <= now:
                return False
    wanted = Version(version)
    for entry in record.get("affected") or []:
        package = entry.get("package") or {}
        if package.get("ecosystem") != "PyPI":
            continue
        if canonicalize_name(str(package.get("name", ""))) != canonicalize_name(name):
            continue
        if any(_parsed(str(listed)) == wanted for listed in entry.get("versions") or []):
            return True
        for vrange in entry.get("ranges") or []:
            if vrange.get("type") not in ("ECOSYSTEM", "SEMVER"):
                continue
            if _in_range(list(vrange.get("events") or []), wanted):
                return True
    return False


def documented(record: Mapping[str, Any], name: str, version: str, now: datetime) -> bool:
    """The reference's answer, and where it is ``Undecided`` the rule the README documents
    for a bound that is not a version: the record's ``versions`` when it lists some, else
    every version (fail closed)."""
    try:
        return affected(record, name, version, now)
    except Undecided:
        listed = [
            str(v)
            for entry in record.get("affected") or []
            if canonicalize_name(str((entry.get("package") or {}).get("name", "")))
            == canonicalize_name(name)
            for v in entry.get("versions") or []
        ]
        if listed:
            return any(_same(v, version) for v in listed)
        return True


def _same(listed: str, version: str) -> bool:
    parsed = _parsed(listed)
    return parsed is not None and parsed == _parsed(version)


def probes(record: Mapping[str, Any]) -> list[str]:
    """Versions at and around every event and listed version of ``record``."""
    seen: set[str] = {"0", "0.dev0", "0.0rc1", "0.0.0b1", "99999"}
    for entry in record.get("affected") or []:
        texts = [str(v) for v in entry.get("versions") or []]
        for vrange in entry.get("ranges") or []:
            for event in vrange.get("events") or []:
                texts += [str(v) for v in event.values()]
        for text in texts:
            try:
                version = Version(text)
            except InvalidVersion:
                continue
            release = version.release
            bumped = ".".join(map(str, (*release[:-1], release[-1] + 1)))
            seen |= {
                str(version),
                f"{version.base_version}.dev0",
                f"{version.base_version}rc1",
                f"{version.base_version}.post1",
                ".".join(map(str, (*release, 1))),
                bumped,
            }
            if release[-1] > 0:
                seen.add(".".join(map(str, (*release[:-1], release[-1] - 1))))
    valid = []
    for text in seen:
        try:
            Version(text)
        except InvalidVersion:
            continue
        valid.append(text)
    return sorted(valid, key=Version)
