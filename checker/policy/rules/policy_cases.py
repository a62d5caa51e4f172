"""Policy tests name registered agents and known skills."""

from __future__ import annotations

from collections.abc import Iterator

from checker.findings import Finding
from checker.policy.rules.context import Rule, RuleContext


def references(ctx: RuleContext) -> Iterator[Finding]:
    agents = {agent.id for agent in ctx.repo.policy.agents}
    for case in ctx.repo.policy.cases:
        if case.agent not in agents:
            yield ctx.at(
                case.source,
                "test.unknown-agent",
                f"test case names agent {case.agent!r}, which is not in policy/agents.yaml",
                key="agent",
            )
        if case.skill is not None and case.skill not in ctx.repo.skills:
            yield ctx.at(
                case.source,
                "test.unknown-skill",
                f"test case names unknown skill {case.skill!r}",
                key="skill",
            )


RULES: tuple[Rule, ...] = (references,)
