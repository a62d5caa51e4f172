"""The compact local vulnerability index: one sqlite file keyed by normalised package name.

sqlite opens in microseconds and a query touches only the rows of the packages asked for,
so a scan does not parse the whole database. The file is written beside its final path
and renamed into place, so a failed or interrupted import leaves the previous DB intact.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from checker.exit_codes import SkillgateError
from checker.vulns.osv_import import ImportedData
from checker.vulns.osv_model import OsvFormatError, OsvRecord

INDEX_FILE = "index.sqlite3"
FORMAT_VERSION = "1"

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE advisories (id TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE affects (name TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (name, id)) WITHOUT ROWID;
"""


@dataclass(frozen=True, kw_only=True, slots=True)
class DbInfo:
    """What ``skillgate db info`` shows: where the data came from, how old, how much."""

    path: str
    source: str
    snapshot: str
    snapshot_origin: str
    imported_at: str
    records: int
    packages: int
    malicious: int

    def age_days(self, now: datetime) -> float:
        """Days between the snapshot and ``now``."""
        return (now - datetime.fromisoformat(self.snapshot)).total_seconds() / 86_400

    def ensure_fresh(self, max_age_days: int, now: datetime) -> None:
        """Raise ``SkillgateError`` when the snapshot is older than the policy allows."""
        age = self.age_days(now)
        if age > max_age_days:
            raise SkillgateError(
                f"vulnerability DB snapshot {self.snapshot} is {age:.0f} days old, older than "
                f"max_db_age_days={max_age_days} (vuln.db-stale); "
                "refresh it with: skillgate db update --from PATH|URL"
            )

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        return asdict(self)


def index_path(db_dir: Path) -> Path:
    """The index file inside a DB directory."""
    return db_dir / INDEX_FILE


def write_index(db_dir: Path, data: ImportedData, *, now: datetime) -> DbInfo:
    """Replace the index in ``db_dir`` with ``data``, atomically."""
    db_dir.mkdir(parents=True, exist_ok=True)
    final = index_path(db_dir)
    partial = db_dir / f".{INDEX_FILE}.{os.getpid()}.partial"
    partial.unlink(missing_ok=True)
    try:
        with closing(sqlite3.connect(partial)) as conn, conn:
            conn.executescript(_SCHEMA)
            conn.executemany(
                "INSERT INTO advisories VALUES (?, ?)",
                ((item.record.id, item.raw_json) for item in data.records),
            )
            conn.executemany(
                "INSERT OR IGNORE INTO affects VALUES (?, ?)",
                (
                    (name, item.record.id)
                    for item in data.records
                    for name in item.record.index_keys()
                ),
            )
            packages = conn.execute("SELECT COUNT(DISTINCT name) FROM affects").fetchone()[0]
            meta = {
                "format": FORMAT_VERSION,
                "source": data.source,
                "snapshot": data.snapshot,
                "snapshot_origin": data.snapshot_origin,
                "imported_at": now.astimezone(UTC).isoformat(),
                "records": str(len(data.records)),
                "packages": str(packages),
                "malicious": str(sum(1 for item in data.records if item.record.is_malicious)),
            }
            conn.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        os.replace(partial, final)
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise SkillgateError(f"cannot write vulnerability DB {final}: {exc}") from None
    return _info(final, meta)


class VulnIndex:
    """A read-only open index; use ``VulnIndex.open`` (or ``opened``)."""

    def __init__(self, conn: sqlite3.Connection, info: DbInfo) -> None:
        self._conn = conn
        self.info = info

    @classmethod
    def open(cls, db_dir: Path, *, shared: bool = False) -> VulnIndex:
        """Open the index in ``db_dir``; ``SkillgateError`` when missing or not ours.

        ``shared=True`` lets other threads use the connection (the caller serialises them).
        """
        path = index_path(db_dir)
        if not path.is_file():
            raise SkillgateError(
                f"no vulnerability DB at {db_dir} (vuln.db-missing); "
                "import one with: skillgate db update --from PATH|URL"
            )
        try:
            conn = sqlite3.connect(
                f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=not shared
            )
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.Error as exc:
            raise SkillgateError(f"vulnerability DB {path} is unreadable: {exc}") from None
        if meta.get("format") != FORMAT_VERSION:
            conn.close()
            raise SkillgateError(
                f"vulnerability DB {path} has format {meta.get('format')!r}, expected "
                f"{FORMAT_VERSION!r}; re-import it with skillgate db update"
            )
        return cls(conn, _info(path, meta))

    def close(self) -> None:
        """Close the underlying connection."""
        self._conn.close()

    def raw_records(self, name: str) -> list[dict[str, Any]]:
        """The stored OSV JSON of every record naming the normalised package ``name``."""
        return [json.loads(body) for _, body in self._rows(name)]

    def records(self, name: str) -> list[OsvRecord]:
        """The parsed records naming the normalised package ``name``."""
        out = []
        for record_id, body in self._rows(name):
            try:
                out.append(OsvRecord.from_dict(json.loads(body), record_id))
            except (OsvFormatError, json.JSONDecodeError) as exc:
                raise SkillgateError(f"corrupt record in vulnerability DB: {exc}") from None
        return out

    def record(self, record_id: str) -> OsvRecord | None:
        """The record with id ``record_id``, None when the index does not hold it."""
        try:
            row = self._conn.execute(
                "SELECT body FROM advisories WHERE id = ?", (record_id,)
            ).fetchone()
            return None if row is None else OsvRecord.from_dict(json.loads(row[0]), record_id)
        except (sqlite3.Error, OsvFormatError, json.JSONDecodeError) as exc:
            raise SkillgateError(f"vulnerability DB lookup of {record_id} failed: {exc}") from None

    def has_ecosystem(self, ecosystem: str) -> bool:
        """True when the index holds records of ``ecosystem`` (``Debian:12``), which it keys
        ``<ecosystem>/<name>``; PyPI, keyed by bare names, is always there."""
        try:
            row = self._conn.execute(
                "SELECT 1 FROM affects WHERE name >= ? AND name < ? LIMIT 1",
                (ecosystem + "/", ecosystem + "0"),
            ).fetchone()
        except sqlite3.Error as exc:
            raise SkillgateError(f"vulnerability DB query failed: {exc}") from None
        return row is not None

    def malicious_records(self, name: str) -> list[OsvRecord]:
        """OSV ``MAL-*`` records for ``name``: the package was published as malware."""
        now = datetime.now(UTC)
        return [r for r in self.records(name) if r.is_malicious and not r.withdrawn_by(now)]

    def _rows(self, name: str) -> list[tuple[str, str]]:
        try:
            rows: list[tuple[str, str]] = self._conn.execute(
                "SELECT a.id, a.body FROM affects f JOIN advisories a ON a.id = f.id "
                "WHERE f.name = ? ORDER BY a.id",
                (name,),
            ).fetchall()
        except sqlite3.Error as exc:
            raise SkillgateError(f"vulnerability DB query failed: {exc}") from None
        return rows


@contextmanager
def opened(db_dir: Path) -> Iterator[VulnIndex]:
    """``with opened(dir) as index:`` opens and always closes the index."""
    index = VulnIndex.open(db_dir)
    try:
        yield index
    finally:
        index.close()


def _info(path: Path, meta: dict[str, str]) -> DbInfo:
    try:
        return DbInfo(
            path=str(path),
            source=meta["source"],
            snapshot=meta["snapshot"],
            snapshot_origin=meta["snapshot_origin"],
            imported_at=meta["imported_at"],
            records=int(meta["records"]),
            packages=int(meta["packages"]),
            malicious=int(meta["malicious"]),
        )
    except (KeyError, ValueError) as exc:
        raise SkillgateError(f"vulnerability DB {path} has incomplete metadata: {exc}") from None
