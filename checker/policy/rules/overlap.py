"""Does a version exist that two specifier sets both admit? Answered by witnesses.

Exact intersection of PEP 440 specifier sets is not worth its complexity here. We
try candidate versions built from every boundary the two sets mention (the boundary,
just above it, the next release) plus the extremes; an overlap reported is always
real because a witness version was found.
"""

from __future__ import annotations

from collections.abc import Iterator

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

_EXTREMES = (Version("0"), Version("0.0.1"), Version("99999"))


def _around(spec: SpecifierSet | None) -> Iterator[Version]:
    if spec is None:
        return
    for single in spec:
        text = single.version.removesuffix(".*")
        try:
            version = Version(text)
        except InvalidVersion:
            continue
        release = version.release
        yield version
        yield Version(".".join(str(p) for p in (*release, 1)))
        yield Version(".".join(str(p) for p in (*release[:-1], release[-1] + 1)))
        yield Version(".".join(str(p) for p in (*release, 0, 1)))


def admits(spec: SpecifierSet | None, version: Version, prereleases: bool) -> bool:
    if spec is None:
        return prereleases or not version.is_prerelease
    return spec.contains(version, prereleases=prereleases)


def witness(
    a: SpecifierSet | None, a_pre: bool, b: SpecifierSet | None, b_pre: bool
) -> Version | None:
    """A version both sets admit, or None when no candidate is admitted by both."""
    for pin, pin_pre, other, other_pre in ((a, a_pre, b, b_pre), (b, b_pre, a, a_pre)):
        pinned = _pinned_version(pin)
        if pinned is not None:  # a pin admits one version: the only witness worth trying
            both = admits(pin, pinned, pin_pre) and admits(other, pinned, other_pre)
            return pinned if both else None
    for candidate in (*_around(a), *_around(b), *_EXTREMES):
        if admits(a, candidate, a_pre) and admits(b, candidate, b_pre):
            return candidate
    return None


def _pinned_version(spec: SpecifierSet | None) -> Version | None:
    """The version of a single ``==X`` (no wildcard, no local label) pin, else None."""
    singles = tuple(spec) if spec is not None else ()
    if len(singles) != 1 or singles[0].operator != "==" or "*" in singles[0].version:
        return None
    try:
        version = Version(singles[0].version)
    except InvalidVersion:
        return None
    return version if version.local is None else None


def covers_all(ban: SpecifierSet | None, approval: SpecifierSet | None) -> bool:
    """Whether the ban surely bans every version the approval admits."""
    if ban is None:
        return True
    if approval is None:
        return False
    if str(ban) == str(approval):
        return True
    singles = tuple(approval)
    if len(singles) == 1 and singles[0].operator in ("==", "===") and "*" not in singles[0].version:
        try:
            return ban.contains(Version(singles[0].version), prereleases=True)
        except InvalidVersion:
            return False
    return False
