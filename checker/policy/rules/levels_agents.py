"""Levels are unique upper-case identifiers, every referenced level exists (sandbox limits
included), agents are unique."""

from __future__ import annotations

import re
from collections.abc import Iterator

from checker.findings import Finding, Severity
from checker.layout import SANDBOX_FILE
from checker.policy.model import Source
from checker.policy.rules.context import Rule, RuleContext

_LEVEL_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


def level_names(ctx: RuleContext) -> Iterator[Finding]:
    seen: dict[str, Source] = {}
    for level in ctx.repo.policy.levels:
        if not _LEVEL_NAME.match(level.name):
            yield ctx.at(
                level.source,
                "level.name-case",
                f"level name {level.name!r} must be an upper-case identifier",
                key="name",
                hint=f"names are case-sensitive; write {level.name.upper()!r}",
            )
        if level.name in seen:
            yield ctx.at(
                level.source,
                "level.duplicate",
                f"level {level.name!r} is already defined at line {seen[level.name].line}",
                key="name",
            )
        seen.setdefault(level.name, level.source)


def _unknown(ctx: RuleContext, source: Source, key: str, level: str, what: str) -> Finding:
    close = [name for name in ctx.level_names if name.lower() == level.lower()]
    hint = f"did you mean {close[0]!r}? level names are case-sensitive" if close else ""
    if close and not _LEVEL_NAME.match(close[0]):
        # The definition is the mistake (level.name-case); do not suggest copying it.
        hint = f"level {close[0]!r} in policy/maturity.yaml must be written {level.upper()!r}"
    known = ", ".join(ctx.level_names) or "none"
    return ctx.at(
        source,
        "level.unknown",
        f"{what} refers to unknown level {level!r} (levels: {known})",
        key=key,
        hint=hint,
    )


def level_references(ctx: RuleContext) -> Iterator[Finding]:
    policy = ctx.repo.policy
    if not policy.levels:
        return
    if policy.default_level not in ctx.level_names:
        document = ctx.repo.raw.get("policy/maturity.yaml")
        if document is not None:
            yield _unknown(
                ctx, Source.of(document, ()), "default_level", policy.default_level, "default_level"
            )
    for agent in policy.agents:
        if agent.level not in ctx.level_names:
            yield _unknown(ctx, agent.source, "level", agent.level, f"agent {agent.id!r}")
    for approval in policy.approvals:
        if approval.min_level not in ctx.level_names:
            yield _unknown(ctx, approval.source, "min_level", approval.min_level, "approval")
    for skill in ctx.repo.skills.values():
        if skill.min_level not in ctx.level_names:
            yield _unknown(ctx, skill.source, "min_level", skill.min_level, f"skill {skill.id!r}")
    for case in policy.cases:
        if case.maturity_required is not None and case.maturity_required not in ctx.level_names:
            yield _unknown(
                ctx, case.source, "maturity_required", case.maturity_required, "test case"
            )


def unique_agents(ctx: RuleContext) -> Iterator[Finding]:
    seen: dict[str, Source] = {}
    for agent in ctx.repo.policy.agents:
        if agent.id in seen:
            first = seen[agent.id]
            yield ctx.at(
                agent.source,
                "agent.duplicate",
                f"agent {agent.id!r} is already registered at {first.file}:{first.line}",
                key="id",
            )
        seen.setdefault(agent.id, agent.source)


def sandbox_levels(ctx: RuleContext) -> Iterator[Finding]:
    """A ``levels`` key of ``sandbox.yaml`` that no maturity level has: its limits never
    apply (a typo leaves that level on the defaults)."""
    document = ctx.repo.raw.get(SANDBOX_FILE)
    if document is None or not isinstance(document.data.get("levels"), dict) or not ctx.level_names:
        return
    for name in document.data["levels"]:
        if name not in ctx.level_names:
            yield document.finding(
                ("levels", name),
                "sandbox.unknown-level",
                f"level {name} is not defined in policy/maturity.yaml; its limits never apply",
                severity=Severity.WARNING,
                hint=f"known levels: {', '.join(ctx.level_names)}",
                key=True,
            )


RULES: tuple[Rule, ...] = (level_names, level_references, unique_agents, sandbox_levels)
