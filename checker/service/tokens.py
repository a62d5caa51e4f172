"""Bearer tokens for agents and operators, stored hashed.

A token is ``sgt_`` and the urlsafe base64 of 32 random bytes. It is shown once, when it is
made; the token file keeps only the sha256 of its text, so a copy of the file gives nobody a
working token. ``TokenStore.lookup`` hashes the presented token and looks the hash up in a
dict: plaintext is never compared. ``WatchedTokens`` is what a long-running server holds: the
current store, reloaded when the file changes, the last good store kept when the new file is
broken.

The file is JSON, mode 0600, always replaced atomically::

    {"format": 1, "tokens": [{"id": "...", "subject": "intern-7", "role": "agent",
                              "sha256": "<hex>", "created": "2026-01-01T00:00:00Z"}]}
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from checker.exit_codes import SkillgateError, UsageError

TOKEN_PREFIX = "sgt_"  # noqa: S105 - the public prefix of every token, not a secret
TOKENS_FORMAT = 1
TOKENS_ENV = "SKILLGATE_TOKENS"
"""The environment variable naming the token file (``--tokens``, ``skillgate serve``)."""

Role = Literal["agent", "operator"]
ROLES: tuple[Role, ...] = ("agent", "operator")
_SUBJECT = {
    # An agent's token names an agent id (the pattern of policy/agents.yaml); an operator's
    # may also be an e-mail address.
    "agent": re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}"),
    "operator": re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}"),
}
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_FILE_MODE = 0o600


class TokenFormatError(ValueError):
    """A token file's content is not what ``format: 1`` requires; ``path`` says where."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


@dataclass(frozen=True, kw_only=True, slots=True)
class TokenEntry:
    """One token as the file keeps it: whom it is for, its role, the sha256 of its text."""

    id: str
    subject: str
    role: Role
    sha256: str
    created: str

    @property
    def hash_prefix(self) -> str:
        """The first 8 hex characters of the hash: enough to tell tokens apart in a listing."""
        return self.sha256[:8]

    def to_dict(self) -> dict[str, str]:
        return {
            "id": self.id,
            "subject": self.subject,
            "role": self.role,
            "sha256": self.sha256,
            "created": self.created,
        }

    @classmethod
    def from_dict(cls, data: Any, path: str) -> TokenEntry:
        """An entry from parsed JSON; ``TokenFormatError`` naming the field when it is bad."""
        if not isinstance(data, Mapping):
            raise TokenFormatError(path, "expected an object")
        values = {key: _text(data.get(key), f"{path}.{key}") for key in _ENTRY_KEYS}
        unknown = sorted(str(key) for key in data if key not in _ENTRY_KEYS)
        if unknown:
            raise TokenFormatError(path, f"unknown key(s) {', '.join(unknown)}")
        role = values["role"]
        if role not in ROLES:
            raise TokenFormatError(f"{path}.role", f"must be agent or operator, not {role!r}")
        if not _SUBJECT[role].fullmatch(values["subject"]):
            raise TokenFormatError(f"{path}.subject", f"invalid subject {values['subject']!r}")
        if not _ID.fullmatch(values["id"]):
            raise TokenFormatError(f"{path}.id", f"invalid id {values['id']!r}")
        if not _SHA256.fullmatch(values["sha256"]):
            raise TokenFormatError(f"{path}.sha256", "expected 64 lowercase hex characters")
        try:
            datetime.fromisoformat(values["created"])
        except ValueError:
            raise TokenFormatError(
                f"{path}.created", f"not an ISO 8601 time: {values['created']!r}"
            ) from None
        return cls(
            id=values["id"],
            subject=values["subject"],
            role=role,
            sha256=values["sha256"],
            created=values["created"],
        )


_ENTRY_KEYS = ("id", "subject", "role", "sha256", "created")


def _text(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value:
        raise TokenFormatError(path, "expected a non-empty string")
    return value


@dataclass(frozen=True, kw_only=True, slots=True)
class TokenStore:
    """The tokens of one file, indexed by hash. Ids and hashes are unique."""

    entries: tuple[TokenEntry, ...] = ()
    _by_hash: dict[str, TokenEntry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_hash: dict[str, TokenEntry] = {}
        ids: set[str] = set()
        for i, entry in enumerate(self.entries):
            if entry.id in ids:
                raise TokenFormatError(f"tokens[{i}].id", f"duplicate id {entry.id!r}")
            if entry.sha256 in by_hash:
                other = by_hash[entry.sha256].id
                raise TokenFormatError(f"tokens[{i}].sha256", f"the same token as id {other!r}")
            ids.add(entry.id)
            by_hash[entry.sha256] = entry
        object.__setattr__(self, "_by_hash", by_hash)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> TokenStore:
        """Read a token file; ``SkillgateError`` naming the file and the reason when it is
        missing, unreadable or malformed."""
        return _load(Path(path))[0]

    @classmethod
    def from_dict(cls, data: Any) -> TokenStore:
        """The store of a parsed token file; ``TokenFormatError`` when it is malformed."""
        if not isinstance(data, Mapping):
            raise TokenFormatError("file", "expected a JSON object")
        if data.get("format") != TOKENS_FORMAT:
            raise TokenFormatError("format", f"unsupported format {data.get('format')!r}")
        tokens = data.get("tokens")
        if not isinstance(tokens, list):
            raise TokenFormatError("tokens", "expected a list")
        return cls(
            entries=tuple(TokenEntry.from_dict(t, f"tokens[{i}]") for i, t in enumerate(tokens))
        )

    def to_dict(self) -> dict[str, Any]:
        return {"format": TOKENS_FORMAT, "tokens": [entry.to_dict() for entry in self.entries]}

    def lookup(self, token: str) -> TokenEntry | None:
        """The entry of ``token``, or None: the token is hashed and the hash looked up."""
        if not isinstance(token, str):
            return None
        try:
            digest = hash_token(token)
        except UnicodeEncodeError:
            return None
        return self._by_hash.get(digest)


def hash_token(token: str) -> str:
    """The sha256 hex of a token's text: the only form a token file holds."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh token: ``sgt_`` and 32 random bytes, urlsafe base64 without padding."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def add_token(
    path: str | os.PathLike[str], subject: str, role: Role = "agent", *, now: datetime | None = None
) -> tuple[TokenEntry, str]:
    """Make a token for ``subject``, add its hash to the file (created when missing), and
    return the entry and the token text, which exists nowhere else from then on."""
    if role not in ROLES:
        raise UsageError(f"role must be agent or operator, not {role!r}")
    if not _SUBJECT[role].fullmatch(subject):
        allowed = "letters, digits, '.', '_', '-'" + (", '@', '+'" if role == "operator" else "")
        raise UsageError(
            f"invalid {role} {subject!r}: 1 to 128 of {allowed}, starting with a letter or digit"
        )
    target = Path(path)
    raw = _read_if_present(target)
    store = TokenStore() if raw is None else _parse(raw, target)
    ids = {entry.id for entry in store.entries}
    token_id = secrets.token_hex(6)
    while token_id in ids:
        token_id = secrets.token_hex(6)
    token = new_token()
    created = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    entry = TokenEntry(
        id=token_id, subject=subject, role=role, sha256=hash_token(token), created=created
    )
    _write(target, TokenStore(entries=(*store.entries, entry)), expected=raw)
    return entry, token


def revoke(path: str | os.PathLike[str], id_or_subject: str) -> list[TokenEntry]:
    """Remove every token whose id or subject is ``id_or_subject``; return them.
    ``UsageError`` when none matches (nothing is written)."""
    target = Path(path)
    raw = _read(target)
    store = _parse(raw, target)
    removed = [e for e in store.entries if id_or_subject in (e.id, e.subject)]
    if not removed:
        raise UsageError(f"no token with id or subject {id_or_subject!r} in {target}")
    kept = tuple(e for e in store.entries if e not in removed)
    _write(target, TokenStore(entries=kept), expected=raw)
    return removed


def list_tokens(path: str | os.PathLike[str]) -> tuple[TokenEntry, ...]:
    """The tokens of a file, in file order (oldest first)."""
    return TokenStore.load(path).entries


class WatchedTokens:
    """The token store of a file, reloaded when the file changes.

    ``current()`` stats the file at most once per ``min_interval`` seconds of ``clock`` and
    reloads it when its mtime, size or inode changed. A file that becomes missing or invalid
    keeps the last good store, sets ``last_error`` and counts one ``reload_failures`` per bad
    version seen; the next good version is picked up as usual and clears ``last_error``.
    A revoked token stops working at the first successful reload after the revocation.
    Thread-safe: at most one thread stats or reloads at a time, the others read the store
    they would have got a moment earlier.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        min_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if min_interval < 0:
            raise ValueError("min_interval must not be negative")
        self.path = Path(path)
        self.last_error: str | None = None
        self.reload_failures = 0
        self.reloads = 0
        self._min_interval = min_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: _Signature | None
        self._store, self._seen = _load(self.path)  # the first load must succeed
        self._checked = clock()

    def current(self) -> TokenStore:
        """The store, after a reload when the interval elapsed and the file changed."""
        now = self._clock()
        if now - self._checked >= self._min_interval and self._lock.acquire(blocking=False):
            try:
                if now - self._checked >= self._min_interval:
                    self._checked = now
                    self._refresh()
            finally:
                self._lock.release()
        return self._store

    def lookup(self, token: str) -> TokenEntry | None:
        """``current().lookup(token)``."""
        return self.current().lookup(token)

    def _refresh(self) -> None:
        try:
            seen = _signature(self.path.stat())
        except OSError as exc:
            self._failed(None, f"cannot read token file {self.path}: {exc.strerror or exc}")
            return
        if seen == self._seen:
            return  # unchanged, or the same broken version as last time
        try:
            self._store, self._seen = _load(self.path)
        except SkillgateError as exc:
            self._failed(seen, str(exc))
            return
        self.last_error = None
        self.reloads += 1

    def _failed(self, seen: _Signature | None, error: str) -> None:
        if seen is None and self._seen is None:
            return  # still missing: counted when it went
        self._seen = seen
        self.last_error = error
        self.reload_failures += 1


_Signature = tuple[int, int, int, int]


def _signature(stat: os.stat_result) -> _Signature:
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino, stat.st_dev)


def _load(path: Path) -> tuple[TokenStore, _Signature]:
    """The store and the stat signature of the very file object it was read from."""
    try:
        with path.open("rb") as handle:
            signature = _signature(os.fstat(handle.fileno()))
            raw = handle.read()
    except OSError as exc:
        raise SkillgateError(f"cannot read token file {path}: {exc.strerror or exc}") from exc
    return _parse(raw, path), signature


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SkillgateError(f"cannot read token file {path}: {exc.strerror or exc}") from exc


def _read_if_present(path: Path) -> bytes | None:
    if not path.exists() and not path.is_symlink():
        return None
    return _read(path)


def _parse(raw: bytes, path: Path) -> TokenStore:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SkillgateError(f"token file {path} is not valid JSON: {exc}") from exc
    try:
        return TokenStore.from_dict(data)
    except TokenFormatError as exc:
        raise SkillgateError(f"token file {path}: {exc}") from exc


def _write(path: Path, store: TokenStore, *, expected: bytes | None) -> None:
    """Replace ``path`` with ``store`` atomically, mode 0600; refuse when the file is no
    longer what the change was made from (two updates at once would lose one)."""
    text = json.dumps(store.to_dict(), indent=2, ensure_ascii=False) + "\n"
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as exc:
        raise SkillgateError(f"cannot write token file {path}: {exc.strerror or exc}") from exc
    temporary = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), _FILE_MODE)
            out.write(text.encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
        if _read_if_present(path) != expected:
            raise SkillgateError(f"token file {path} changed during the update; nothing written")
        os.replace(temporary, path)
    except OSError as exc:
        raise SkillgateError(f"cannot write token file {path}: {exc.strerror or exc}") from exc
    finally:
        temporary.unlink(missing_ok=True)
