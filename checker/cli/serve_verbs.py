"""``skillgate serve``: the HTTP runtime agents call (decisions, execution, health, metrics)."""

from __future__ import annotations

from pathlib import Path

import click

from checker.cli.options import audit_option
from checker.exit_codes import ExitCode

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command(name="serve")
@click.option(
    "--bundle",
    envvar="SKILLGATE_BUNDLE",
    required=True,
    metavar="FILE|URL",
    help="Compiled bundle: a file (watched) or an http(s) URL (polled with ETag).",
)
@click.option(
    "--tokens",
    envvar="SKILLGATE_TOKENS",
    required=True,
    type=_FILE,
    help="Bearer tokens file (`skillgate token add`); reloaded when it changes.",
)
@click.option(
    "--public-key",
    envvar="SKILLGATE_PUBLIC_KEY",
    type=_FILE,
    default=None,
    help="Refuse bundles not signed by this Ed25519 key (`skillgate keygen`).",
)
@click.option("--host", envvar="SKILLGATE_HOST", default="127.0.0.1", show_default=True)
@click.option(
    "--port",
    envvar="SKILLGATE_PORT",
    type=click.IntRange(0, 65535),
    default=8080,
    show_default=True,
)
@click.option(
    "--repo",
    envvar="SKILLGATE_REPO",
    default=None,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Policy repository whose built skill images the execute endpoint runs.",
)
@click.option(
    "--reload-interval",
    envvar="SKILLGATE_RELOAD_INTERVAL",
    default=2.0,
    type=click.FloatRange(min=0.1),
    show_default=True,
    help="Seconds between checks for a new bundle.",
)
@click.option(
    "--max-executions",
    envvar="SKILLGATE_MAX_EXECUTIONS",
    default=4,
    type=click.IntRange(min=1),
    show_default=True,
    help="Executions run at once; more wait.",
)
@click.option(
    "--log-level",
    envvar="SKILLGATE_LOG_LEVEL",
    default="info",
    show_default=True,
    type=click.Choice(["debug", "info", "warning", "error"]),
)
@audit_option()
@click.option(
    "--audit-journal",
    envvar="SKILLGATE_AUDIT_JOURNAL",
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where records wait for the store [default: $XDG_STATE_HOME/skillgate/...].",
)
@click.pass_context
def serve_cmd(
    ctx: click.Context,
    bundle: str,
    tokens: Path,
    public_key: Path | None,
    host: str,
    port: int,
    repo: Path | None,
    reload_interval: float,
    max_executions: int,
    log_level: str,
    audit: str | None,
    audit_journal: Path | None,
) -> None:
    """Serve policy decisions and governed execution over HTTP until SIGTERM.

    Agents authenticate with `Authorization: Bearer TOKEN`; the agent is the token's.
    SKILLGATE_PACKAGES_ENABLED=false denies every decision (kill switch). The OpenAPI
    document is at /openapi.json.
    """
    from checker.service.bundle_source import bundle_location  # noqa: PLC0415
    from checker.service.server import serve  # noqa: PLC0415
    from checker.service.settings import ServeSettings, packages_enabled  # noqa: PLC0415

    settings = ServeSettings(
        bundle=bundle_location(bundle),
        tokens=tokens,
        public_key=public_key,
        host=host,
        port=port,
        repo=repo,
        reload_interval=reload_interval,
        packages_enabled=packages_enabled(),
        max_executions=max_executions,
        log_level=log_level,
        audit=audit,
        audit_journal=audit_journal,
    )
    serve(settings)
    ctx.exit(ExitCode.OK)
