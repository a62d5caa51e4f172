"""The versions an approval or a ban admits, as exact ranges (``packaging.ranges``).

packaging 26.4 computes intersections, differences, subsets and disjointness of specifier
sets exactly, so the overlap and shadowing rules (and the blast radius of a change) compare
what two entries admit rather than guessing from witness versions. Pre-releases follow the
decision semantics: an approval admits them only when it says ``prereleases: true`` or its
specifier names one; a ban always covers them.
"""

from __future__ import annotations

from packaging.ranges import VersionRange
from packaging.specifiers import SpecifierSet


def admitted(versions: str | None, prereleases: bool) -> VersionRange:
    """The versions ``versions`` (``None`` or ``"*"``: all) admits under that pre-release rule."""
    text = "" if versions is None or versions.strip() == "*" else versions
    return SpecifierSet(text, prereleases=prereleases).to_range()


def approval_prereleases(versions: str | None, flag: bool) -> bool:
    """Whether an approval admits pre-releases: its flag, or a specifier that names one."""
    if flag:
        return True
    text = "" if versions is None or versions.strip() == "*" else versions
    return any(spec.prereleases for spec in SpecifierSet(text))


def common(a: str | None, a_pre: bool, b: str | None, b_pre: bool) -> VersionRange:
    """The versions both entries admit (a version must satisfy both pre-release rules)."""
    both = a_pre and b_pre
    return admitted(a, both).intersection(admitted(b, both))


def covers(ban: str | None, approval: str | None, approval_pre: bool) -> bool:
    """Whether the ban covers every version the approval admits (so it never applies).

    Compared under the approval's pre-release rule: when the approval admits no
    pre-release, the ban's pre-releases are irrelevant to it.
    """
    return admitted(approval, approval_pre).is_subset(admitted(ban, approval_pre))


def describe(versions: VersionRange) -> str:
    """A range as a specifier set when PEP 440 can spell it, else the range itself."""
    if versions.is_empty:
        return "no version"
    spec = versions.to_specifier_set()
    if spec is None:
        return str(versions).removeprefix("<VersionRange ").removesuffix(">")
    ordered = sorted(spec, key=lambda s: (_READING_ORDER.get(s.operator, 9), str(s)))
    return ",".join(str(s) for s in ordered) or "every version"


# Lower bounds first, then pins, upper bounds and exclusions: ">=2.32.3,<3", as people write it.
_READING_ORDER = {">=": 0, ">": 0, "~=": 1, "==": 2, "===": 2, "<=": 3, "<": 3, "!=": 4}
