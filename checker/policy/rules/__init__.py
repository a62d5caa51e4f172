"""Semantic rules: each a function from a RuleContext to Findings, with a stable rule id.

``RULES`` is the registry ``validate`` runs; a rule that crashes becomes an error
Finding (``internal.rule-crashed``), never a silent pass.
"""

from __future__ import annotations

from checker.policy.rules import (
    approvals,
    levels_agents,
    names_versions,
    policy_cases,
    skills,
    supply_chain,
)
from checker.policy.rules.context import Rule, RuleContext

RULES: tuple[Rule, ...] = (
    *levels_agents.RULES,
    *names_versions.RULES,
    *approvals.RULES,
    *skills.RULES,
    *policy_cases.RULES,
    *supply_chain.RULES,
)

__all__ = ["RULES", "Rule", "RuleContext"]
