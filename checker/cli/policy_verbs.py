"""Verbs over the policy itself: validate, test, compile, check."""

from __future__ import annotations

import json
from pathlib import Path

import click

from checker.bundle.build import build_bundle, write_bundle
from checker.bundle.current import engine_for_repo
from checker.cli.options import emit_findings, format_option, repo_option, vuln_db_option
from checker.exit_codes import ExitCode, UsageError
from checker.findings import Severity
from checker.gate.stages import policy_test_lines, run_gate
from checker.layout import DEFAULT_BUNDLE
from checker.policy.expectations import run_cases
from checker.policy.validate import has_errors, today_utc, validate_repo
from checker.runtime.explain import render as render_explanation

_SEVERITIES = click.Choice([s.label for s in Severity])


@click.command()
@repo_option
@format_option
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
    ctx: click.Context, repo: Path, output_format: str, fail_on: str, expiring_days: int
) -> None:
    """Check schemas and semantic rules over policy/ and skills/."""
    _, findings = validate_repo(repo, expiring_days=expiring_days)
    emit_findings(findings, output_format)
    failed = has_errors(findings, Severity.parse(fail_on))
    if output_format == "text" and not findings:
        click.echo("policy is valid", err=True)
    ctx.exit(ExitCode.FINDINGS if failed else ExitCode.OK)


@click.command(name="test")
@repo_option
@click.option("-v", "--verbose", is_flag=True, help="Print passing cases too.")
@click.pass_context
def test_cmd(ctx: click.Context, repo: Path, verbose: bool) -> None:
    """Run the expected decisions in policy/tests."""
    loaded, findings = validate_repo(repo)
    if has_errors(findings):
        emit_findings([f for f in findings if f.severity is Severity.ERROR], "text")
        click.echo("Error: the policy has errors; fix them before testing", err=True)
        ctx.exit(ExitCode.FINDINGS)
    results = list(run_cases(build_bundle(loaded), loaded.policy.cases, today_utc()))
    failed, lines = policy_test_lines(results, verbose=verbose)
    click.echo("\n".join(lines))
    ctx.exit(ExitCode.FINDINGS if failed else ExitCode.OK)


@click.command(name="compile")
@repo_option
@format_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Bundle file [default: REPO/{DEFAULT_BUNDLE}].",
)
@click.pass_context
def compile_cmd(ctx: click.Context, repo: Path, output_format: str, output: Path | None) -> None:
    """Write the compiled bundle; refuses a policy with errors."""
    loaded, findings = validate_repo(repo)
    if has_errors(findings):
        emit_findings(findings, output_format)
        click.echo("Error: refusing to compile a policy with errors", err=True)
        ctx.exit(ExitCode.FINDINGS)
    target = output or repo / DEFAULT_BUNDLE
    bundle = write_bundle(loaded, target)
    click.echo(
        f"wrote {target} (revision {bundle['revision']}, digest {bundle['digest']})", err=True
    )
    ctx.exit(ExitCode.OK)


@click.command()
@click.argument("agent")
@click.argument("package", required=False)
@click.argument("version", required=False)
@click.option("--skill", help="Decide whether AGENT may run this skill instead.")
@repo_option
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
    bundle: Path | None,
    as_json: bool,
    explain: bool,
) -> None:
    """Decide: may AGENT use PACKAGE at VERSION (exit 0 allow, 1 deny)?"""
    if skill is not None and package is not None:
        raise UsageError("give either PACKAGE VERSION or --skill, not both")
    engine = engine_for_repo(repo, bundle)
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
@click.pass_context
def gate(ctx: click.Context, repo: Path, output_format: str, vuln_db: Path | None) -> None:
    """Everything CI needs: validate, policy tests, compile, locks current, scan.

    Exit code: the worst stage's (3 when a stage could not decide, e.g. no vulnerability DB).
    """
    stages = run_gate(repo, repo / DEFAULT_BUNDLE, vuln_db)
    emit_findings([f for stage in stages for f in stage.findings], output_format)
    for stage in stages:
        for line in stage.lines:
            click.echo(line, err=True)
    worst = max((stage.exit_code for stage in stages), default=ExitCode.OK)
    for stage in stages:
        mark = "ok  " if stage.exit_code == ExitCode.OK else "FAIL"
        click.echo(f"{mark} {stage.name}: {stage.summary}", err=True)
    ctx.exit(worst)


COMMANDS: list[click.Command] = [validate, test_cmd, compile_cmd, check, gate]
