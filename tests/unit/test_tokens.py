"""Bearer tokens: stored hashed, looked up by hash, the watched store reloading on change."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from checker.exit_codes import SkillgateError, UsageError
from checker.service.tokens import (
    TokenEntry,
    TokenStore,
    WatchedTokens,
    add_token,
    hash_token,
    list_tokens,
    revoke,
)

TOKEN = re.compile(r"sgt_[A-Za-z0-9_-]{43}")
NOW = datetime(2026, 3, 1, 12, 30, 5, tzinfo=UTC)


class FakeClock:
    """A clock the test moves: the watched store stats only when told time has passed."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def health(watched: WatchedTokens) -> tuple[str | None, int, int]:
    """last_error, reload_failures, reloads (a call: mypy keeps no stale narrowing)."""
    return (watched.last_error, watched.reload_failures, watched.reloads)


def entry_dict(**changes: str) -> dict[str, str]:
    entry = {
        "id": "a1b2c3d4e5f6",
        "subject": "intern-7",
        "role": "agent",
        "sha256": "0" * 64,
        "created": "2026-03-01T12:30:05Z",
    }
    entry.update(changes)
    return entry


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_token_is_random_text_whose_hash_alone_is_stored(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    entry, token = add_token(path, "intern-7", now=NOW)
    assert TOKEN.fullmatch(token)
    assert entry == TokenEntry(
        id=entry.id,
        subject="intern-7",
        role="agent",
        sha256=hashlib.sha256(token.encode()).hexdigest(),
        created="2026-03-01T12:30:05Z",
    )
    assert re.fullmatch(r"[0-9a-f]{12}", entry.id)
    text = path.read_text(encoding="utf-8")
    assert token not in text
    assert token.removeprefix("sgt_") not in text
    assert json.loads(text) == {"format": 1, "tokens": [entry.to_dict()]}
    assert mode_of(path) == 0o600
    second_entry, second = add_token(path, "intern-7", now=NOW)
    assert second != token
    assert second_entry.id != entry.id
    assert list_tokens(path) == (entry, second_entry)


def test_the_file_is_rewritten_with_mode_0600_whatever_it_had(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    add_token(path, "intern-7")
    path.chmod(0o644)
    add_token(path, "senior-1")
    assert mode_of(path) == 0o600
    path.chmod(0o640)
    revoke(path, "senior-1")
    assert mode_of(path) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tokens.json"]  # no temporary left


def test_lookup_finds_a_good_token_and_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    agent, agent_token = add_token(path, "intern-7")
    operator, operator_token = add_token(path, "alice@example.com", "operator")
    store = TokenStore.load(path)
    assert store.lookup(agent_token) == agent
    assert store.lookup(operator_token) == operator
    assert operator.role == "operator"
    assert store.lookup("sgt_" + "A" * 43) is None
    assert store.lookup(agent_token + " ") is None
    assert store.lookup("") is None
    assert store.lookup(agent.sha256) is None  # the stored hash is not a token
    assert store.lookup("\udcff") is None  # not encodable: a miss, not an exception
    assert store.lookup(None) is None  # type: ignore[arg-type]
    assert hash_token(agent_token) == agent.sha256


def test_a_revoked_token_no_longer_looks_up(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    kept, kept_token = add_token(path, "intern-7")
    gone, gone_token = add_token(path, "senior-1")
    assert revoke(path, gone.id) == [gone]
    store = TokenStore.load(path)
    assert store.lookup(gone_token) is None
    assert store.lookup(kept_token) == kept


def test_revoke_by_subject_removes_all_of_its_tokens(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    first, _ = add_token(path, "intern-7")
    other, _ = add_token(path, "senior-1")
    second, _ = add_token(path, "intern-7")
    assert revoke(path, "intern-7") == [first, second]
    assert list_tokens(path) == (other,)


def test_revoking_nothing_is_a_usage_error_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    add_token(path, "intern-7")
    before = path.read_bytes()
    with pytest.raises(UsageError) as caught:
        revoke(path, "nobody")
    assert str(caught.value) == f"no token with id or subject 'nobody' in {path}"
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("subject", "role", "message"),
    [
        (
            "bad id",
            "agent",
            "invalid agent 'bad id': 1 to 128 of letters, digits, '.', '_', '-', "
            "starting with a letter or digit",
        ),
        (
            "alice@example.com",
            "agent",
            "invalid agent 'alice@example.com': 1 to 128 of letters, digits, '.', '_', '-', "
            "starting with a letter or digit",
        ),
        (
            "-alice",
            "operator",
            "invalid operator '-alice': 1 to 128 of letters, digits, '.', '_', '-', '@', '+', "
            "starting with a letter or digit",
        ),
        ("intern-7", "admin", "role must be agent or operator, not 'admin'"),
    ],
)
def test_add_refuses_a_bad_subject_or_role(
    tmp_path: Path, subject: str, role: str, message: str
) -> None:
    path = tmp_path / "tokens.json"
    with pytest.raises(UsageError) as caught:
        add_token(path, subject, role)  # type: ignore[arg-type]
    assert str(caught.value) == message
    assert not path.exists()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("[]", ": file: expected a JSON object"),
        ('{"format": 2, "tokens": []}', ": format: unsupported format 2"),
        ('{"format": 1}', ": tokens: expected a list"),
        ('{"format": 1, "tokens": [7]}', ": tokens[0]: expected an object"),
        (
            json.dumps({"format": 1, "tokens": [entry_dict(role="admin")]}),
            ": tokens[0].role: must be agent or operator, not 'admin'",
        ),
        (
            json.dumps({"format": 1, "tokens": [entry_dict(sha256="ABC")]}),
            ": tokens[0].sha256: expected 64 lowercase hex characters",
        ),
        (
            json.dumps({"format": 1, "tokens": [entry_dict(subject="")]}),
            ": tokens[0].subject: expected a non-empty string",
        ),
        (
            json.dumps({"format": 1, "tokens": [entry_dict(created="yesterday")]}),
            ": tokens[0].created: not an ISO 8601 time: 'yesterday'",
        ),
        (
            json.dumps({"format": 1, "tokens": [{**entry_dict(), "token": "sgt_x"}]}),
            ": tokens[0]: unknown key(s) token",
        ),
        (
            json.dumps({"format": 1, "tokens": [entry_dict(), entry_dict(sha256="1" * 64)]}),
            ": tokens[1].id: duplicate id 'a1b2c3d4e5f6'",
        ),
        (
            json.dumps({"format": 1, "tokens": [entry_dict(), entry_dict(id="other")]}),
            ": tokens[1].sha256: the same token as id 'a1b2c3d4e5f6'",
        ),
    ],
)
def test_a_malformed_file_is_an_error_naming_file_and_field(
    tmp_path: Path, content: str, reason: str
) -> None:
    path = tmp_path / "tokens.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SkillgateError) as caught:
        TokenStore.load(path)
    assert str(caught.value) == f"token file {path}{reason}"
    with pytest.raises(SkillgateError) as adding:
        add_token(path, "intern-7")  # never overwrites a file it cannot read
    assert str(adding.value) == str(caught.value)
    assert path.read_text(encoding="utf-8") == content


def test_a_missing_or_unreadable_file_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    with pytest.raises(SkillgateError) as caught:
        TokenStore.load(missing)
    assert str(caught.value) == f"cannot read token file {missing}: No such file or directory"
    with pytest.raises(SkillgateError) as directory:
        TokenStore.load(tmp_path)
    assert str(directory.value) == f"cannot read token file {tmp_path}: Is a directory"
    not_json = tmp_path / "tokens.json"
    not_json.write_text("{oops", encoding="utf-8")
    with pytest.raises(SkillgateError, match=r"^token file .* is not valid JSON: "):
        TokenStore.load(not_json)


def test_a_token_file_that_is_valid_but_empty_holds_no_tokens(tmp_path: Path) -> None:
    path = write_json(tmp_path / "tokens.json", {"format": 1, "tokens": []})
    assert TokenStore.load(path).entries == ()
    assert list_tokens(path) == ()


# --- the watched store -----------------------------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_the_watched_store_picks_up_an_added_token_after_the_interval(
    tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "tokens.json"
    first, first_token = add_token(path, "intern-7")
    watched = WatchedTokens(path, clock=clock)
    assert watched.lookup(first_token) == first
    second, second_token = add_token(path, "senior-1")
    clock.advance(0.5)
    assert watched.lookup(second_token) is None  # not looked at yet: within min_interval
    clock.advance(0.5)
    assert watched.lookup(second_token) == second
    assert health(watched) == (None, 0, 1)


def test_a_revoked_token_stops_working_at_the_next_reload(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "tokens.json"
    kept, kept_token = add_token(path, "intern-7")
    gone, gone_token = add_token(path, "senior-1")
    watched = WatchedTokens(path, min_interval=5.0, clock=clock)
    assert watched.lookup(gone_token) == gone
    revoke(path, gone.id)
    clock.advance(4.0)
    assert watched.lookup(gone_token) == gone
    clock.advance(1.0)
    assert watched.lookup(gone_token) is None
    assert watched.lookup(kept_token) == kept


def test_an_unchanged_file_is_not_reloaded(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "tokens.json"
    add_token(path, "intern-7")
    watched = WatchedTokens(path, clock=clock)
    store = watched.current()
    for _ in range(3):
        clock.advance(10)
        assert watched.current() is store
    assert watched.reloads == 0


def test_a_corrupted_file_keeps_the_last_good_store_until_it_is_fixed(
    tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "tokens.json"
    entry, token = add_token(path, "intern-7")
    good = path.read_text(encoding="utf-8")
    watched = WatchedTokens(path, clock=clock)

    path.write_text('{"format": 1, "tokens": [', encoding="utf-8")
    clock.advance(1)
    assert watched.lookup(token) == entry
    assert watched.last_error is not None
    assert watched.last_error.startswith(f"token file {path} is not valid JSON: ")
    assert watched.reload_failures == 1
    clock.advance(1)
    watched.current()
    assert watched.reload_failures == 1  # the same broken version counts once

    path.write_text(good.replace('"agent"', '"admin"'), encoding="utf-8")
    clock.advance(1)
    assert watched.lookup(token) == entry
    assert watched.last_error == (
        f"token file {path}: tokens[0].role: must be agent or operator, not 'admin'"
    )
    assert watched.reload_failures == 2

    fixed, fixed_token = add_token(tmp_path / "other.json", "senior-1")
    os.replace(tmp_path / "other.json", path)
    clock.advance(1)
    assert watched.lookup(fixed_token) == fixed
    assert watched.lookup(token) is None
    assert health(watched) == (None, 2, 1)


def test_a_vanished_file_keeps_the_last_good_store(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "tokens.json"
    entry, token = add_token(path, "intern-7")
    watched = WatchedTokens(path, clock=clock)
    moved = path.rename(tmp_path / "aside.json")
    for _ in range(2):
        clock.advance(1)
        assert watched.lookup(token) == entry
    assert watched.last_error == f"cannot read token file {path}: No such file or directory"
    assert watched.reload_failures == 1
    moved.rename(path)
    clock.advance(1)
    assert watched.lookup(token) == entry
    assert health(watched) == (None, 1, 1)


def test_the_first_load_must_succeed(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    with pytest.raises(SkillgateError) as caught:
        WatchedTokens(path)
    assert str(caught.value) == f"cannot read token file {path}: No such file or directory"
    with pytest.raises(ValueError, match="min_interval must not be negative"):
        WatchedTokens(path, min_interval=-1)


def test_min_interval_zero_looks_at_every_call(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "tokens.json"
    add_token(path, "intern-7")
    watched = WatchedTokens(path, min_interval=0, clock=clock)
    entry, token = add_token(path, "senior-1")
    assert watched.lookup(token) == entry
