"""The runtime agrees with the reference on random policies and queries.

Each example draws a policy (levels, default, kill switch, agents, approvals over
unnormalised spellings, bans overlapping them, expiry around today), compiles it the way
``skillgate compile`` does, and asks both sides the same questions.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.runtime.bundle_format import day_of
from tests.property.bundles import engine_at
from tests.property.policies import (
    QUERY_AGENTS,
    query_names,
    query_versions,
    ref_policies,
    skills_for,
)
from tests.property.reference import (
    RefApproval,
    RefBan,
    RefLevel,
    RefPolicy,
    RefSkill,
    reference_check,
    reference_check_skill,
)

QUERIES_PER_POLICY = 8
_SETTINGS = settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@_SETTINGS
@given(drawn=ref_policies(), data=st.data(), second=st.integers(0, 86399))
def test_check_agrees_with_reference(
    drawn: tuple[RefPolicy, date], data: st.DataObject, second: int
) -> None:
    policy, today = drawn
    engine = engine_at(policy, today, second=second)
    for _ in range(QUERIES_PER_POLICY):
        agent = data.draw(st.sampled_from(QUERY_AGENTS), label="agent")
        package = data.draw(query_names(policy), label="package")
        version = data.draw(query_versions(policy), label="version")
        decision = engine.check(agent, package, version)
        expected = reference_check(policy, agent, package, version, today)
        assert (decision.allowed, decision.maturity_required) == expected, decision.reason
        assert decision.revision == "rev-1"
        assert decision.reason
        assert decision.rule


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=ref_policies(), data=st.data())
def test_check_skill_agrees_with_reference(
    drawn: tuple[RefPolicy, date], data: st.DataObject
) -> None:
    policy, today = drawn
    count = data.draw(st.integers(1, 3), label="skills")
    skills = {f"skill-{i}": data.draw(skills_for(policy, today)) for i in range(count)}
    # One registered agent per level, so that every level meets every skill.
    probes = {f"probe-{lv.name}": lv.name for lv in policy.levels}
    policy = dataclasses.replace(policy, skills=skills, agents={**policy.agents, **probes})
    engine = engine_at(policy, today)
    for agent in [*QUERY_AGENTS, *probes]:
        for skill_id in [*skills, "no-such-skill"]:
            decision = engine.check_skill(agent, skill_id)
            expected = reference_check_skill(policy, agent, skill_id, today)
            assert decision.allowed == expected, (agent, skill_id, decision.reason)
            assert decision.reason


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=ref_policies(), data=st.data())
def test_check_level_agrees_with_reference(
    drawn: tuple[RefPolicy, date], data: st.DataObject
) -> None:
    """``check_level`` (what validate asks) is ``check`` for an agent at that level."""
    policy, today = drawn
    engine = engine_at(policy, today)
    level = data.draw(st.sampled_from([lv.name for lv in policy.levels]), label="level")
    probe = dataclasses.replace(policy, agents={**policy.agents, "__probe__": level})
    for _ in range(4):
        package = data.draw(query_names(policy), label="package")
        version = data.draw(query_versions(policy), label="version")
        decision = engine.check_level(level, package, version, day=day_of(today))
        expected = reference_check(probe, "__probe__", package, version, today)
        assert (decision.allowed, decision.maturity_required) == expected, decision.reason


@settings(max_examples=100, deadline=None)
@given(drawn=ref_policies(), data=st.data())
def test_cached_answer_equals_fresh_answer(
    drawn: tuple[RefPolicy, date], data: st.DataObject
) -> None:
    policy, today = drawn
    engine = engine_at(policy, today)
    agent = data.draw(st.sampled_from(QUERY_AGENTS))
    package = data.draw(query_names(policy))
    version = data.draw(query_versions(policy))
    first = engine.check(agent, package, version)
    assert engine.check(agent, package, version) == first
    assert engine.cache_info().hits >= 1


def test_reference_reads_the_guide_examples() -> None:
    """Anchor the reference itself on the guide's own examples."""
    policy = RefPolicy(
        levels=(
            RefLevel(name="STUDENT", packages=False),
            RefLevel(name="INTERN", packages=True, exact_pins_only=True),
            RefLevel(name="SUPERVISED", packages=True),
            RefLevel(name="AUTONOMOUS", packages=True),
        ),
        default_level="STUDENT",
        agents={"intern-7": "INTERN", "research": "SUPERVISED"},
        approvals=(
            RefApproval(package="requests", versions=">=2.32.3,<3", min_level="SUPERVISED"),
            RefApproval(package="PyYAML", versions="==6.0.2", min_level="INTERN"),
        ),
        bans=(RefBan(package="pyyaml", versions=">=7.0"),),
    )
    today = date(2026, 1, 1)
    assert reference_check(policy, "research", "requests", "2.32.3", today) == (
        True,
        "SUPERVISED",
    )
    # packaging 25+ would admit this pre-release when prereleases is left as None.
    assert reference_check(policy, "research", "requests", "2.33.0rc1", today) == (False, None)
    assert reference_check(policy, "intern-7", "requests", "2.32.3", today) == (
        False,
        "SUPERVISED",
    )
    assert reference_check(policy, "intern-7", "py_yaml", "6.0.2", today) == (False, None)
    assert reference_check(policy, "intern-7", "pyYAML", "6.0.2", today) == (True, "INTERN")
    assert reference_check(policy, "stranger", "pyyaml", "6.0.2", today) == (False, "INTERN")
    assert reference_check(policy, "research", "pyyaml", "7.1rc1", today) == (False, None)


@pytest.mark.parametrize(
    ("transitive", "dependency", "expected"),
    [
        ("explicit", ("idna", "3.7"), True),  # approved for the agent's level
        ("explicit", ("idna", "2.0"), False),  # outside the approval
        ("explicit", ("chardet", "5.0"), False),  # not approved at all
        ("inherit", ("chardet", "5.0"), True),  # inherits requests' approval
        ("inherit", ("ctx", "0.2"), False),  # bans always apply
        ("explicit", ("ctx", "0.2"), False),
    ],
)
def test_skill_rule_for_transitive_packages(
    transitive: str, dependency: tuple[str, str], expected: bool
) -> None:
    policy = RefPolicy(
        levels=(RefLevel(name="LOW", packages=False), RefLevel(name="HIGH", packages=True)),
        default_level="LOW",
        agents={"agent": "HIGH"},
        approvals=(
            RefApproval(package="requests", versions=">=2.32,<3", min_level="HIGH"),
            RefApproval(package="IDNA", versions=">=3", min_level="HIGH"),
        ),
        bans=(RefBan(package="ctx"),),
        skills={
            "fetch": RefSkill(
                min_level="HIGH", direct=(("requests", "2.32.3"),), transitive=(dependency,)
            )
        },
        transitive=transitive,
    )
    today = date(2026, 6, 1)
    assert reference_check_skill(policy, "agent", "fetch", today) is expected
    assert engine_at(policy, today).check_skill("agent", "fetch").allowed is expected
    assert engine_at(policy, today).check_skill("stranger", "fetch").allowed is False
