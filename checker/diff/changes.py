"""What a change to the policy does: entries added, removed, widened or narrowed, and the
blast radius (which agents gain or lose which packages, as exact version ranges, and which
skills), obtained by evaluating both compiled policies rather than by comparing text.

A change that only reformats or comments YAML compiles to the same policy and shows nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from checker.bundle.build import policy_bundle
from checker.diff.access import PolicyView
from checker.policy.load import LoadedRepo
from checker.policy.model import Policy
from checker.policy.ranges import admitted, approval_prereleases, describe
from checker.runtime import BundleError, Engine
from checker.runtime.bundle_format import day_of
from checker.runtime.specs import canonical_name

UNREGISTERED = "(unregistered agents)"


@dataclass(frozen=True, kw_only=True, slots=True)
class Change:
    """One line of the diff: what kind, about what, in words, and where (file:line)."""

    kind: str
    subject: str
    detail: str
    where: str = ""

    def to_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)


@dataclass(frozen=True, kw_only=True, slots=True)
class AgentImpact:
    """The blast radius for one agent (or every unregistered agent)."""

    agent: str
    level_before: str
    level_after: str
    gains: tuple[tuple[str, str], ...] = ()
    losses: tuple[tuple[str, str], ...] = ()
    skills_gained: tuple[str, ...] = ()
    skills_lost: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "level_before": self.level_before,
            "level_after": self.level_after,
            "gains": [{"package": p, "versions": v} for p, v in self.gains],
            "losses": [{"package": p, "versions": v} for p, v in self.losses],
            "skills_gained": list(self.skills_gained),
            "skills_lost": list(self.skills_lost),
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class PolicyDiff:
    """Both sides' labels, the entry-level changes and the blast radius."""

    base: str
    head: str
    changes: list[Change] = field(default_factory=list)
    impacts: list[AgentImpact] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.changes and not self.impacts

    def to_dict(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "head": self.head,
            "changes": [c.to_dict() for c in self.changes],
            "blast_radius": [i.to_dict() for i in self.impacts],
        }


def diff(
    base: LoadedRepo, head: LoadedRepo, *, base_label: str, head_label: str, today: date
) -> PolicyDiff:
    """Everything that changes between ``base`` and ``head``."""
    before, after = policy_bundle(base), policy_bundle(head)
    changes = [
        *_policy_changes(before, after),
        *_approval_changes(base.policy, head.policy, today),
        *_ban_changes(base.policy, head.policy),
        *_agent_changes(before, after, head.policy, base.policy),
        *_skill_changes(before, after),
    ]
    impacts = _blast_radius(before, after, today)
    return PolicyDiff(base=base_label, head=head_label, changes=changes, impacts=impacts)


def _policy_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Change]:
    changes = []
    if before["enabled"] != after["enabled"]:
        state = "enabled" if after["enabled"] else "DISABLED (kill switch: every package denied)"
        changes.append(Change(kind="kill-switch", subject="policy", detail=f"skillgate {state}"))
    if [lv["name"] for lv in before["levels"]] != [lv["name"] for lv in after["levels"]] or (
        before["levels"] != after["levels"]
    ):
        names = " < ".join(lv["name"] for lv in after["levels"])
        changes.append(Change(kind="levels-changed", subject="maturity", detail=names))
    if before["default_level"] != after["default_level"]:
        detail = f"{before['default_level']} -> {after['default_level']}"
        changes.append(Change(kind="default-level", subject="maturity", detail=detail))
    if before["transitive"] != after["transitive"]:
        detail = f"{before['transitive']} -> {after['transitive']}"
        changes.append(Change(kind="transitive", subject="scanning", detail=detail))
    return changes


def _approval_key(approval: Any) -> tuple[str, str, str, bool, str, str]:
    return (
        canonical_name(approval.package),
        _canonical_versions(approval.versions),
        approval.min_level,
        approval.prereleases,
        approval.expires or "",
        approval.not_a_typosquat_of,
    )


def _canonical_versions(versions: str | None) -> str:
    try:
        return describe(admitted(versions, True))
    except ValueError:
        return str(versions)


def _approval_changes(base: Policy, head: Policy, today: date) -> list[Change]:
    old = {_approval_key(a): a for a in base.approvals}
    new = {_approval_key(a): a for a in head.approvals}
    removed = [old[k] for k in sorted(set(old) - set(new))]
    added = [new[k] for k in sorted(set(new) - set(old))]
    changes: list[Change] = []
    for name in sorted({canonical_name(a.package) for a in (*removed, *added)}):
        gone = [a for a in removed if canonical_name(a.package) == name]
        came = [a for a in added if canonical_name(a.package) == name]
        if len(gone) == 1 and len(came) == 1:
            changes.append(_changed_approval(name, gone[0], came[0]))
            continue
        changes += [
            Change(
                kind="approval-removed",
                subject=name,
                detail=f"{a.versions} for {a.min_level}",
                where=str(a.source),
            )
            for a in gone
        ]
        changes += [
            Change(
                kind="approval-added",
                subject=name,
                detail=f"{a.versions} for {a.min_level}" + _expiry(a),
                where=str(a.source),
            )
            for a in came
        ]
    return changes


def _expiry(approval: Any) -> str:
    return f", expires {approval.expires}" if approval.expires else ""


def _changed_approval(name: str, old: Any, new: Any) -> Change:
    words = []
    pre = approval_prereleases(new.versions, new.prereleases) or approval_prereleases(
        old.versions, old.prereleases
    )
    try:
        before, after = admitted(old.versions, pre), admitted(new.versions, pre)
        if before != after:
            if before.is_subset(after):
                words.append(f"widened {old.versions} -> {new.versions}")
            elif after.is_subset(before):
                words.append(f"narrowed {old.versions} -> {new.versions}")
            else:
                words.append(f"versions {old.versions} -> {new.versions}")
    except ValueError:
        words.append(f"versions {old.versions} -> {new.versions}")
    if old.min_level != new.min_level:
        words.append(f"min_level {old.min_level} -> {new.min_level}")
    if old.expires != new.expires:
        words.append(f"expires {old.expires or 'never'} -> {new.expires or 'never'}")
    if old.prereleases != new.prereleases:
        words.append(f"prereleases {old.prereleases} -> {new.prereleases}")
    if old.not_a_typosquat_of != new.not_a_typosquat_of:
        words.append(f"not_a_typosquat_of {new.not_a_typosquat_of or '(removed)'}")
    return Change(
        kind="approval-changed", subject=name, detail="; ".join(words), where=str(new.source)
    )


def _ban_changes(base: Policy, head: Policy) -> list[Change]:
    def keyed(policy: Policy) -> dict[tuple[str, str], Any]:
        return {
            (canonical_name(b.package), _canonical_versions(b.versions or "*")): b
            for b in policy.bans
        }

    old, new = keyed(base), keyed(head)
    changes = [
        Change(
            kind="ban-added",
            subject=name,
            detail=f"{new[(name, v)].versions or '*'}: {new[(name, v)].reason}",
            where=str(new[(name, v)].source),
        )
        for name, v in sorted(set(new) - set(old))
    ]
    changes += [
        Change(
            kind="ban-lifted",
            subject=name,
            detail=f"{old[(name, v)].versions or '*'}",
            where=str(old[(name, v)].source),
        )
        for name, v in sorted(set(old) - set(new))
    ]
    return changes


def _agent_changes(
    before: Mapping[str, Any], after: Mapping[str, Any], head: Policy, base: Policy
) -> list[Change]:
    rank_before = {lv["name"]: i for i, lv in enumerate(before["levels"])}
    rank_after = {lv["name"]: i for i, lv in enumerate(after["levels"])}
    sources = {a.id: str(a.source) for a in head.agents}
    old_sources = {a.id: str(a.source) for a in base.agents}
    changes = []
    old, new = before["agents"], after["agents"]
    for agent in sorted(set(old) | set(new)):
        if agent not in old:
            changes.append(
                Change(kind="agent-added", subject=agent, detail=new[agent], where=sources[agent])
            )
        elif agent not in new:
            changes.append(
                Change(
                    kind="agent-removed",
                    subject=agent,
                    detail=f"was {old[agent]}; now gets the default level {after['default_level']}",
                    where=old_sources.get(agent, ""),
                )
            )
        elif old[agent] != new[agent]:
            up = rank_after.get(new[agent], -1) > rank_before.get(old[agent], -1)
            changes.append(
                Change(
                    kind="agent-graduated" if up else "agent-demoted",
                    subject=agent,
                    detail=f"{old[agent]} -> {new[agent]}",
                    where=sources[agent],
                )
            )
    return changes


def _skill_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Change]:
    changes = []
    old, new = before["skills"], after["skills"]
    for skill in sorted(set(old) | set(new)):
        if skill not in old:
            detail = f"{new[skill]['min_level']}; " + _packages_text(new[skill]["packages"])
            changes.append(
                Change(kind="skill-added", subject=skill, detail=detail, where=new[skill]["source"])
            )
        elif skill not in new:
            changes.append(Change(kind="skill-removed", subject=skill, detail=""))
        else:
            words = []
            if old[skill]["min_level"] != new[skill]["min_level"]:
                words.append(f"min_level {old[skill]['min_level']} -> {new[skill]['min_level']}")
            was = {(p["name"], p["version"]) for p in old[skill]["packages"]}
            now = {(p["name"], p["version"]) for p in new[skill]["packages"]}
            if now - was:
                words.append("adds " + ", ".join(f"{n}=={v}" for n, v in sorted(now - was)))
            if was - now:
                words.append("drops " + ", ".join(f"{n}=={v}" for n, v in sorted(was - now)))
            if words:
                changes.append(
                    Change(
                        kind="skill-changed",
                        subject=skill,
                        detail="; ".join(words),
                        where=new[skill]["source"],
                    )
                )
    return changes


def _packages_text(packages: Sequence[Mapping[str, Any]]) -> str:
    direct = [f"{p['name']}=={p['version']}" for p in packages if p.get("direct", True)]
    return "requires " + ", ".join(direct) if direct else "no packages"


def _blast_radius(
    before: Mapping[str, Any], after: Mapping[str, Any], today: date
) -> list[AgentImpact]:
    old, new = PolicyView(before, today), PolicyView(after, today)
    could, can = _Runnable(before, today), _Runnable(after, today)
    packages = sorted(old.packages() | new.packages())
    agents: list[str | None] = [*sorted(set(old.agents) | set(new.agents)), None]
    impacts = []
    for agent in agents:
        level_before, level_after = old.level_of(agent), new.level_of(agent)
        gains, losses = [], []
        for name in packages:
            was, now = old.access(level_before, name), new.access(level_after, name)
            gained, lost = now.minus(was), was.minus(now)
            if not gained.empty:
                gains.append((name, gained.describe()))
            if not lost.empty:
                losses.append((name, lost.describe()))
        ran, runs = could.skills(agent), can.skills(agent)
        impact = AgentImpact(
            agent=agent or UNREGISTERED,
            level_before=level_before,
            level_after=level_after,
            gains=tuple(gains),
            losses=tuple(losses),
            skills_gained=tuple(sorted(runs - ran)),
            skills_lost=tuple(sorted(ran - runs)),
        )
        if impact.gains or impact.losses or impact.skills_gained or impact.skills_lost:
            impacts.append(impact)
    return impacts


class _Runnable:
    """The skills an agent may run under one bundle, decided by the runtime itself."""

    def __init__(self, bundle: Mapping[str, Any], today: date) -> None:
        seconds = day_of(today) * 86400.0
        self._skills = sorted(bundle.get("skills", {}))
        try:
            self._engine: Engine | None = Engine.from_bundle(
                bundle, cache_size=0, clock=lambda: seconds
            )
        except BundleError:
            self._engine = None

    def skills(self, agent: str | None) -> set[str]:
        if self._engine is None:
            return set()
        # An id no registry can hold stands for every unregistered agent.
        who = agent if agent is not None else "\x00unregistered"
        return {skill for skill in self._skills if self._engine.check_skill(who, skill).allowed}
