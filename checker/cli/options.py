"""Options shared by verbs: the repository, the findings format, the DBs and stores."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from checker.findings import Finding
from checker.reporters import REPORTER_BY_NAME
from checker.vulns.db_location import ENV_VAR

F = TypeVar("F", bound=Callable[..., Any])


def repo_option(func: F) -> F:
    """``--repo DIR``: the policy repository, the current directory by default."""
    return click.option(
        "--repo",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        default=Path(),
        show_default=True,
        help="Policy repository root.",
    )(func)


def format_option(func: F) -> F:
    """``--format NAME``: how findings are rendered, from the reporter registry."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(sorted(REPORTER_BY_NAME)),
        default="text",
        show_default=True,
        help="Findings format.",
    )(func)


def emit_findings(findings: Sequence[Finding], output_format: str) -> None:
    """Print findings on stdout in the chosen format."""
    rendered = REPORTER_BY_NAME[output_format](findings)
    if rendered:
        click.echo(rendered, nl=False)


def vuln_db_option(func: F) -> F:
    """``--vuln-db DIR``: the DB directory (else ``$SKILLGATE_VULN_DB``, else XDG data)."""
    return click.option(
        "--vuln-db",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help=f"Vulnerability DB directory [default: ${ENV_VAR}, else "
        "$XDG_DATA_HOME/skillgate/vulndb].",
    )(func)


AUDIT_HELP = (
    "Audit store: a SQLite file or a postgresql:// URL "
    "[default: $XDG_DATA_HOME/skillgate/audit.sqlite3]."
)


def audit_option(help_text: str = AUDIT_HELP) -> Callable[[F], F]:
    """``--audit PATH|URL``: the audit store (else ``$SKILLGATE_AUDIT``, else XDG data)."""

    def decorate(func: F) -> F:
        return click.option(
            "--audit", envvar="SKILLGATE_AUDIT", default=None, metavar="PATH|URL", help=help_text
        )(func)

    return decorate
