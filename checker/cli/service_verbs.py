"""What ``skillgate serve`` trusts: ``keygen`` (the key pair that signs bundles) and
``token add|revoke|list`` (the bearer tokens of agents and operators)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from checker.bundle.signing import PUBLIC_KEY_ENV, SIGNING_KEY_ENV, generate_keys
from checker.exit_codes import ExitCode
from checker.service.tokens import TOKENS_ENV, TokenEntry, add_token, list_tokens, revoke

F = TypeVar("F", bound=Callable[..., Any])
_FILE = click.Path(dir_okay=False, path_type=Path)


@click.command()
@click.option(
    "--private-key",
    type=_FILE,
    required=True,
    envvar=SIGNING_KEY_ENV,
    show_envvar=True,
    help="Where to write the private key (PEM, mode 0600); it signs bundles.",
)
@click.option(
    "--public-key",
    type=_FILE,
    required=True,
    envvar=PUBLIC_KEY_ENV,
    show_envvar=True,
    help="Where to write the public key (PEM); servers verify bundles with it.",
)
@click.pass_context
def keygen(ctx: click.Context, private_key: Path, public_key: Path) -> None:
    """Make an Ed25519 key pair for signing bundles and print its key id.

    Existing files are never overwritten (exit 2).
    """
    key_id = generate_keys(private_key, public_key)
    click.echo(key_id)
    click.echo(
        f"wrote private key {private_key} (mode 0600, keep it secret) and public key {public_key}",
        err=True,
    )
    ctx.exit(ExitCode.OK)


def tokens_option(func: F) -> F:
    """``--tokens FILE``: the token file (else ``$SKILLGATE_TOKENS``)."""
    return click.option(
        "--tokens",
        "tokens_file",
        type=_FILE,
        required=True,
        envvar=TOKENS_ENV,
        show_envvar=True,
        help="Token file (JSON holding only hashes, mode 0600).",
    )(func)


@click.group(name="token")
def token_group() -> None:
    """Bearer tokens for skillgate serve: the file keeps only their sha256."""


@token_group.command(name="add")
@click.argument("subject")
@tokens_option
@click.option("--operator", is_flag=True, help="An operator's token instead of an agent's.")
@click.pass_context
def token_add(ctx: click.Context, subject: str, tokens_file: Path, operator: bool) -> None:
    """Make a token for SUBJECT (an agent id, or with --operator an operator's name).

    The token is printed once, alone on stdout; everything else goes to stderr.
    """
    entry, token = add_token(tokens_file, subject, "operator" if operator else "agent")
    click.echo(token)
    click.echo(
        f"added token {entry.id} for {entry.role} {entry.subject} to {tokens_file}", err=True
    )
    click.echo("the token is shown only this once; the file keeps only its hash", err=True)
    ctx.exit(ExitCode.OK)


@token_group.command(name="revoke")
@click.argument("id_or_subject", metavar="ID_OR_SUBJECT")
@tokens_option
@click.pass_context
def token_revoke(ctx: click.Context, id_or_subject: str, tokens_file: Path) -> None:
    """Remove the token with this id, or every token of this subject (exit 2 when none)."""
    removed = revoke(tokens_file, id_or_subject)
    for entry in removed:
        click.echo(f"revoked {entry.id} ({entry.role} {entry.subject})")
    click.echo(
        f"servers watching {tokens_file} refuse the revoked token(s) from their next reload",
        err=True,
    )
    ctx.exit(ExitCode.OK)


@token_group.command(name="list")
@tokens_option
@click.option("--json", "as_json", is_flag=True, help="Print the tokens as JSON.")
@click.pass_context
def token_list(ctx: click.Context, tokens_file: Path, as_json: bool) -> None:
    """List the tokens: id, role, subject, creation time, the first 8 hex of the hash."""
    entries = list_tokens(tokens_file)
    if as_json:
        click.echo(json.dumps([_listed(e) for e in entries], indent=2, sort_keys=True))
    elif entries:
        click.echo(render_table(entries), nl=False)
    else:
        click.echo(f"no tokens in {tokens_file}", err=True)
    ctx.exit(ExitCode.OK)


def _listed(entry: TokenEntry) -> dict[str, str]:
    return {
        "id": entry.id,
        "subject": entry.subject,
        "role": entry.role,
        "created": entry.created,
        "sha256_prefix": entry.hash_prefix,
    }


def render_table(entries: Sequence[TokenEntry]) -> str:
    """One aligned line per token under a header; never more of the hash than its prefix."""
    rows = [("id", "role", "subject", "created", "sha256")]
    rows += [(e.id, e.role, e.subject, e.created, e.hash_prefix) for e in entries]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)]
        lines.append("  ".join([*cells, row[-1]]) + "\n")
    return "".join(lines)
