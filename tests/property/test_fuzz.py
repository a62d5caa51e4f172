"""Nothing an agent can send makes the runtime raise, and nothing malformed is allowed.

Also: the YAML loader turns any text into (Document | None, findings), never an exception.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.version import InvalidVersion, Version

from checker.runtime import Engine
from checker.runtime.decision import Decision
from checker.runtime.specs import MAX_INPUT_LENGTH, canonical_name
from checker.yaml import Document, load_text
from tests.property.bundles import bundle_for
from tests.property.reference import RefApproval, RefBan, RefLevel, RefPolicy, RefSkill

# A permissive policy: every version of a few names, pre-releases included, so that an
# allow is possible and the fuzzer must prove that only well-formed queries get one.
_PERMISSIVE = RefPolicy(
    levels=(RefLevel(name="LOW", packages=True), RefLevel(name="HIGH", packages=True)),
    default_level="LOW",
    agents={"agent": "HIGH"},
    approvals=tuple(
        RefApproval(package=name, versions="*", min_level="LOW", prereleases=True)
        for name in ("requests", "a", "x-y")
    ),
    bans=(RefBan(package="evil"),),
    skills={"skill": RefSkill(min_level="LOW", direct=(("requests", "2.0"),))},
)
ENGINE = Engine.from_bundle(bundle_for(_PERMISSIVE), cache_size=64)
APPROVED = {"requests", "a", "x-y"}

# Every code point, surrogates included (st.text() leaves them out by default).
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=300)
long_text = st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=3), st.integers(1, 4000))
non_str = st.one_of(
    st.none(),
    st.integers(),
    st.floats(allow_nan=True),
    st.binary(max_size=20),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.just(b"requests"),
)
near_valid = st.sampled_from(
    ("requests", "Requests", "requests\n", " requests", "requests\x00", "REQUESTS", "x_y", "a")
)
near_version = st.sampled_from(
    ("2.0", "2.0\n", " 2.0 ", "2.0\x00", "v2.0", "2.0rc1", "1!2.0+cpu", "2.0.post1.dev3")
)
agent_values = st.one_of(any_text, long_text, non_str, st.just("agent"))
package_values = st.one_of(any_text, long_text, non_str, near_valid)
version_values = st.one_of(any_text, long_text, non_str, near_version)
_FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _well_formed(package: Any, version: Any) -> bool:
    if not (isinstance(package, str) and isinstance(version, str)):
        return False
    if len(package) > MAX_INPUT_LENGTH or len(version) > MAX_INPUT_LENGTH:
        return False
    try:
        Version(version)
    except InvalidVersion:
        return False
    return canonical_name(package) in APPROVED and package.strip() == package


@_FUZZ
@given(agent=agent_values, package=package_values, version=version_values)
def test_check_never_raises_and_allows_only_well_formed(
    agent: Any, package: Any, version: Any
) -> None:
    decision = ENGINE.check(agent, package, version)
    assert isinstance(decision, Decision)
    assert decision.reason
    assert decision.rule
    assert decision.revision == "rev-1"
    if decision.allowed:
        assert _well_formed(package, version), decision
    if not isinstance(package, str) or not isinstance(version, str):
        assert decision.allowed is False


@_FUZZ
@given(agent=agent_values, skill=st.one_of(any_text, long_text, non_str, st.just("skill")))
def test_check_skill_never_raises(agent: Any, skill: Any) -> None:
    decision = ENGINE.check_skill(agent, skill)
    assert isinstance(decision, Decision)
    assert decision.reason
    if decision.allowed:
        assert skill == "skill"
        assert isinstance(agent, str)


@_FUZZ
@given(agent=any_text, package=st.one_of(any_text, near_valid), version=any_text)
def test_explain_never_raises(agent: str, package: str, version: str) -> None:
    steps = ENGINE.explain(agent, package, version)
    assert steps
    assert all(isinstance(step, str) for step in steps)


@pytest.mark.parametrize(
    ("package", "version", "rule"),
    [
        ("requests\n", "2.0", "invalid-name"),
        ("a" * (MAX_INPUT_LENGTH + 1), "1.0", "invalid-name"),
        ("requests", "1" * 100_000, "invalid-version"),
        ("requests", "2.0\x00", "invalid-version"),
        ("\ud800", "2.0", "invalid-name"),
        ("requests", "\udfff", "invalid-version"),
        ("", "", "invalid-name"),
    ],
)
def test_malformed_input_is_denied_with_its_rule(package: str, version: str, rule: str) -> None:
    decision = ENGINE.check("agent", package, version)
    assert decision.allowed is False
    assert decision.rule == rule
    assert decision.maturity_required is None


def test_non_string_input_is_denied() -> None:
    none: Any = None
    listed: Any = ["agent"]
    decision = ENGINE.check("agent", none, "1.0")
    assert (decision.allowed, decision.rule) == (False, "invalid-input")
    assert ENGINE.check_skill(listed, "skill").rule == "invalid-input"


yaml_alphabet = st.sampled_from([*":-[]{}&*!|>'\"#%@`,?\n\t ab1\x00\ufeff\u2028", "<<", "\\"])
yaml_like = st.lists(yaml_alphabet, max_size=200).map("".join)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(any_text, yaml_like))
def test_yaml_loader_never_raises(text: str) -> None:
    document, findings = load_text(text, "policy/fuzz.yaml")
    assert document is None or isinstance(document, Document)
    if document is None:
        assert findings
    assert all(f.file == "policy/fuzz.yaml" for f in findings)


@pytest.mark.parametrize("depth", [100, 2_000, 50_000])
def test_yaml_loader_refuses_deep_nesting(depth: int) -> None:
    document, findings = load_text("a: " + "[" * depth + "]" * depth, "policy/deep.yaml")
    assert document is None
    assert findings


def test_yaml_loader_refuses_lone_surrogates() -> None:
    """No file can hold one (load_file decodes strict UTF-8), but load_text takes any str."""
    document, findings = load_text("a: '\ud800'\n", "policy/surrogate.yaml")
    assert document is None
    assert findings
