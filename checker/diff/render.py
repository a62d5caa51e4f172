"""A policy diff as text (terminal), markdown (pull-request comment or job summary) or JSON."""

from __future__ import annotations

import json

from checker.diff.changes import AgentImpact, PolicyDiff

_TITLES = {
    "kill-switch": "kill switch",
    "levels-changed": "levels",
    "default-level": "default level",
    "transitive": "transitive rule",
    "approval-added": "approval added",
    "approval-removed": "approval removed",
    "approval-changed": "approval changed",
    "ban-added": "ban added",
    "ban-lifted": "ban lifted",
    "agent-added": "agent added",
    "agent-removed": "agent removed",
    "agent-graduated": "agent graduated",
    "agent-demoted": "agent demoted",
    "skill-added": "skill added",
    "skill-removed": "skill removed",
    "skill-changed": "skill changed",
}


def _impact_lines(impact: AgentImpact) -> list[str]:
    level = impact.level_before
    if impact.level_after != impact.level_before:
        level = f"{impact.level_before} -> {impact.level_after}"
    lines = [f"{impact.agent} ({level})"]
    lines += [f"  + {name} {versions}" for name, versions in impact.gains]
    lines += [f"  - {name} {versions}" for name, versions in impact.losses]
    lines += [f"  + skill {skill}" for skill in impact.skills_gained]
    lines += [f"  - skill {skill}" for skill in impact.skills_lost]
    return lines


def text(result: PolicyDiff) -> str:
    header = f"policy diff {result.base} -> {result.head}"
    if result.empty:
        return f"{header}: no change to what any agent may use or run\n"
    lines = [header, "", "changes:"]
    for change in result.changes:
        where = f" ({change.where})" if change.where else ""
        detail = f": {change.detail}" if change.detail else ""
        lines.append(f"  {_TITLES[change.kind]} {change.subject}{detail}{where}")
    if not result.changes:
        lines.append("  (none)")
    lines += ["", "blast radius (+ gains, - losses):"]
    for impact in result.impacts:
        lines += [f"  {line}" for line in _impact_lines(impact)]
    if not result.impacts:
        lines.append("  no agent gains or loses any package or skill")
    return "\n".join(lines) + "\n"


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def markdown(result: PolicyDiff) -> str:
    lines = [f"### Policy diff `{result.base}` → `{result.head}`", ""]
    if result.empty:
        return "\n".join([*lines, "No change to what any agent may use or run."]) + "\n"
    if result.changes:
        lines += ["| change | subject | detail | where |", "|---|---|---|---|"]
        lines += [
            f"| {_TITLES[c.kind]} | `{_cell(c.subject)}` | {_cell(c.detail)} | "
            f"{f'`{c.where}`' if c.where else ''} |"
            for c in result.changes
        ]
        lines.append("")
    lines.append("#### Blast radius")
    lines.append("")
    if not result.impacts:
        lines.append("No agent gains or loses any package or skill.")
    else:
        lines += ["| agent | level | gains | losses |", "|---|---|---|---|"]
        for impact in result.impacts:
            level = impact.level_before
            if impact.level_after != impact.level_before:
                level = f"{impact.level_before} → {impact.level_after}"
            gains = [f"`{n} {v}`" for n, v in impact.gains] + [
                f"skill `{s}`" for s in impact.skills_gained
            ]
            losses = [f"`{n} {v}`" for n, v in impact.losses] + [
                f"skill `{s}`" for s in impact.skills_lost
            ]
            lines.append(
                f"| `{_cell(impact.agent)}` | {level} | {'<br>'.join(gains) or '—'} | "
                f"{'<br>'.join(losses) or '—'} |"
            )
    return "\n".join(lines) + "\n"


def as_json(result: PolicyDiff) -> str:
    return json.dumps(result.to_dict(), indent=2, sort_keys=True) + "\n"


RENDERERS = {"text": text, "markdown": markdown, "json": as_json}
