"""Sandbox verbs: ``build``, ``run`` and the ``sandbox`` group (base, verify, gc, pool)."""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import click

from checker.cli.options import audit_option, emit_findings, format_option, repo_option
from checker.exit_codes import ExitCode, SkillgateError, UsageError
from sandbox.runner import RunResult

_BUNDLE_OPTION = click.option(
    "--bundle",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Compiled bundle to decide with (default: the repository's, compiled if stale).",
)


@click.command(name="build")
@repo_option
@format_option
@click.argument("skills", nargs=-1)
@click.option(
    "--scan/--no-scan",
    default=True,
    show_default=True,
    help="Scan the skills' locks first (needs the vulnerability DB); --no-scan when "
    "`skillgate gate` already did.",
)
@click.option(
    "--base",
    default=None,
    metavar="REV",
    help="Build only the skills changed since this git revision (CI on a pull request).",
)
@click.option(
    "--sign",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    envvar="SKILLGATE_SIGNING_KEY",
    default=None,
    metavar="KEY",
    help="Ed25519 private key (`skillgate keygen`) that signs each image's provenance "
    "[default: $SKILLGATE_SIGNING_KEY; unsigned without one].",
)
@click.pass_context
def build_cmd(
    ctx: click.Context,
    repo: Path,
    output_format: str,
    skills: tuple[str, ...],
    scan: bool,
    base: str | None,
    sign: Path | None,
) -> None:
    """Build hermetic, minimal, hardened images for SKILLS (all skills by default).

    Refuses when the policy does not validate or (with --scan) a lock fails the scan
    gates. An unchanged skill is not rebuilt. Each image gets a CycloneDX SBOM and an
    in-toto SLSA provenance in .skillgate/images/, signed with --sign.
    """
    from sandbox.images import BuildOptions, build_images  # noqa: PLC0415 - keep CLI start fast

    tty = sys.stderr.isatty()
    options = BuildOptions(repo=repo, skills=skills, scan=scan, progress=tty, base=base, sign=sign)
    report = build_images(options, log=(lambda line: click.echo(line, err=True)) if tty else None)
    emit_findings(report.findings, output_format)
    if report.refused:
        click.echo(f"Error: {report.refusal}", err=True)
        ctx.exit(ExitCode.FINDINGS)
    for result in report.images:
        if result.built:
            click.echo(f"built {result.tag} in {result.duration_seconds:.1f}s")
        else:
            click.echo(f"up to date {result.tag}")
        attestation = report.attestations.get(result.skill)
        if attestation is not None and (attestation.sbom_written or attestation.provenance_written):
            signer = ", ".join(attestation.signed_by) or "unsigned"
            click.echo(
                f"attested {result.tag}: SBOM and provenance ({signer}) in {attestation.directory}",
                err=True,
            )
    ctx.exit(ExitCode.OK)


_AUDIT_OPTION = audit_option(
    "Audit store (SQLite file or postgresql:// URL); a run it cannot record is refused."
)


@click.command(name="run")
@repo_option
@_BUNDLE_OPTION
@_AUDIT_OPTION
@click.argument("skill")
@click.option("--agent", required=True, help="The agent on whose behalf the skill runs.")
@click.option("--input", "input_json", default=None, help="JSON payload (default: stdin).")
@click.option("--code", default=None, help="Run this Python snippet with the skill's packages.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Lower the level's wall clock (seconds); it can never be raised.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@click.pass_context
def run_cmd(
    ctx: click.Context,
    repo: Path,
    bundle: Path | None,
    audit: str | None,
    skill: str,
    agent: str,
    input_json: str | None,
    code: str | None,
    timeout: float | None,
    as_json: bool,
) -> None:
    """Run SKILL for AGENT in a hardened container, after the policy allows it.

    Exit 0 when the skill succeeded; 1 when the policy denies it or the skill failed,
    timed out or was killed for memory; 3 when the sandbox could not decide.
    """
    from checker.audit.recorders import DirectRecorder  # noqa: PLC0415
    from sandbox.skill_sandbox import SkillSandbox  # noqa: PLC0415 - keep CLI start fast

    if code is not None and input_json is not None:
        raise UsageError("--code and --input are exclusive: a snippet reads no input")
    payload = b""
    if code is None:
        payload = _payload(input_json)
    recorder = DirectRecorder.default(audit)
    with (
        _terminate_as_interrupt(),
        SkillSandbox(repo, bundle=bundle, recorder=recorder) as sandbox,
    ):
        result = sandbox.run(agent=agent, skill=skill, payload=payload, code=code, timeout=timeout)
    _report(result, as_json)
    ctx.exit(ExitCode.OK if result.ok else ExitCode.FINDINGS)


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C, so the container is removed on that path too."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _payload(input_json: str | None) -> bytes:
    if input_json is None:
        # No --input: the piped stdin, and an empty object when nothing is piped.
        input_json = ("{}" if sys.stdin.isatty() else sys.stdin.read()) or "{}"
    try:
        json.loads(input_json)
    except ValueError as exc:
        raise UsageError(f"--input is not valid JSON: {exc}") from exc
    return input_json.encode("utf-8")


def _report(result: RunResult, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(result.to_dict(), sort_keys=True))
        return
    sys.stdout.buffer.write(result.stdout)
    sys.stdout.flush()
    sys.stderr.buffer.write(result.stderr)
    sys.stderr.flush()
    notes = []
    if result.timed_out:
        notes.append("timed out")
    if result.oom_killed:
        notes.append("killed: out of memory")
    if result.truncated:
        notes.append("output truncated")
    if result.exit_code and not notes:
        notes.append(f"exited {result.exit_code}")
    if notes:
        click.echo(f"skill: {', '.join(notes)} ({result.duration_seconds:.2f}s)", err=True)


@click.group(name="sandbox")
def sandbox_group() -> None:
    """Base image, verification and cleanup of the sandbox."""


@sandbox_group.command(name="base")
@repo_option
@click.option("--bootstrap", is_flag=True, help="Make it offline with debootstrap if missing.")
@click.option("--force", is_flag=True, help="With --bootstrap: make a new one even if present.")
@click.pass_context
def base_cmd(ctx: click.Context, repo: Path, bootstrap: bool, force: bool) -> None:
    """Show (or bootstrap) the base image the skills are built on."""
    from checker.policy.load import load_repo  # noqa: PLC0415
    from sandbox.base_image import bootstrap_base, record_base, require_base  # noqa: PLC0415
    from sandbox.engine import connect  # noqa: PLC0415

    policy = load_repo(repo).sandbox_policy()
    with contextlib.closing(connect()) as client:
        if bootstrap:
            base = bootstrap_base(client, policy.base, force=force)
        else:
            base = require_base(client, policy.base)
    state = record_base(base)
    click.echo(f"base {base.tag}")
    click.echo(f"digest {base.image_id}")
    click.echo(f"python {base.python_version or 'unknown'}")
    click.echo(f"recorded in {state}")
    ctx.exit(ExitCode.OK)


@sandbox_group.command(name="verify")
@repo_option
@format_option
@click.argument("skill")
@click.option("--level", default=None, help="Limits of this level (default: the skill's).")
@click.pass_context
def verify_cmd(
    ctx: click.Context, repo: Path, output_format: str, skill: str, level: str | None
) -> None:
    """Check a live probe container of SKILL against the hardening checklist.

    The table goes to stdout in text format; other formats carry each failing control as
    a finding at the skill's skill.yaml.
    """
    from sandbox.verify import render_table, row_findings, verify_skill  # noqa: PLC0415

    rows, skill_file = verify_skill(repo, skill, level)
    findings = row_findings(rows, skill_file)
    if output_format == "text":
        click.echo(render_table(rows), nl=False)
    else:
        emit_findings(findings, output_format)
    ctx.exit(ExitCode.FINDINGS if findings else ExitCode.OK)


@sandbox_group.command(name="gc")
@click.pass_context
def gc_cmd(ctx: click.Context) -> None:
    """Remove every container the sandbox left behind (by label) and old build stages."""
    from sandbox.engine import connect  # noqa: PLC0415
    from sandbox.gc import prune_build_stages, remove_leftovers  # noqa: PLC0415

    with contextlib.closing(connect()) as client:
        removed = remove_leftovers(client)
        pruned = prune_build_stages(client)
    click.echo(f"removed {removed} container(s)")
    if pruned:
        click.echo(f"pruned {pruned} build-stage image layer(s)")
    ctx.exit(ExitCode.OK)


@sandbox_group.command(name="pool")
@repo_option
@_BUNDLE_OPTION
@_AUDIT_OPTION
@click.argument("skill")
@click.option("--agent", required=True, help="The agent on whose behalf the skill runs.")
@click.option("--size", type=click.IntRange(min=1, max=32), default=None, help="Warm containers.")
@click.pass_context
def pool_cmd(
    ctx: click.Context,
    repo: Path,
    bundle: Path | None,
    audit: str | None,
    skill: str,
    agent: str,
    size: int | None,
) -> None:
    """Serve SKILL from a warm pool: one JSON payload per stdin line, one result per line.

    Every line is decided by the policy again; each container runs one payload only.
    """
    from checker.audit.recorders import DirectRecorder  # noqa: PLC0415
    from sandbox.skill_sandbox import SkillSandbox  # noqa: PLC0415

    with (
        _terminate_as_interrupt(),
        SkillSandbox(
            repo, bundle=bundle, pool_size=size, recorder=DirectRecorder.default(audit)
        ) as sandbox,
    ):
        pool_size = sandbox.pool_size
        sandbox.warm(agent=agent, skill=skill)
        click.echo(f"pool ready: {pool_size} warm container(s) for {skill}", err=True)
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                json.loads(line)
                result = sandbox.run(agent=agent, skill=skill, payload=line.encode("utf-8"))
                click.echo(json.dumps(result.to_dict(), sort_keys=True))
            except ValueError as exc:
                click.echo(json.dumps({"error": f"payload is not valid JSON: {exc}"}))
            except SkillgateError as exc:
                click.echo(json.dumps({"error": str(exc), "exit_code": int(exc.exit_code)}))
    ctx.exit(ExitCode.OK)
