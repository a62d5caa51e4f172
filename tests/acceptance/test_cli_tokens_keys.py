"""``skillgate token add|revoke|list`` and ``skillgate keygen`` through the real CLI."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest

from checker.bundle.signing import key_id, load_public_key
from checker.service.tokens import TokenStore, hash_token, list_tokens
from tests.conftest import run_cli

TOKEN = re.compile(r"sgt_[A-Za-z0-9_-]{43}\n")
SHOWN_ONCE = "the token is shown only this once; the file keeps only its hash\n"


@pytest.fixture(autouse=True)
def _no_key_or_token_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The files come from the command line only, never from the developer's environment."""
    for name in ("SKILLGATE_TOKENS", "SKILLGATE_SIGNING_KEY", "SKILLGATE_PUBLIC_KEY"):
        monkeypatch.delenv(name, raising=False)


def add(tokens: Path, subject: str, *extra: str) -> str:
    """``token add``; returns the token (asserting it is alone on stdout)."""
    result = run_cli(["token", "add", subject, "--tokens", str(tokens), *extra])
    assert result.exit_code == 0, result.stderr
    assert TOKEN.fullmatch(result.stdout)
    return result.stdout.strip()


def test_token_add_prints_the_token_once_and_stores_only_its_hash(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.json"
    result = run_cli(["token", "add", "intern-7", "--tokens", str(tokens)])
    assert result.exit_code == 0
    assert TOKEN.fullmatch(result.stdout)  # one line, nothing else
    token = result.stdout.strip()
    (entry,) = list_tokens(tokens)
    assert result.stderr == f"added token {entry.id} for agent intern-7 to {tokens}\n" + SHOWN_ONCE
    assert entry.sha256 == hash_token(token)
    content = tokens.read_text(encoding="utf-8")
    assert token not in content
    assert token.removeprefix("sgt_") not in content
    assert stat.S_IMODE(tokens.stat().st_mode) == 0o600
    assert TokenStore.load(tokens).lookup(token) == entry


def test_token_add_operator_and_the_environment_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens = tmp_path / "tokens.json"
    monkeypatch.setenv("SKILLGATE_TOKENS", str(tokens))
    result = run_cli(["token", "add", "alice@example.com", "--operator"])
    assert result.exit_code == 0
    (entry,) = list_tokens(tokens)
    assert entry.role == "operator"
    assert result.stderr == (
        f"added token {entry.id} for operator alice@example.com to {tokens}\n" + SHOWN_ONCE
    )
    assert TokenStore.load(tokens).lookup(result.stdout.strip()) == entry


def test_token_list_shows_no_more_than_a_hash_prefix(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.json"
    add(tokens, "intern-7")
    add(tokens, "alice@example.com", "--operator")
    agent, operator = list_tokens(tokens)
    result = run_cli(["token", "list", "--tokens", str(tokens)])
    assert result.exit_code == 0
    assert result.stderr == ""
    width = len("alice@example.com")
    assert result.stdout == (
        f"id            role      {'subject'.ljust(width)}  created               sha256\n"
        f"{agent.id}  agent     {'intern-7'.ljust(width)}  {agent.created}  "
        f"{agent.sha256[:8]}\n"
        f"{operator.id}  operator  alice@example.com  {operator.created}  "
        f"{operator.sha256[:8]}\n"
    )
    as_json = run_cli(["token", "list", "--tokens", str(tokens), "--json"])
    assert as_json.exit_code == 0
    assert json.loads(as_json.stdout) == [
        {
            "id": e.id,
            "subject": e.subject,
            "role": e.role,
            "created": e.created,
            "sha256_prefix": e.sha256[:8],
        }
        for e in (agent, operator)
    ]
    for entry in (agent, operator):
        for output in (result.stdout, as_json.stdout):
            assert entry.sha256[:9] not in output


def test_token_list_of_an_empty_file(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.json"
    tokens.write_text('{"format": 1, "tokens": []}\n', encoding="utf-8")
    result = run_cli(["token", "list", "--tokens", str(tokens)])
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", f"no tokens in {tokens}\n")
    as_json = run_cli(["token", "list", "--tokens", str(tokens), "--json"])
    assert (as_json.exit_code, as_json.stdout) == (0, "[]\n")


def test_token_revoke_by_id_and_by_subject(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.json"
    first = add(tokens, "intern-7")
    add(tokens, "intern-7")
    kept = add(tokens, "senior-1")
    one, two, three = list_tokens(tokens)
    by_id = run_cli(["token", "revoke", one.id, "--tokens", str(tokens)])
    assert by_id.exit_code == 0
    assert by_id.stdout == f"revoked {one.id} (agent intern-7)\n"
    assert by_id.stderr == (
        f"servers watching {tokens} refuse the revoked token(s) from their next reload\n"
    )
    assert TokenStore.load(tokens).lookup(first) is None
    add(tokens, "intern-7")
    four = list_tokens(tokens)[-1]
    by_subject = run_cli(["token", "revoke", "intern-7", "--tokens", str(tokens)])
    assert by_subject.exit_code == 0
    assert by_subject.stdout == (
        f"revoked {two.id} (agent intern-7)\nrevoked {four.id} (agent intern-7)\n"
    )
    assert list_tokens(tokens) == (three,)
    assert TokenStore.load(tokens).lookup(kept) == three


def test_token_revoke_of_nothing_is_a_usage_error(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.json"
    add(tokens, "intern-7")
    before = tokens.read_bytes()
    result = run_cli(["token", "revoke", "nobody", "--tokens", str(tokens)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"Error: no token with id or subject 'nobody' in {tokens}\n"
    assert tokens.read_bytes() == before


def test_token_add_refuses_a_subject_that_cannot_be_an_agent(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.json"
    result = run_cli(["token", "add", "intern 7", "--tokens", str(tokens)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "Error: invalid agent 'intern 7': 1 to 128 of letters, digits, '.', '_', '-', "
        "starting with a letter or digit\n"
    )
    assert not tokens.exists()


def test_a_missing_or_corrupt_token_file_cannot_be_listed_or_changed(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    for args in (["list"], ["revoke", "intern-7"]):
        result = run_cli(["token", *args, "--tokens", str(missing)])
        assert (result.exit_code, result.stdout) == (3, "")
        assert result.stderr == (
            f"Error: cannot read token file {missing}: No such file or directory\n"
        )
    corrupt = tmp_path / "tokens.json"
    corrupt.write_text('{"format": 1, "tokens": [{"id": "x"}]}', encoding="utf-8")
    for args in (["list"], ["revoke", "x"], ["add", "intern-7"]):
        result = run_cli(["token", *args, "--tokens", str(corrupt)])
        assert (result.exit_code, result.stdout) == (3, "")
        assert result.stderr == (
            f"Error: token file {corrupt}: tokens[0].subject: expected a non-empty string\n"
        )


def test_token_without_a_file_is_a_usage_error() -> None:
    result = run_cli(["token", "list"])
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "Error: Missing option '--tokens' (env var: 'SKILLGATE_TOKENS').\n"
    )


def test_keygen_prints_the_key_id_and_never_overwrites(tmp_path: Path) -> None:
    private, public = tmp_path / "signing.pem", tmp_path / "signing.pub.pem"
    result = run_cli(["keygen", "--private-key", str(private), "--public-key", str(public)])
    assert result.exit_code == 0
    assert re.fullmatch(r"[0-9a-f]{16}\n", result.stdout)
    assert result.stdout.strip() == key_id(load_public_key(public))
    assert result.stderr == (
        f"wrote private key {private} (mode 0600, keep it secret) and public key {public}\n"
    )
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    keys = (private.read_bytes(), public.read_bytes())
    again = run_cli(["keygen", "--private-key", str(private), "--public-key", str(public)])
    assert (again.exit_code, again.stdout) == (2, "")
    assert again.stderr == f"Error: {private} exists; refusing to overwrite a key\n"
    assert (private.read_bytes(), public.read_bytes()) == keys


def test_keygen_takes_its_files_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    private, public = tmp_path / "signing.pem", tmp_path / "signing.pub.pem"
    monkeypatch.setenv("SKILLGATE_SIGNING_KEY", str(private))
    monkeypatch.setenv("SKILLGATE_PUBLIC_KEY", str(public))
    result = run_cli(["keygen"])
    assert result.exit_code == 0
    assert result.stdout.strip() == key_id(load_public_key(public))
