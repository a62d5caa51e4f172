"""The decision semantics of the architecture guide, as pure functions of a compiled bundle.

Each function returns a Decision for every input, allow or deny with a reason; none
raises on what an agent can send.
"""

from __future__ import annotations

from packaging.version import InvalidVersion, Version

from checker.runtime.compiled import CompiledApproval, CompiledBundle
from checker.runtime.decision import Decision
from checker.runtime.specs import MAX_INPUT_LENGTH, canonical_name, valid_name


def deny(state: CompiledBundle, rule: str, reason: str, maturity: str | None = None) -> Decision:
    return Decision(False, maturity, reason, rule, state.revision, state.vulnerability_db)


def _advisory(state: CompiledBundle, name: str, version: Version, day: int) -> Decision | None:
    """Step 7: a known (not waived) advisory affecting a version the policy would allow."""
    for advisory in state.advisories.get(name, ()):
        if advisory.affects(version, day):
            aliases = f" ({', '.join(advisory.aliases)})" if advisory.aliases else ""
            what = "is a malicious release" if advisory.malicious else "is known-vulnerable"
            fixed = f"; fixed in {advisory.fixed}" if advisory.fixed else "; no fixed version"
            return deny(
                state,
                advisory.id,
                f"{name}=={version} {what}: {advisory.id}{aliases}{fixed}: {advisory.summary}",
            )
    return None


def decide(state: CompiledBundle, agent: str, package: str, version: str, day: int) -> Decision:
    """The decision semantics of the architecture guide, for an agent id."""
    if not state.enabled:
        return deny(
            state, "disabled", "skillgate is disabled (kill switch): every package is denied"
        )
    rank = state.agents.get(agent)
    prefix = ""
    if rank is None:
        rank = state.default_rank
        shown = agent if len(agent) <= 64 else agent[:64] + "..."
        prefix = f"unknown agent {shown!r} gets the default level {state.levels[rank].name}; "
    return decide_for_rank(state, rank, prefix, package, version, day)


def decide_for_rank(
    state: CompiledBundle, rank: int, prefix: str, package: str, version: str, day: int
) -> Decision:
    """Steps 3-6 of the decision semantics for an agent at ``rank``."""
    if not state.enabled:
        return deny(
            state, "disabled", "skillgate is disabled (kill switch): every package is denied"
        )
    if len(package) > MAX_INPUT_LENGTH or not valid_name(package):
        return deny(state, "invalid-name", f"{prefix}{package[:64]!r} is not a valid package name")
    if len(version) > MAX_INPUT_LENGTH:
        return deny(state, "invalid-version", f"{prefix}version string is too long")
    try:
        parsed = Version(version)
    except InvalidVersion:
        return deny(
            state, "invalid-version", f"{prefix}{version[:64]!r} is not a valid PEP 440 version"
        )
    name = canonical_name(package)
    for ban in state.bans.get(name, ()):
        if ban.covers(parsed):
            return deny(state, ban.source, f"{prefix}{name} {ban.versions} is banned: {ban.reason}")
    # Expiry and containment do not depend on the level: test each approval once
    # (the costly part of a cache miss), then only ranks and exact pins per level.
    matching = [a for a in state.approvals.get(name, ()) if a.matches(parsed, day)]
    lowest = _lowest_admitting(state, matching)
    level = state.levels[rank]
    if not level.packages:
        return deny(
            state,
            "level-no-packages",
            f"{prefix}level {level.name} may not use third-party packages",
            lowest,
        )
    applicable = [a for a in matching if a.exact or not level.exact_pins_only]
    for approval in applicable:
        if approval.min_rank <= rank:
            vulnerable = _advisory(state, name, parsed, day)
            if vulnerable is not None:
                return vulnerable
            return Decision(
                True,
                lowest,
                f"{prefix}{name}=={version} approved ({approval.versions}) for "
                f"{state.levels[approval.min_rank].name} and above",
                approval.source,
                state.revision,
                state.vulnerability_db,
            )
    if applicable:
        needed = min(applicable, key=lambda a: a.min_rank)
        return deny(
            state,
            needed.source,
            f"{prefix}{name}=={version} needs level "
            f"{lowest or state.levels[needed.min_rank].name}; the agent is {level.name}",
            lowest,
        )
    return deny(
        state,
        "not-approved",
        f"{prefix}{name}=={version} is not approved for level {level.name}",
        lowest,
    )


def _lowest_admitting(state: CompiledBundle, matching: list[CompiledApproval]) -> str | None:
    """The lowest level that one of the ``matching`` approvals would admit, else None."""
    if not matching:
        return None
    for rank, level in enumerate(state.levels):
        if not level.packages:
            continue
        for approval in matching:
            if approval.min_rank <= rank and (approval.exact or not level.exact_pins_only):
                return level.name
    return None


def decide_skill(state: CompiledBundle, agent: str, skill_id: str, day: int) -> Decision:
    """``check_skill``: the agent's level reaches the skill's and every package is allowed."""
    if not state.enabled:
        return deny(state, "disabled", "skillgate is disabled (kill switch): no skill may run")
    skill = state.skills.get(skill_id)
    if skill is None:
        return deny(state, "unknown-skill", f"unknown skill {skill_id[:64]!r}")
    rank = state.agents.get(agent, state.default_rank)
    level = state.levels[rank]
    min_level = state.levels[skill.min_rank].name
    if rank < skill.min_rank:
        return deny(
            state,
            skill.source,
            f"skill {skill_id} needs level {min_level}; agent {agent[:64]!r} is {level.name}",
            min_level,
        )
    needed = skill.min_rank
    for name, version in skill.direct:
        decision = decide(state, agent, name, version, day)
        if not decision.allowed:
            required = decision.maturity_required
            if required is not None:
                required = state.levels[max(needed, state.rank[required])].name
            return Decision(
                False,
                required,
                f"skill {skill_id} needs {name}=={version}: {decision.reason}",
                decision.rule,
                state.revision,
                state.vulnerability_db,
            )
        if decision.maturity_required is not None:
            needed = max(needed, state.rank[decision.maturity_required])
    for name, version in skill.transitive:
        if state.transitive == "explicit":
            decision = decide(state, agent, name, version, day)
        else:
            decision = _transitive_inherit(state, name, version, day)
        if not decision.allowed:
            return Decision(
                False,
                decision.maturity_required,
                f"skill {skill_id} pulls in {name}=={version}: {decision.reason}",
                decision.rule,
                state.revision,
                state.vulnerability_db,
            )
    return Decision(
        True,
        state.levels[needed].name,
        f"skill {skill_id} allowed for {level.name}: every package it locks is allowed",
        skill.source,
        state.revision,
        state.vulnerability_db,
    )


def _transitive_inherit(state: CompiledBundle, name: str, version: str, day: int) -> Decision:
    """A transitive package inherits its parent's approval; bans still apply."""
    try:
        parsed = Version(version)
    except InvalidVersion:
        return deny(state, "invalid-version", f"{version[:64]!r} is not a valid PEP 440 version")
    for ban in state.bans.get(name, ()):
        if ban.covers(parsed):
            return deny(state, ban.source, f"{name} {ban.versions} is banned: {ban.reason}")
    vulnerable = _advisory(state, name, parsed, day)
    if vulnerable is not None:
        return vulnerable
    return Decision(
        True,
        None,
        "inherits its parent's approval",
        "transitive-inherit",
        state.revision,
        state.vulnerability_db,
    )
