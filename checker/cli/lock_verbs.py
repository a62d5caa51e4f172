"""Verbs over skill locks: ``lock [SKILL] [--check]`` and ``tree SKILL [--json]``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click

from checker.cli.options import emit_findings, format_option, repo_option
from checker.exit_codes import ExitCode, SkillgateError, UsageError
from checker.findings import fails
from checker.layout import lock_file
from checker.lock.lockfile import read_lock
from checker.lock.resolver import RESOLVER_ENV, RESOLVERS
from checker.lock.skill_locks import lock_repo
from checker.lock.tree import build_tree, render_text, to_json
from checker.policy.load import load_repo

_SKILL_ID = re.compile(r"[a-z0-9][a-z0-9._-]*")
_PROJECT = re.compile(r"[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]")


@click.command(name="lock")
@click.argument("skill", required=False)
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Write nothing; fail when a lock is missing, stale or edited by hand.",
)
@click.option(
    "--resolver",
    type=click.Choice(RESOLVERS),
    default=None,
    help=f"uv (default) or pip; default from ${RESOLVER_ENV}. Both give the same lock for "
    "the same indexes.",
)
@click.option(
    "--allow-sdist",
    "allow_sdist",
    metavar="NAME",
    multiple=True,
    help="NAME may be built from its sdist (pinned with ==) when it has no wheel for the "
    "target: in a hardened, network-less sandbox container. Repeatable.",
)
@repo_option
@format_option
@click.pass_context
def lock_cmd(
    ctx: click.Context,
    skill: str | None,
    check_only: bool,
    resolver: str | None,
    allow_sdist: tuple[str, ...],
    repo: Path,
    output_format: str,
) -> None:
    """Resolve skills' requirements into hash-pinned requirements.lock files.

    Resolution is for the sandbox target (policy/sandbox.yaml), not this host: the same
    lock from any OS and Python. Wheels only, nothing run on this host; a package that only
    ships an sdist is built in the sandbox when --allow-sdist or its approval's
    build_from_source allows it. Every locked package is checked against the bans.
    """
    for name in allow_sdist:
        if not _PROJECT.fullmatch(name):
            raise UsageError(f"--allow-sdist {name!r}: not a package name")
    report = lock_repo(
        load_repo(repo),
        skill,
        check_only=check_only,
        resolver=resolver,
        allow_sdist=allow_sdist,
    )
    for outcome in report.outcomes:
        rel = outcome.path.relative_to(repo).as_posix()
        for built in outcome.built:
            click.echo(
                f"{rel}: {built.inputs.label} built from {built.inputs.sdist.filename} in the "
                f"sandbox ({built.file.filename} sha256:{built.file.sha256[:16]}...)",
                err=True,
            )
        if not outcome.findings or outcome.packages:
            state = "written" if outcome.written else "unchanged"
            plural = "" if outcome.packages == 1 else "s"
            click.echo(f"{rel}: {outcome.packages} package{plural}, {state}", err=True)
    emit_findings(report.findings, output_format)
    if output_format == "text" and check_only and not report.findings:
        click.echo(f"locks are current for {report.target.tag}", err=True)
    ctx.exit(ExitCode.FINDINGS if fails(report.findings) else ExitCode.OK)


@click.command(name="tree")
@click.argument("skill")
@click.option("--json", "as_json", is_flag=True, help="pipdeptree --json-tree shaped output.")
@repo_option
@click.pass_context
def tree_cmd(ctx: click.Context, skill: str, as_json: bool, repo: Path) -> None:
    """Print the dependency tree of SKILL from its lock file (nothing is installed or run)."""
    if not _SKILL_ID.fullmatch(skill):
        raise UsageError(f"invalid skill id {skill!r}")
    rel = lock_file(skill)
    if not (repo / rel).is_file():
        raise SkillgateError(f"{rel} does not exist; run `skillgate lock {skill}`")
    lock = read_lock(repo / rel)
    if lock.hand_edited:
        click.echo(f"Warning: {rel} was edited by hand", err=True)
    roots = build_tree(lock)
    if as_json:
        click.echo(json.dumps(to_json(roots), indent=2, sort_keys=True))
    else:
        click.echo(render_text(roots), nl=False)
    ctx.exit(ExitCode.OK)
