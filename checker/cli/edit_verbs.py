"""Verbs that write a reviewed policy change for a pull request: ``approve``, ``ban``,
``graduate`` and ``demote``.

Each edits one YAML file in place (comments, key order and layout kept), refuses a change that
would not validate (exit 1, nothing written), and prints a markdown block for the pull request
on stdout; progress goes to stderr.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from checker.cli.options import emit_findings, format_option, repo_option, vuln_db_option
from checker.exit_codes import ExitCode

if TYPE_CHECKING:
    from checker.edit.review import EditOutcome

_DRY_RUN = click.option(
    "--dry-run", is_flag=True, help="Check the change and print its block; write nothing."
)


def _progress(message: str) -> None:
    click.echo(message, err=True)


def _finish(ctx: click.Context, run: Callable[[], EditOutcome], output_format: str) -> None:
    """Print the outcome of ``run()`` (or, when refused, its findings) and exit."""
    from checker.edit import EditRefused  # noqa: PLC0415 - keep CLI start fast

    try:
        outcome = run()
    except EditRefused as refused:
        emit_findings(refused.findings, output_format)
        raise
    edit = outcome.review.edit
    state = "wrote" if outcome.written else "would write (--dry-run)"
    breaks = len(outcome.review.breaks)
    elsewhere = (
        f"; it breaks {breaks} thing{'s' if breaks != 1 else ''} elsewhere" if breaks else ""
    )
    click.echo(f"{state} {edit.rel} (line {edit.line}){elsewhere}", err=True)
    click.echo(outcome.markdown, nl=False)
    ctx.exit(ExitCode.OK)


def _now() -> datetime:
    return datetime.now(UTC)


@click.command(name="approve")
@click.argument("requirement")
@click.option("--min-level", required=True, help="The lowest maturity level the approval admits.")
@click.option("--reason", required=True, help="Why the package is needed (shown to reviewers).")
@click.option(
    "--approved-by", help="Who approves it [default: `git config user.email` of the repository]."
)
@click.option("--ticket", help="Tracking ticket, e.g. SEC-123.")
@click.option(
    "--expires", type=click.DateTime(formats=["%Y-%m-%d"]), help="Last day it applies (UTC)."
)
@click.option(
    "--not-a-typosquat-of",
    metavar="NAME",
    help="The popular package this name resembles but is not a typosquat of (recorded).",
)
@_DRY_RUN
@repo_option
@vuln_db_option
@format_option
@click.pass_context
def approve_cmd(
    ctx: click.Context,
    requirement: str,
    min_level: str,
    reason: str,
    approved_by: str | None,
    ticket: str | None,
    expires: datetime | None,
    not_a_typosquat_of: str | None,
    dry_run: bool,
    repo: Path,
    vuln_db: Path | None,
    output_format: str,
) -> None:
    """Approve REQUIREMENT ('NAME==VERSION' or 'NAME>=A,<B') in policy/packages/<name>.yaml.

    The release must exist on the configured package index with a wheel for the sandbox
    target (for a specifier: the newest release it admits), and that wheel must pass the
    vulnerability DB and the malicious-code heuristics; nothing is installed or run. A name
    that resembles a popular package needs --not-a-typosquat-of. Exit 1 when refused (nothing
    written), 3 when the index cannot be reached or no vulnerability DB is imported.
    """
    from checker.edit.approve import ApproveOptions, approve  # noqa: PLC0415

    options = ApproveOptions(
        requirement=requirement,
        min_level=min_level,
        reason=reason,
        approved_by=approved_by,
        ticket=ticket,
        expires=expires.date() if expires else None,
        not_a_typosquat_of=not_a_typosquat_of,
        vuln_db=vuln_db,
        dry_run=dry_run,
    )
    _finish(ctx, lambda: approve(repo, options, now=_now(), progress=_progress), output_format)


@click.command(name="ban")
@click.argument("target", metavar="'NAME[SPECIFIER]'")
@click.option("--reason", required=True, help="Why it is banned (shown to reviewers).")
@click.option("--ticket", help="Tracking ticket, e.g. SEC-123.")
@_DRY_RUN
@repo_option
@vuln_db_option
@format_option
@click.pass_context
def ban_cmd(
    ctx: click.Context,
    target: str,
    reason: str,
    ticket: str | None,
    dry_run: bool,
    repo: Path,
    vuln_db: Path | None,
    output_format: str,
) -> None:
    """Ban a package ('ctx') or some of its versions ('pyyaml<5.4') in policy/bans.yaml.

    Shows what the ban breaks (skills that lock the package, policy tests, every agent that
    loses it) without refusing for it; refuses (exit 1) when bans.yaml itself would not
    validate.
    """
    from checker.edit.ban import BanOptions, ban  # noqa: PLC0415

    options = BanOptions(
        target=target, reason=reason, ticket=ticket, vuln_db=vuln_db, dry_run=dry_run
    )
    _finish(ctx, lambda: ban(repo, options, today=_now().date()), output_format)


def _level_command(direction: str, summary: str) -> click.Command:
    @click.command(name=direction, help=summary)
    @click.argument("agent")
    @click.argument("level")
    @click.option("--owner", help="Register AGENT, not yet in policy/agents.yaml, for this team.")
    @_DRY_RUN
    @repo_option
    @vuln_db_option
    @format_option
    @click.pass_context
    def command(
        ctx: click.Context,
        agent: str,
        level: str,
        owner: str | None,
        dry_run: bool,
        repo: Path,
        vuln_db: Path | None,
        output_format: str,
    ) -> None:
        from checker.edit.graduate import LevelChange, change_level  # noqa: PLC0415

        options = LevelChange(
            agent=agent,
            level=level,
            direction=direction,
            owner=owner,
            vuln_db=vuln_db,
            dry_run=dry_run,
        )
        _finish(ctx, lambda: change_level(repo, options, today=_now().date()), output_format)

    return command


_LEVEL_HELP = """{verb} AGENT to LEVEL in policy/agents.yaml and show the blast radius.

{direction} An unknown agent is a usage error unless --owner registers it. Exit 2 for an
unknown agent or level.
"""
graduate_cmd = _level_command(
    "graduate",
    _LEVEL_HELP.format(
        verb="Graduate",
        direction="Only moves up; `skillgate demote` moves down.",
    ),
)
demote_cmd = _level_command(
    "demote",
    _LEVEL_HELP.format(verb="Demote", direction="Only moves down; `skillgate graduate` moves up."),
)
