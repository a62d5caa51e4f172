"""Audit stores: SQLite (one machine, WAL) and PostgreSQL (several replicas, one chain).

``open_store(location)`` takes a path (SQLite) or a ``postgresql://`` URL. Both keep one table
and one chain: ``append`` takes the writer lock (SQLite ``BEGIN IMMEDIATE``; a PostgreSQL
transaction-scoped advisory lock), reads the head, links the new records after it and
commits, so concurrent writers (threads, processes, replicas) can never fork the chain. An
event whose ``event_id`` is already stored is skipped, so replaying a journal is harmless.
"""

from __future__ import annotations

import abc
import os
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker.audit.chain import GENESIS, Record, canonical, columns, link, stamped
from checker.exit_codes import SkillgateError

ENV_VAR = "SKILLGATE_AUDIT"
_COLUMNS = "seq, event_id, time, kind, agent, skill, package, result, body, prev_hash, hash"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_records (
    seq BIGINT PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    time TEXT NOT NULL,
    kind TEXT NOT NULL,
    agent TEXT,
    skill TEXT,
    package TEXT,
    result TEXT,
    body TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
)
"""
_INDEXES = (
    "CREATE INDEX IF NOT EXISTS audit_by_agent ON audit_records (agent, seq)",
    "CREATE INDEX IF NOT EXISTS audit_by_time ON audit_records (time)",
)


class AuditStoreError(SkillgateError):
    """The audit store cannot be opened, read or written (exit 3)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Filters:
    """What ``audit list`` and ``GET /api/audit`` select; None means any."""

    agent: str | None = None
    skill: str | None = None
    result: str | None = None
    kind: str | None = None
    since: str | None = None
    until: str | None = None


class AuditStore(abc.ABC):
    """One table, one chain; see the module docstring."""

    location: str
    placeholder: str = "?"

    @abc.abstractmethod
    def _connect(self) -> Any: ...

    @abc.abstractmethod
    def _begin_writer(self, conn: Any) -> None:
        """Start a transaction holding the one writer lock."""

    def append(self, events: Sequence[Mapping[str, Any]]) -> list[Record]:
        """Link ``events`` after the head and commit them; returns the records written."""
        if not events:
            return []
        stamped_events = [stamped(e) for e in events]
        try:
            with self._connection() as conn:
                self._begin_writer(conn)
                try:
                    written = self._link(conn, stamped_events)
                    conn.commit()
                except BaseException:
                    conn.rollback()
                    raise
        except AuditStoreError:
            raise
        except Exception as exc:
            raise AuditStoreError(f"cannot write the audit trail {self.location}: {exc}") from exc
        return written

    def _link(self, conn: Any, events: Sequence[Mapping[str, Any]]) -> list[Record]:
        p = self.placeholder
        head = conn.execute(
            "SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        seq, prev = (int(head[0]), str(head[1])) if head else (0, GENESIS)
        ids = [str(event["event_id"]) for event in events]
        stored: set[str] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            stored |= {
                str(row[0])
                for row in conn.execute(
                    f"SELECT event_id FROM audit_records WHERE event_id IN "
                    f"({', '.join([p] * len(chunk))})",
                    tuple(chunk),
                ).fetchall()
            }
        written = []
        for event in events:
            if str(event["event_id"]) in stored:
                continue
            stored.add(str(event["event_id"]))
            seq += 1
            body = canonical(event)
            derived = columns(event)
            record = Record(
                seq=seq,
                event_id=str(event["event_id"]),
                time=str(event["time"]),
                kind=str(derived["kind"]),
                agent=derived["agent"],
                skill=derived["skill"],
                package=derived["package"],
                result=derived["result"],
                body=body,
                prev_hash=prev,
                hash=link(seq, prev, body),
            )
            conn.execute(
                f"INSERT INTO audit_records ({_COLUMNS}) VALUES ({', '.join([p] * 11)})",
                (
                    record.seq, record.event_id, record.time, record.kind, record.agent,
                    record.skill, record.package, record.result, record.body,
                    record.prev_hash, record.hash,
                ),
            )  # fmt: skip
            prev = record.hash
            written.append(record)
        return written

    def records(
        self, filters: Filters | None = None, *, after: int = 0, limit: int | None = None
    ) -> list[Record]:
        """Records with ``seq > after`` matching ``filters``, in chain order."""
        filters = filters or Filters()
        p = self.placeholder
        where: list[str] = [f"seq > {p}"]
        args: list[Any] = [after]
        for column, value in (
            ("agent", filters.agent),
            ("skill", filters.skill),
            ("result", filters.result),
            ("kind", filters.kind),
        ):
            if value is not None:
                where.append(f"{column} = {p}")
                args.append(value)
        if filters.since is not None:
            where.append(f"time >= {p}")
            args.append(filters.since)
        if filters.until is not None:
            where.append(f"time <= {p}")
            args.append(filters.until)
        query = f"SELECT {_COLUMNS} FROM audit_records WHERE {' AND '.join(where)} ORDER BY seq"
        if limit is not None:
            query += f" LIMIT {int(limit)}"
        return self._read(query, args)

    def every_record(self, batch: int = 5000) -> Iterator[Record]:
        """The whole trail in ``seq`` order, in batches (bounded memory)."""
        after = 0
        while True:
            rows = self._read(
                f"SELECT {_COLUMNS} FROM audit_records WHERE seq > {self.placeholder} "
                f"ORDER BY seq LIMIT {batch}",
                [after],
            )
            yield from rows
            if len(rows) < batch:
                return
            after = rows[-1].seq

    def head(self) -> Record | None:
        rows = self._read(f"SELECT {_COLUMNS} FROM audit_records ORDER BY seq DESC LIMIT 1", [])
        return rows[0] if rows else None

    def record_at(self, seq: int) -> Record | None:
        rows = self._read(
            f"SELECT {_COLUMNS} FROM audit_records WHERE seq = {self.placeholder}", [seq]
        )
        return rows[0] if rows else None

    def _read(self, query: str, args: Sequence[Any]) -> list[Record]:
        try:
            with self._connection() as conn:
                rows = conn.execute(query, tuple(args)).fetchall()
        except AuditStoreError:
            raise
        except Exception as exc:
            raise AuditStoreError(f"cannot read the audit trail {self.location}: {exc}") from exc
        return [
            Record(
                seq=int(r[0]), event_id=r[1], time=r[2], kind=r[3], agent=r[4], skill=r[5],
                package=r[6], result=r[7], body=r[8], prev_hash=r[9], hash=r[10],
            )
            for r in rows
        ]  # fmt: skip

    def _connection(self) -> Any:
        return _Closing(self._connect())

    def close(self) -> None:  # noqa: B027 - an optional hook, not an abstract one
        """Stores open a connection per operation; nothing to release."""


class _Closing:
    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def __enter__(self) -> Any:
        return self.conn

    def __exit__(self, *exc: object) -> None:
        self.conn.close()


class SqliteStore(AuditStore):
    """One SQLite file in WAL mode; ``BEGIN IMMEDIATE`` serialises writers across processes.

    ``synchronous = NORMAL``: a committed record survives the process (even SIGKILL); an
    operating-system crash may lose the last commits before a WAL checkpoint, as it would the
    journal's unsynced tail. Put the trail in PostgreSQL where that matters.
    """

    def __init__(self, path: Path, *, create: bool = True) -> None:
        self.path = path
        self.location = str(path)
        if not create:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with self._connection() as conn:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute(_SCHEMA)
                for index in _INDEXES:
                    conn.execute(index)
                conn.commit()
        except (OSError, sqlite3.Error) as exc:
            raise AuditStoreError(f"cannot open the audit trail {path}: {exc}") from exc

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        conn.execute("PRAGMA busy_timeout = 60000")
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    def _begin_writer(self, conn: Any) -> None:
        conn.execute("BEGIN IMMEDIATE")


class PostgresStore(AuditStore):
    """One PostgreSQL table; writers take a transaction-scoped advisory lock (psycopg 3)."""

    placeholder = "%s"
    _LOCK_KEY = 7_411_231_006  # the one writer lock of the audit chain

    def __init__(self, url: str, *, create: bool = True) -> None:
        self.url = url
        self.location = _redacted(url)
        if not create:
            return
        try:
            with self._connection() as conn:
                # CREATE ... IF NOT EXISTS races between sessions in PostgreSQL: take the
                # writers' lock first, so concurrent starts create the table once.
                self._begin_writer(conn)
                conn.execute(_SCHEMA)
                for index in _INDEXES:
                    conn.execute(index)
                conn.commit()
        except AuditStoreError:
            raise
        except Exception as exc:
            raise AuditStoreError(f"cannot open the audit trail {self.location}: {exc}") from exc

    def _connect(self) -> Any:
        import psycopg  # noqa: PLC0415 - only PostgreSQL users need it

        try:
            return psycopg.connect(self.url, connect_timeout=10)
        except psycopg.Error as exc:
            raise AuditStoreError(f"cannot connect to {self.location}: {exc}") from exc

    def _begin_writer(self, conn: Any) -> None:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (self._LOCK_KEY,))


def _redacted(url: str) -> str:
    """The URL without its password (for messages and status)."""
    scheme, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{host}"


def default_location(env: Mapping[str, str] | None = None) -> str:
    """``$SKILLGATE_AUDIT``, else ``$XDG_DATA_HOME/skillgate/audit.sqlite3``."""
    env = os.environ if env is None else env
    if env.get(ENV_VAR):
        return env[ENV_VAR]
    xdg = env.get("XDG_DATA_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"
    return str(base / "skillgate" / "audit.sqlite3")


def open_store(location: str | None = None, *, create: bool = True) -> AuditStore:
    """The store at ``location`` (a path or a ``postgresql://`` URL; default: see above).

    ``create=False`` assumes the table exists (a writer that must not re-create a table
    someone took away: that is an outage to report, not to paper over)."""
    where = location or default_location()
    if where.startswith(("postgresql://", "postgres://")):
        return PostgresStore(where, create=create)
    return SqliteStore(Path(where).expanduser(), create=create)
