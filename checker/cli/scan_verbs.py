"""``skillgate scan [SKILL]``: vulnerabilities and heuristics over the locked packages."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from checker.cli.options import emit_findings, format_option, repo_option, vuln_db_option
from checker.exit_codes import ExitCode
from checker.findings import fails, sort_findings
from checker.heuristics import scan_artifacts
from checker.policy.load import load_repo
from checker.scan.run import ENGINES, HeuristicsScan, ScanOptions, run_scan


@click.command()
@repo_option
@format_option
@vuln_db_option
@click.argument("skill", required=False)
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default="ours",
    show_default=True,
    help="ours: the offline OSV index; pip-audit: the real pip-audit against the same data "
    "served on 127.0.0.1 (or api.osv.dev with --online).",
)
@click.option(
    "--online",
    is_flag=True,
    help="With --engine pip-audit: ask api.osv.dev instead of the local DB.",
)
@click.option(
    "--cache",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Artifact cache directory [default: $SKILLGATE_CACHE, else XDG cache].",
)
@click.option(
    "--no-heuristics",
    is_flag=True,
    help="Scan for known vulnerabilities only (the report says so).",
)
@click.pass_context
def scan(
    ctx: click.Context,
    repo: Path,
    output_format: str,
    vuln_db: Path | None,
    skill: str | None,
    engine: str,
    online: bool,
    cache: Path | None,
    no_heuristics: bool,
) -> None:
    """Scan every skill's lock (or SKILL's) for known vulnerabilities and malicious code.

    Exit 0 when nothing fails the gates in policy/scanning.yaml, 1 when something does,
    3 when the scan cannot decide (no DB, stale DB, missing lock or artifact, tool error).
    """
    options = ScanOptions(
        skill=skill,
        engine=engine,
        vuln_db=vuln_db,
        online=online,
        cache=cache,
        progress=sys.stderr.isatty(),
    )
    heuristics: HeuristicsScan | None = None if no_heuristics else scan_artifacts
    result = run_scan(load_repo(repo), options, heuristics=heuristics, now=datetime.now(UTC))
    findings = sort_findings(result.findings)
    emit_findings(findings, output_format)
    checks = "vulnerabilities" + (" and heuristics" if heuristics is not None else " only")
    click.echo(
        f"scanned {result.packages} packages in {result.locks} locks ({engine} engine, {checks})",
        err=True,
    )
    ctx.exit(ExitCode.FINDINGS if fails(findings) else ExitCode.OK)
