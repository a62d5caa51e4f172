"""Who may use what under one compiled policy: version ranges per level and package.

Computed from the compiled bundle's entries, exactly as the decision semantics read them:
a level admits the union of the approvals that apply to it (not expired, ``min_level`` at or
below it, exact pins only where the level says so), minus every ban; a level without
``packages``, or a disabled policy, admits nothing. Ranges come from ``packaging.ranges``, so
they are exact. Two views are kept, because a range cannot mix two pre-release rules: what
every approval admits among final releases, and what the approvals that admit pre-releases
admit with them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from packaging.ranges import VersionRange

from checker.policy.ranges import admitted, approval_prereleases, describe
from checker.runtime.specs import is_exact_pin, parse_specifier


@dataclass(frozen=True, slots=True)
class Access:
    """What one level may use of one package: among final releases (``finals``), and through
    the approvals that admit pre-releases (``pre``, empty when none does)."""

    finals: VersionRange
    pre: VersionRange

    @classmethod
    def none(cls) -> Access:
        return cls(VersionRange.empty(prereleases=False), VersionRange.empty(prereleases=True))

    @property
    def empty(self) -> bool:
        return self.finals.is_empty and self.pre.is_empty

    def minus(self, other: Access) -> Access:
        return Access(self.finals.difference(other.finals), self.pre.difference(other.pre))

    def describe(self) -> str:
        """``>=2.32.3,<3`` (and the pre-releases when they differ from the finals' rule)."""
        text = describe(self.finals) if not self.finals.is_empty else ""
        if not self.pre.is_empty:
            pre = f"pre-releases {describe(self.pre)}"
            text = f"{text}; {pre}" if text else pre
        return text or "no version"


class PolicyView:
    """One compiled policy (the bundle's content), asked who may use what."""

    def __init__(self, bundle: Mapping[str, Any], today: date) -> None:
        self.bundle = bundle
        self.today = today.isoformat()
        self.levels: list[Mapping[str, Any]] = list(bundle.get("levels", []))
        self.rank = {str(level["name"]): i for i, level in enumerate(self.levels)}
        self.agents: dict[str, str] = dict(bundle.get("agents", {}))
        self.default_level = str(bundle.get("default_level", ""))
        self.enabled = bool(bundle.get("enabled", False))
        self._cache: dict[tuple[str, str], Access] = {}

    def level_of(self, agent: str | None) -> str:
        """The agent's level; ``None`` stands for every unregistered agent."""
        return self.agents.get(agent, self.default_level) if agent else self.default_level

    def packages(self) -> set[str]:
        return set(self.bundle.get("approvals", {})) | set(self.bundle.get("bans", {}))

    def access(self, level: str, name: str) -> Access:
        """What ``level`` may use of the normalised package ``name``."""
        key = (level, name)
        if key not in self._cache:
            self._cache[key] = self._compute(level, name)
        return self._cache[key]

    def _compute(self, level: str, name: str) -> Access:
        rank = self.rank.get(level)
        if not self.enabled or rank is None or not self.levels[rank]["packages"]:
            return Access.none()
        exact_only = bool(self.levels[rank].get("exact_pins_only"))
        finals = VersionRange.empty(prereleases=False)
        pre = VersionRange.empty(prereleases=True)
        for entry in self.bundle.get("approvals", {}).get(name, ()):
            if self.rank.get(str(entry["min_level"]), len(self.levels)) > rank:
                continue
            if entry.get("expires") and str(entry["expires"]) < self.today:
                continue
            versions = str(entry["versions"])
            if exact_only and not is_exact_pin(parse_specifier(versions)):
                continue
            finals = finals.union(admitted(versions, False))
            if approval_prereleases(versions, bool(entry.get("prereleases"))):
                pre = pre.union(admitted(versions, True))
        for ban in self.bundle.get("bans", {}).get(name, ()):
            versions = str(ban.get("versions") or "*")
            finals = finals.difference(admitted(versions, False))
            pre = pre.difference(admitted(versions, True))
        return Access(finals, pre)
