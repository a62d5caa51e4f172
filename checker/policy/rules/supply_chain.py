"""Approvals of known-vulnerable releases and of typosquatted names, caught where written.

With a vulnerability DB imported, an approval whose every admitted version is affected by a
(not waived) advisory is an error at its line, naming the advisories and their fixed
versions; one that admits some affected versions is a notice (the runtime denies those
versions). A package name that imitates a popular one (the list that ships with skillgate,
or ``scanning.yaml``'s) is an error unless the approval records ``not_a_typosquat_of`` that
name.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from packaging.ranges import VersionRange
from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion

from checker.findings import Finding, Severity
from checker.policy.ranges import admitted, approval_prereleases, describe
from checker.policy.rules.context import Rule, RuleContext
from checker.runtime.specs import canonical_name, is_exact_pin, parse_specifier, valid_name


def _affected_range(advisory: Mapping[str, Any], prereleases: bool) -> VersionRange:
    """The versions one folded advisory affects, under an approval's pre-release rule."""
    found = VersionRange.empty(prereleases=prereleases)
    for group in advisory["ranges"]:
        for lower, upper, include_upper in group:
            found = found.union(
                VersionRange.from_bounds(
                    lower, upper, include_upper=bool(include_upper), prereleases=prereleases
                )
            )
    for version in advisory["versions"]:
        try:
            found = found.union(SpecifierSet(f"=={version}", prereleases=prereleases).to_range())
        except (InvalidVersion, ValueError):
            continue
    return found


def _fixes(advisories: Sequence[Mapping[str, Any]]) -> str:
    return ", ".join(
        f"{a['id']} (fixed in {a['fixed']})" if a["fixed"] else f"{a['id']} (no fixed version)"
        for a in advisories
    )


def _agents(ctx: RuleContext, approval: Any) -> str:
    """The registered agents this approval admits (what a vulnerable release exposes)."""
    floor = ctx.rank(approval.min_level)
    exact = is_exact_pin(parse_specifier(approval.versions))
    levels = {level.name: level for level in ctx.repo.policy.levels}
    admitted_agents = [
        agent.id
        for agent in ctx.repo.policy.agents
        if floor is not None
        and (rank := ctx.rank(agent.level)) is not None
        and rank >= floor
        and levels[agent.level].packages
        and (exact or not levels[agent.level].exact_pins_only)
    ]
    return ", ".join(sorted(admitted_agents)) or "no registered agent"


def vulnerable_approvals(ctx: RuleContext) -> Iterator[Finding]:
    for approval in ctx.repo.policy.approvals:
        if not valid_name(approval.package):
            continue
        live = [
            a
            for a in ctx.advisories.get(canonical_name(approval.package), ())
            if not a.get("waived_until") or a["waived_until"] < ctx.today.isoformat()
        ]
        if not live:
            continue
        pre = approval_prereleases(approval.versions, approval.prereleases)
        try:
            approved = admitted(approval.versions, pre)
        except ValueError:
            continue  # specifier.invalid says it
        hits = [(a, approved.intersection(_affected_range(a, pre))) for a in live]
        hits = [(a, common) for a, common in hits if not common.is_empty]
        if not hits:
            continue
        everything = VersionRange.empty(prereleases=pre)
        for _, common in hits:
            everything = everything.union(common)
        advisories = [a for a, _ in hits]
        name = canonical_name(approval.package)
        if approved.is_subset(everything):
            yield ctx.at(
                approval.source,
                "approval.vulnerable",
                f"every version of {name} that {approval.versions!r} admits is known-vulnerable: "
                f"{_fixes(advisories)}; admitted for agents: {_agents(ctx, approval)}",
                key="versions",
                hint="approve a fixed release, or waive the advisory in scanning.yaml with a "
                "reason and an expiry",
            )
        else:
            yield ctx.at(
                approval.source,
                "approval.admits-vulnerable",
                f"{name} {approval.versions!r} admits known-vulnerable versions "
                f"({describe(everything)}): {_fixes(advisories)}; the runtime denies those",
                key="versions",
                severity=Severity.NOTICE,
                hint="narrow the range to the fixed releases",
            )


def squatted_approvals(ctx: RuleContext) -> Iterator[Finding]:
    from checker.heuristics.typosquat import TyposquatIndex  # noqa: PLC0415 - only here

    approvals = [a for a in ctx.repo.policy.approvals if valid_name(a.package)]
    if not approvals or not ctx.popular:
        return
    index = TyposquatIndex(ctx.popular)
    for approval in approvals:
        name = canonical_name(approval.package)
        squat = index.explain(name)
        if squat is None:
            continue
        override = approval.not_a_typosquat_of
        if override and canonical_name(override) == canonical_name(squat.target):
            continue
        yield ctx.at(
            approval.source,
            "approval.typosquat",
            f"{name!r} looks like a typosquat of {squat.target!r} ({squat.how})",
            key="package",
            hint=f"did you mean {squat.target!r}? if {name!r} is what you want, record "
            f"`not_a_typosquat_of: {squat.target}` in the approval and say why in its reason",
        )


RULES: tuple[Rule, ...] = (vulnerable_approvals, squatted_approvals)
