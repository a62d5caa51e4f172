"""``skillgate graduate`` and ``skillgate demote``: an agent's ``level`` in
``policy/agents.yaml`` moved up or down, or a new agent registered (``--owner``).

The two verbs are one change with a direction, so that a typo in the level cannot silently
demote an agent meant to graduate (or the reverse): ``graduate`` only moves up, ``demote``
only down.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from checker.edit.pull_request import render
from checker.edit.review import EditOutcome, read_text, review, write
from checker.edit.yaml_edit import append_entry, set_field
from checker.exit_codes import PolicyError, UsageError
from checker.layout import AGENTS_FILE, MATURITY_FILE
from checker.policy.load import load_repo

GRADUATE = "graduate"
DEMOTE = "demote"


@dataclass(frozen=True, kw_only=True, slots=True)
class LevelChange:
    """``skillgate graduate|demote AGENT LEVEL`` from the command line."""

    agent: str
    level: str
    direction: str
    owner: str | None = None
    vuln_db: Path | None = None
    dry_run: bool = False


def change_level(repo: Path, options: LevelChange, *, today: date) -> EditOutcome:
    """Set the agent's level (or register it); UsageError for an unknown agent or level, or a
    move in the other direction."""
    loaded = load_repo(repo)
    levels = [level.name for level in loaded.policy.levels]
    if not levels:
        errors = [f for f in loaded.findings if f.file == MATURITY_FILE]
        raise PolicyError(f"{MATURITY_FILE} defines no levels; run `skillgate validate`", errors)
    level = _known_level(options.level, levels)
    agents = {agent.id: agent for agent in loaded.policy.agents}
    before = read_text(repo / AGENTS_FILE)
    verb = options.direction.capitalize()
    registered = agents.get(options.agent)
    if registered is not None:
        if options.owner:
            raise UsageError(
                f"{options.agent} is already registered (owner {registered.owner or 'none'}); "
                "--owner only registers a new agent"
            )
        _check_direction(options, registered.level, level, levels, allow_same=False)
        assert before is not None  # the agent was read from it
        edit = set_field(
            AGENTS_FILE,
            before,
            "agents",
            match=("id", options.agent),
            field="level",
            value=level,
        )
        title = f"{verb} `{options.agent}`: {registered.level} → {level}"
    else:
        default = loaded.policy.default_level
        if not options.owner:
            raise UsageError(
                f"unknown agent {options.agent!r}: it is not in {AGENTS_FILE} (unregistered "
                f"agents get {default}); pass --owner TEAM to register it at {level}"
            )
        _check_direction(options, default, level, levels, allow_same=True)
        entry = {"id": options.agent, "level": level, "owner": options.owner}
        edit = append_entry(AGENTS_FILE, before, "agents", entry)
        title = f"{verb} `{options.agent}` (new, owner {options.owner}): {default} → {level}"
    checked = review(loaded, edit, today=today, vuln_db=options.vuln_db)
    if not options.dry_run:
        write(repo, edit)
    return EditOutcome(review=checked, written=not options.dry_run, markdown=render(title, checked))


def _known_level(wanted: str, levels: list[str]) -> str:
    """The level named ``wanted`` (exactly, else ignoring case); UsageError otherwise."""
    if wanted in levels:
        return wanted
    folded = [name for name in levels if name.casefold() == wanted.casefold()]
    if len(folded) == 1:
        return folded[0]
    raise UsageError(f"unknown level {wanted!r}; known levels: {', '.join(levels)}")


def _check_direction(
    options: LevelChange, current: str, level: str, levels: list[str], *, allow_same: bool
) -> None:
    if current not in levels:
        return  # an unknown level (validate reports it) may be fixed either way
    old, new = levels.index(current), levels.index(level)
    if old == new and not allow_same:
        raise UsageError(f"{options.agent} is already {level}")
    if options.direction == GRADUATE and new < old:
        raise UsageError(
            f"{level} is below {current}: use `skillgate demote {options.agent} {level}`"
        )
    if options.direction == DEMOTE and new > old:
        raise UsageError(
            f"{level} is above {current}: use `skillgate graduate {options.agent} {level}`"
        )
