"""``skillgate audit list|export|verify|checkpoint``: read and prove the audit trail."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from checker.cli.options import audit_option
from checker.exit_codes import ExitCode, UsageError

if TYPE_CHECKING:
    from checker.audit.store import Filters

_AUDIT = audit_option()


def _instant(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{value!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _filters(
    agent: str | None,
    skill: str | None,
    decision: str | None,
    kind: str | None,
    since: str | None,
    until: str | None,
) -> Filters:
    from checker.audit.store import Filters  # noqa: PLC0415 - the store module is heavy

    return Filters(
        agent=agent, skill=skill, result=decision, kind=kind,
        since=_instant(since), until=_instant(until),
    )  # fmt: skip


def _filter_options(func: click.decorators.FC) -> click.decorators.FC:
    for option in reversed(
        [
            click.option("--agent", default=None, help="Only this agent's records."),
            click.option("--skill", default=None, help="Only this skill's records."),
            click.option(
                "--decision", type=click.Choice(["allow", "deny"]), default=None,
                help="Only allowed or only denied.",
            ),
            click.option("--kind", default=None, help="decision.package, execution, build, ..."),
            click.option("--since", default=None, help="From this ISO 8601 time."),
            click.option("--until", default=None, help="Until this ISO 8601 time."),
        ]
    ):  # fmt: skip
        func = option(func)
    return func


@click.group(name="audit")
def audit_group() -> None:
    """The hash-chained audit trail: who ran what, under which policy, who decided."""


@audit_group.command(name="list")
@_AUDIT
@_filter_options
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_context
def list_cmd(
    ctx: click.Context,
    audit: str | None,
    agent: str | None,
    skill: str | None,
    decision: str | None,
    kind: str | None,
    since: str | None,
    until: str | None,
    limit: int | None,
    as_json: bool,
) -> None:
    """Records matching the filters, oldest first."""
    from checker.audit.store import open_store  # noqa: PLC0415

    filters = _filters(agent, skill, decision, kind, since, until)
    for record in open_store(audit).records(filters, limit=limit):
        if as_json:
            click.echo(json.dumps(record.to_dict(), sort_keys=True))
            continue
        event = record.event
        subject = event.get("skill") or (
            f"{event.get('package')}=={event.get('version')}" if event.get("package") else ""
        )
        extra = event.get("phase") or event.get("outcome") or ""
        click.echo(
            f"{record.seq:>8} {record.time} {record.kind:<17} {record.agent or '-':<20} "
            f"{subject:<32} {record.result or '-':<5} {event.get('rule') or ''} {extra}".rstrip()
        )
    ctx.exit(ExitCode.OK)


@audit_group.command(name="export")
@_AUDIT
@_filter_options
@click.pass_context
def export_cmd(
    ctx: click.Context,
    audit: str | None,
    agent: str | None,
    skill: str | None,
    decision: str | None,
    kind: str | None,
    since: str | None,
    until: str | None,
) -> None:
    """Every matching record as JSON lines (with seq, hash and prev_hash), for a log pipeline."""
    from checker.audit.store import open_store  # noqa: PLC0415

    store = open_store(audit)
    filters = _filters(agent, skill, decision, kind, since, until)
    after = 0
    while True:
        page = store.records(filters, after=after, limit=5000)
        for record in page:
            sys.stdout.write(json.dumps(record.to_dict(), sort_keys=True) + "\n")
        if len(page) < 5000:
            break
        after = page[-1].seq
    ctx.exit(ExitCode.OK)


@audit_group.command(name="verify")
@_AUDIT
@click.option(
    "--checkpoint",
    "checkpoints",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A checkpoint exported earlier (`audit checkpoint`): proves the tail was not cut.",
)
@click.pass_context
def verify_cmd(ctx: click.Context, audit: str | None, checkpoints: tuple[Path, ...]) -> None:
    """Walk the chain; name every record edited, removed or reordered (exit 1 if any)."""
    from checker.audit.store import open_store  # noqa: PLC0415
    from checker.audit.verify import Checkpoint, verify_store  # noqa: PLC0415

    marks = []
    for path in checkpoints:
        try:
            marks.append(Checkpoint.from_json(path.read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError) as exc:
            raise UsageError(f"{path}: not a checkpoint ({exc})") from None
    store = open_store(audit)
    walked, problems = verify_store(store, marks)
    for problem in problems:
        click.echo(str(problem))
    verdict = "intact" if not problems else f"{len(problems)} problem(s)"
    click.echo(f"{walked} record(s) in {store.location}: {verdict}", err=True)
    ctx.exit(ExitCode.FINDINGS if problems else ExitCode.OK)


@audit_group.command(name="checkpoint")
@_AUDIT
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Write it here (keep it somewhere the store's writers cannot reach).",
)  # fmt: skip
@click.pass_context
def checkpoint_cmd(ctx: click.Context, audit: str | None, output: Path | None) -> None:
    """The head of the chain (seq and hash) as JSON: a later cut of the tail is detectable."""
    from checker.audit.chain import GENESIS  # noqa: PLC0415
    from checker.audit.store import open_store  # noqa: PLC0415
    from checker.audit.verify import Checkpoint  # noqa: PLC0415

    head = open_store(audit).head()
    mark = Checkpoint(head.seq, head.hash, head.time) if head else Checkpoint(0, GENESIS)
    if output is not None:
        output.write_text(mark.to_json() + "\n", encoding="utf-8")
    click.echo(mark.to_json())
    ctx.exit(ExitCode.OK)
