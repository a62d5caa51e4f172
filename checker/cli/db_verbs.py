"""``skillgate db update|info``: the offline vulnerability DB (OSV data)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click

from checker.cli.options import repo_option, vuln_db_option
from checker.exit_codes import ExitCode
from checker.vulns.db_location import resolve_db_dir
from checker.vulns.osv_import import load_source
from checker.vulns.vuln_index import DbInfo, VulnIndex, write_index


@click.group(name="db")
def db_group() -> None:
    """The offline vulnerability DB: import OSV data, show its age and size."""


@db_group.command(name="update")
@repo_option
@vuln_db_option
@click.option(
    "--from",
    "source",
    required=True,
    metavar="PATH|URL",
    help="A directory of OSV YAML/JSON records, an OSV all.zip, or an https:// URL of one.",
)
@click.pass_context
def update(ctx: click.Context, repo: Path, vuln_db: Path | None, source: str) -> None:
    """Import OSV data into the local index, replacing the previous one atomically."""
    db_dir = resolve_db_dir(vuln_db)
    data = load_source(source, work_dir=db_dir)
    info = write_index(db_dir, data, now=datetime.now(UTC))
    click.echo(
        f"imported {info.records} records for {info.packages} packages "
        f"({info.malicious} malicious) from {info.source}; snapshot {info.snapshot} "
        f"({info.snapshot_origin}) -> {info.path}"
    )
    ctx.exit(ExitCode.OK)


@db_group.command(name="info")
@repo_option
@vuln_db_option
@click.option("--json", "as_json", is_flag=True, help="Print the DB information as JSON.")
@click.pass_context
def info(ctx: click.Context, repo: Path, vuln_db: Path | None, as_json: bool) -> None:
    """Show where the DB came from, its snapshot date and age, and its size."""
    index = VulnIndex.open(resolve_db_dir(vuln_db))
    index.close()
    click.echo(render_info(index.info, datetime.now(UTC), as_json=as_json), nl=False)
    ctx.exit(ExitCode.OK)


def render_info(info: DbInfo, now: datetime, *, as_json: bool) -> str:
    """The ``db info`` text or JSON document."""
    data = {**info.to_dict(), "age_days": round(info.age_days(now), 1)}
    if as_json:
        return json.dumps(data, indent=2, sort_keys=True) + "\n"
    return "".join(f"{key}: {value}\n" for key, value in data.items())
