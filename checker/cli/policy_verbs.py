"""Verbs over the policy itself: validate, test, compile, check, and the gate over it all."""

from __future__ import annotations

import json
from pathlib import Path

import click

from checker.bundle.build import write_bundle
from checker.bundle.current import engine_for_repo
from checker.cli.options import emit_findings, format_option, repo_option, vuln_db_option
from checker.exit_codes import ExitCode, UsageError
from checker.findings import Severity, fails
from checker.gate import GateOptions, run_gate
from checker.layout import DEFAULT_BUNDLE
from checker.policy.expectations import case_findings, run_policy_tests, summary
from checker.policy.validate import require_valid, today_utc, validate_repo
from checker.reporters import REPORTER_BY_NAME
from checker.runtime.explain import render as render_explanation

_SEVERITIES = click.Choice([s.label for s in Severity])


@click.command()
@repo_option
@format_option
@vuln_db_option
@click.option(
    "--fail-on",
    type=_SEVERITIES,
    default="error",
    show_default=True,
    help="Lowest severity that makes the exit code 1.",
)
@click.option(
    "--expiring-days",
    type=click.IntRange(min=0),
    default=30,
    show_default=True,
    help="Report approvals that expire within this many days (notice).",
)
@click.pass_context
def validate(
    ctx: click.Context,
    repo: Path,
    output_format: str,
    vuln_db: Path | None,
    fail_on: str,
    expiring_days: int,
) -> None:
    """Check schemas and semantic rules over policy/ and skills/.

    With a vulnerability DB imported, approvals of known-vulnerable releases are findings.
    """
    _, findings = validate_repo(repo, expiring_days=expiring_days, vuln_db=vuln_db)
    emit_findings(findings, output_format)
    failed = fails(findings, Severity.parse(fail_on))
    if output_format == "text" and not findings:
        click.echo("policy is valid", err=True)
    ctx.exit(ExitCode.FINDINGS if failed else ExitCode.OK)


@click.command(name="test")
@repo_option
@format_option
@click.option("-v", "--verbose", is_flag=True, help="List passing cases too (on stderr).")
@click.pass_context
def test_cmd(ctx: click.Context, repo: Path, output_format: str, verbose: bool) -> None:
    """Run the expected decisions in policy/tests; a failing case is a finding at its line."""
    loaded = require_valid(repo)
    results = run_policy_tests(loaded, today_utc())
    if verbose:
        for result in results:
            if result.passed:
                source = result.case.source
                click.echo(f"PASS {source.file}:{source.line} {result.title}", err=True)
    findings = case_findings(results)
    emit_findings(findings, output_format)
    click.echo(f"policy tests: {summary(results)}", err=True)
    ctx.exit(ExitCode.FINDINGS if findings else ExitCode.OK)


@click.command(name="compile")
@repo_option
@vuln_db_option
@click.option(
    "--sign",
    "signing_key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    envvar="SKILLGATE_SIGNING_KEY",
    help="Sign the bundle with this Ed25519 private key (`skillgate keygen`).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Bundle file [default: REPO/{DEFAULT_BUNDLE}].",
)
@click.pass_context
def compile_cmd(
    ctx: click.Context,
    repo: Path,
    vuln_db: Path | None,
    signing_key: Path | None,
    output: Path | None,
) -> None:
    """Write the compiled bundle; refuses a policy with errors (exit 1).

    The imported vulnerability DB, when there is one, is folded in: the runtime then denies
    known-vulnerable versions inside approved ranges.
    """
    target = output or repo / DEFAULT_BUNDLE
    loaded = require_valid(repo, vuln_db=vuln_db)
    bundle = write_bundle(loaded, target, vuln_db=vuln_db, sign_with=signing_key)
    db = bundle["vulnerabilities"]["db"]
    data = f"vulnerability DB {db['snapshot']}" if db else "no vulnerability DB"
    if "signature" in bundle:
        data += f", signed by key {bundle['signature']['key_id']}"
    click.echo(
        f"wrote {target} (revision {bundle['revision']}, digest {bundle['digest']}, {data})",
        err=True,
    )
    ctx.exit(ExitCode.OK)


@click.command()
@click.argument("agent")
@click.argument("package", required=False)
@click.argument("version", required=False)
@click.option("--skill", help="Decide whether AGENT may run this skill instead.")
@repo_option
@vuln_db_option
@click.option(
    "--bundle",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Decide from this bundle instead of the repository.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the decision as JSON.")
@click.option("--explain", is_flag=True, help="Show the path through the rules.")
@click.pass_context
def check(
    ctx: click.Context,
    agent: str,
    package: str | None,
    version: str | None,
    skill: str | None,
    repo: Path,
    vuln_db: Path | None,
    bundle: Path | None,
    as_json: bool,
    explain: bool,
) -> None:
    """Decide: may AGENT use PACKAGE at VERSION (exit 0 allow, 1 deny)?"""
    if skill is not None and package is not None:
        raise UsageError("give either PACKAGE VERSION or --skill, not both")
    engine = engine_for_repo(repo, bundle, vuln_db=vuln_db)
    steps: list[str] = []
    if skill is not None:
        decision = engine.check_skill(agent, skill)
    elif package is None or version is None:
        raise UsageError("give PACKAGE and VERSION, or --skill SKILL")
    else:
        decision = engine.check(agent, package, version)
        steps = engine.explain(agent, package, version) if explain else []
    if as_json:
        document = decision.to_dict()
        if explain:
            document["explain"] = steps
        click.echo(json.dumps(document, indent=2, sort_keys=True))
    elif explain and steps:
        click.echo(render_explanation(decision, steps), nl=False)
    else:
        verdict = "allow" if decision.allowed else "deny"
        click.echo(f"{verdict}: {decision.reason} (rule {decision.rule})")
    ctx.exit(ExitCode.OK if decision.allowed else ExitCode.FINDINGS)


@click.command()
@repo_option
@format_option
@vuln_db_option
@click.option(
    "--base",
    default=None,
    metavar="REV",
    help="Pull-request base: add the policy diff, and lock and scan only what changed.",
)
@click.option("--all", "everything", is_flag=True, help="With --base: lock and scan everything.")
@click.option(
    "--summary",
    default=None,
    envvar="GITHUB_STEP_SUMMARY",
    callback=lambda _ctx, _param, value: Path(value) if value else None,
    help="Append the markdown report to this file [default: $GITHUB_STEP_SUMMARY; '' for none].",
)
@click.option(
    "--sarif",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write every finding as SARIF to this file (for code scanning).",
)
@click.pass_context
def gate(
    ctx: click.Context,
    repo: Path,
    output_format: str,
    vuln_db: Path | None,
    base: str | None,
    everything: bool,
    summary: Path | None,
    sarif: Path | None,
) -> None:
    """Everything CI needs: validate, policy tests, compile, locks current, scan.

    Exit code: the worst stage's (3 when a stage could not decide, e.g. no vulnerability DB).
    """
    from checker.gate import report as gate_report  # noqa: PLC0415

    options = GateOptions(
        repo=repo, bundle_path=repo / DEFAULT_BUNDLE, vuln_db=vuln_db, base=base, all=everything
    )
    result = run_gate(options)
    if summary is not None:
        with summary.open("a", encoding="utf-8") as out:
            out.write(gate_report.markdown(result))
    if sarif is not None:
        sarif.write_text(REPORTER_BY_NAME["sarif"](result.findings), encoding="utf-8")
    if output_format == "markdown":
        click.echo(gate_report.markdown(result), nl=False)
    elif output_format == "json":
        click.echo(gate_report.as_json(result), nl=False)
    else:
        emit_findings(result.findings, output_format)
        if result.diff is not None and output_format == "text":
            from checker.diff.render import text as diff_text  # noqa: PLC0415

            click.echo(diff_text(result.diff), err=True, nl=False)
        for line in gate_report.stage_lines(result):
            click.echo(line, err=True)
    ctx.exit(result.exit_code)
