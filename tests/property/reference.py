"""A deliberately simple reference for the decision semantics of the architecture guide.

Written from the guide's text, not from ``checker.runtime.semantics``: no indexes, no caches, no
precomputation; every query walks the whole policy. It uses ``packaging`` only to parse
versions and specifiers and to test containment, and nothing from ``checker``, so that
a property test comparing the two catches a mistake in either.

``maturity_required`` here is by definition the lowest level (in order) at which an
agent would be allowed the package at that version, else None -- for allows and
denies alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

# PEP 508 project names; fullmatch so that a trailing newline is not a valid name.
_VALID_NAME = re.compile(r"[A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9]", re.IGNORECASE)


@dataclass(frozen=True, kw_only=True, slots=True)
class RefLevel:
    """A maturity level as maturity.yaml writes it."""

    name: str
    packages: bool
    exact_pins_only: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class RefApproval:
    """An approval as packages/*.yaml writes it (the package name as written)."""

    package: str
    versions: str
    min_level: str
    prereleases: bool = False
    expires: date | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class RefBan:
    """A ban as bans.yaml writes it; ``versions`` None bans every version."""

    package: str
    versions: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class RefSkill:
    """A skill: its level and its locked packages as (name, version) pairs."""

    min_level: str
    direct: tuple[tuple[str, str], ...] = ()
    transitive: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class RefPolicy:
    """The whole policy as plain values."""

    levels: tuple[RefLevel, ...]
    default_level: str
    enabled: bool = True
    agents: dict[str, str] = field(default_factory=dict)
    approvals: tuple[RefApproval, ...] = ()
    bans: tuple[RefBan, ...] = ()
    skills: dict[str, RefSkill] = field(default_factory=dict)
    transitive: str = "inherit"


def normalise(name: str) -> str:
    """PEP 503: runs of ``-``, ``_`` and ``.`` become one ``-``, lower case."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _banned(policy: RefPolicy, name: str, version: Version) -> bool:
    for ban in policy.bans:
        if normalise(ban.package) != name:
            continue
        if ban.versions is None or ban.versions.strip() == "*":
            return True
        # A ban always counts pre-releases, whatever its specifier says.
        if all(s.contains(version, prereleases=True) for s in SpecifierSet(ban.versions)):
            return True
    return False


def _pins_exactly(approval: RefApproval) -> bool:
    if approval.versions.strip() == "*":
        return False
    specs = list(SpecifierSet(approval.versions))
    if len(specs) != 1:
        return False
    only = specs[0]
    return only.operator == "===" or (only.operator == "==" and not only.version.endswith(".*"))


def _contains(approval: RefApproval, version: Version) -> bool:
    if approval.versions.strip() == "*":
        return approval.prereleases or not version.is_prerelease
    specs = list(SpecifierSet(approval.versions))
    names_prerelease = any(s.prereleases for s in specs)
    if version.is_prerelease and not (approval.prereleases or names_prerelease):
        return False
    return all(s.contains(version, prereleases=True) for s in specs)


def _allowed_at(policy: RefPolicy, index: int, name: str, version: Version, today: date) -> bool:
    """Would an agent at ``policy.levels[index]`` be allowed (bans already excluded)?"""
    level = policy.levels[index]
    if not level.packages:
        return False
    names = [lv.name for lv in policy.levels]
    for approval in policy.approvals:
        if normalise(approval.package) != name:
            continue
        if approval.expires is not None and today > approval.expires:
            continue
        if level.exact_pins_only and not _pins_exactly(approval):
            continue
        if not _contains(approval, version):
            continue
        if names.index(approval.min_level) <= index:
            return True
    return False


def reference_check(
    policy: RefPolicy, agent: str, package: str, version: str, today: date
) -> tuple[bool, str | None]:
    """(allowed, maturity_required) for one query, straight from the guide."""
    if not policy.enabled:
        return False, None
    level_name = policy.agents.get(agent, policy.default_level)
    if _VALID_NAME.fullmatch(package) is None:
        return False, None
    try:
        parsed = Version(version)
    except InvalidVersion:
        return False, None
    name = normalise(package)
    if _banned(policy, name, parsed):
        return False, None
    names = [lv.name for lv in policy.levels]
    lowest = None
    for index, level in enumerate(policy.levels):
        if _allowed_at(policy, index, name, parsed, today):
            lowest = level.name
            break
    return _allowed_at(policy, names.index(level_name), name, parsed, today), lowest


def reference_check_skill(policy: RefPolicy, agent: str, skill_id: str, today: date) -> bool:
    """The skill rule: level high enough and every locked package allowed."""
    if not policy.enabled or skill_id not in policy.skills:
        return False
    skill = policy.skills[skill_id]
    names = [lv.name for lv in policy.levels]
    level_name = policy.agents.get(agent, policy.default_level)
    if names.index(level_name) < names.index(skill.min_level):
        return False
    for package, version in skill.direct:
        if not reference_check(policy, agent, package, version, today)[0]:
            return False
    for package, version in skill.transitive:
        if policy.transitive == "explicit":
            if not reference_check(policy, agent, package, version, today)[0]:
                return False
        elif _banned(policy, normalise(package), Version(version)):
            return False
    return True
