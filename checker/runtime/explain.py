"""``check --explain``: the path a decision took through the rules, step by step."""

from __future__ import annotations

from packaging.version import InvalidVersion, Version

from checker.runtime.compiled import CompiledBundle
from checker.runtime.decision import Decision
from checker.runtime.specs import canonical_name, valid_name


def explain(state: CompiledBundle, agent: str, package: str, version: str, day: int) -> list[str]:
    """Human-readable steps mirroring ``decide``; the decision itself comes from ``decide``."""
    steps = [f"1. kill switch: {'enabled' if state.enabled else 'DISABLED -> deny'}"]
    if not state.enabled:
        return steps
    rank = state.agents.get(agent)
    if rank is None:
        steps.append(
            f"2. agent {agent!r} is not registered -> default level "
            f"{state.levels[state.default_rank].name}"
        )
        rank = state.default_rank
    else:
        steps.append(f"2. agent {agent!r} is {state.levels[rank].name}")
    level = state.levels[rank]
    if not valid_name(package):
        steps.append(f"3. {package!r} is not a valid package name -> deny")
        return steps
    try:
        parsed = Version(version)
    except InvalidVersion:
        steps.append(f"3. {version!r} is not a valid PEP 440 version -> deny")
        return steps
    name = canonical_name(package)
    steps.append(f"3. package {name} (normalised), version {parsed}")
    bans = state.bans.get(name, ())
    if not bans:
        steps.append("4. no ban for this package")
    for ban in bans:
        verdict = "covers it -> deny" if ban.covers(parsed) else "does not cover it"
        steps.append(f"4. ban {ban.versions!r} at {ban.source} {verdict}")
    steps.append(
        f"5. level {level.name}: packages {'allowed' if level.packages else 'NOT allowed -> deny'}"
        + (", exact pins only" if level.exact_pins_only else "")
    )
    approvals = state.approvals.get(name, ())
    if not approvals:
        steps.append("6. no approval for this package -> deny (not approved)")
    for approval in approvals:
        if approval.last_day is not None and day > approval.last_day:
            why = "expired"
        elif level.exact_pins_only and not approval.exact:
            why = "not an exact pin (level takes exact pins only)"
        elif not approval.applies(parsed, day, exact_only=False):
            why = "does not contain the version"
        elif approval.min_rank > rank:
            why = f"applies but needs {state.levels[approval.min_rank].name}"
        else:
            why = "applies and admits this level -> allow"
        steps.append(f"6. approval {approval.versions!r} at {approval.source}: {why}")
    return steps


def render(decision: Decision, steps: list[str]) -> str:
    verdict = "ALLOW" if decision.allowed else "DENY"
    lines = [*steps, f"=> {verdict}: {decision.reason} (rule {decision.rule})"]
    return "\n".join(lines) + "\n"
