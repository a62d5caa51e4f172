"""``skillgate diff BASE [HEAD]``: approvals, bans, agents and skills changed, and who gains or
loses access to what."""

from __future__ import annotations

from pathlib import Path

import click

from checker.cli.options import repo_option
from checker.exit_codes import ExitCode


@click.command(name="diff")
@click.argument("base")
@click.argument("head", required=False)
@repo_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
    help="How the diff is printed.",
)
@click.pass_context
def diff_cmd(
    ctx: click.Context, base: str, head: str | None, repo: Path, output_format: str
) -> None:
    """What changes from git revision BASE to HEAD (default: the working tree).

    Compiles both sides and evaluates them: approvals added, removed, widened or narrowed;
    bans added or lifted; agents added, removed, graduated or demoted; skills added or
    changed; and the blast radius, which agents gain or lose which packages (as exact
    version ranges) and which skills. A change that only reformats YAML shows nothing.
    """
    from checker.diff import diff_revisions  # noqa: PLC0415 - keep CLI start fast
    from checker.diff.render import RENDERERS  # noqa: PLC0415
    from checker.policy.validate import today_utc  # noqa: PLC0415

    result = diff_revisions(repo, base, head, today_utc())
    click.echo(RENDERERS[output_format](result), nl=False)
    ctx.exit(ExitCode.OK)
