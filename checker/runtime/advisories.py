"""Which versions an advisory affects: OSV ranges as intervals, one interpretation for all.

The scan's matcher (``checker.vulns.matcher``), ``compile`` (which folds the advisories of
approved packages into the bundle) and the runtime's decisions all read OSV ``ECOSYSTEM``
events through ``intervals``, so they cannot disagree. Standard library and ``packaging``
only, like every module the runtime imports.

Evaluation (ossf/osv-schema): the affected versions are the union of the intervals that the
events describe, in PEP 440 order. ``introduced: "0"`` means before every version (its
pre-releases and dev releases included); ``fixed`` closes an interval before its version,
``last_affected`` after it; ``limit`` bounds every interval from above. Events are sorted
by version, and at equal versions a closing event is applied before an opening one, so the
result does not depend on the order the file lists them in. A bound that is not a PEP 440
version makes the range ``undecidable``: callers use the entry's ``versions`` list when it
has one, and otherwise fail closed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from packaging.utils import canonicalize_version
from packaging.version import InvalidVersion, Version

_CLOSING_FIRST = {"fixed": 0, "last_affected": 0, "introduced": 1}


@dataclass(frozen=True, slots=True)
class Interval:
    """``lower <= v`` (unbounded when None), then ``v < upper`` or ``v <= upper``."""

    lower: Version | None
    upper: Version | None
    include_upper: bool

    def contains(self, version: Version) -> bool:
        if self.lower is not None and version < self.lower:
            return False
        if self.upper is None:
            return True
        return version <= self.upper if self.include_upper else version < self.upper

    def to_json(self) -> list[str | bool | None]:
        lower = None if self.lower is None else str(self.lower)
        upper = None if self.upper is None else str(self.upper)
        return [lower, upper, self.include_upper]

    @classmethod
    def from_json(cls, data: Sequence[object]) -> Interval:
        lower, upper, include_upper = data
        return cls(
            None if lower is None else Version(str(lower)),
            None if upper is None else Version(str(upper)),
            bool(include_upper),
        )


class UndecidableRange(ValueError):
    """A range bound is not a PEP 440 version: which versions it covers cannot be known."""


def _version(text: str) -> Version:
    try:
        return Version(text)
    except InvalidVersion:
        raise UndecidableRange(f"range bound {text!r} is not a PEP 440 version") from None


def intervals(events: Iterable[tuple[str, str]]) -> list[Interval]:
    """The intervals that ``(kind, version)`` events describe; ``UndecidableRange`` when a
    bound cannot be parsed."""
    limits: list[Version] = []
    ordered: list[tuple[Version | None, int, str]] = []
    for kind, text in events:
        if kind == "limit":
            limits.append(_version(text))
        elif kind == "introduced":
            ordered.append((None if text == "0" else _version(text), 1, kind))
        elif kind in _CLOSING_FIRST:
            ordered.append((_version(text), 0, kind))
    # None (introduced "0") sorts before every version.
    ordered.sort(key=lambda item: (item[0] is not None, item[0] or Version("0"), item[1]))
    found: list[Interval] = []
    start: Version | None = None
    open_ = False
    for bound, _, kind in ordered:
        if kind == "introduced":
            if not open_:
                start, open_ = bound, True
        elif open_:
            found.append(Interval(start, bound, include_upper=kind == "last_affected"))
            open_ = False
    if open_:
        found.append(Interval(start, None, include_upper=False))
    if limits:
        ceiling = min(limits)
        found = [_below(interval, ceiling) for interval in found]
        found = [i for i in found if i.lower is None or i.upper is None or i.lower <= i.upper]
    return found


def _below(interval: Interval, ceiling: Version) -> Interval:
    if interval.upper is None or interval.upper >= ceiling:
        return Interval(interval.lower, ceiling, include_upper=False)
    return interval


_PLAIN_RELEASE = re.compile(r"[0-9]{1,18}(?:\.[0-9]{1,18})*")


def normalised(version: str) -> str:
    """A spelling equal under PEP 440 (``1.0`` == ``1.0.0``) for ``versions`` lists.

    Plain releases (digits and dots: most listed versions) are normalised by string
    operations, as packaging's ``canonicalize_version(v, strip_trailing_zero=True)`` would;
    a scan compares every listed version of every matching record, and parsing each one
    doubled its cost. Everything else goes through packaging."""
    if _PLAIN_RELEASE.fullmatch(version):
        parts = [str(int(part)) for part in version.split(".")]
        while len(parts) > 1 and parts[-1] == "0":
            parts.pop()
        return ".".join(parts)
    return canonicalize_version(version, strip_trailing_zero=True)


def affected(
    ranges: Sequence[Sequence[Interval]], versions: Iterable[str], version: Version
) -> bool:
    """Whether ``version`` lies in one of the intervals or equals a listed version."""
    if any(interval.contains(version) for group in ranges for interval in group):
        return True
    wanted = normalised(str(version))
    return any(normalised(listed) == wanted for listed in versions)
