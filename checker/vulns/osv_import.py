"""Read OSV data from a directory of YAML/JSON records, an ``all.zip`` export, or a URL.

Every problem is fatal (``SkillgateError``): a record silently dropped is an advisory
silently ignored, and an empty import would pass every package.

Snapshot date, first found of: a ``SNAPSHOT`` file (``<ref> <ISO date>``, as in
the PyPA advisory-db export), the newest member of a zip, the ``Last-Modified`` of a download,
else the newest ``modified`` date among the records. The latter is a lower bound of the
data's real age, so an unknown snapshot date can only make the DB look older, never fresher.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from checker.exit_codes import SkillgateError
from checker.vulns.osv_model import OsvFormatError, OsvRecord
from checker.yaml import load_bytes

MAX_RECORD_BYTES = 10_000_000
MAX_DOWNLOAD_BYTES = 2_000_000_000
DOWNLOAD_TIMEOUT_SECONDS = 60
_RECORD_SUFFIXES = (".json", ".yaml", ".yml")


@dataclass(frozen=True, kw_only=True, slots=True)
class ImportedRecord:
    """A parsed record and its canonical JSON text (what the local OSV server returns)."""

    record: OsvRecord
    raw_json: str


@dataclass(frozen=True, kw_only=True, slots=True)
class ImportedData:
    """Everything an import read: where from, how old, and the records."""

    source: str
    snapshot: str
    snapshot_origin: str
    records: tuple[ImportedRecord, ...]


def load_source(source: str, *, work_dir: Path) -> ImportedData:
    """Read OSV records from a path or an http(s) URL (downloaded into ``work_dir``)."""
    if source.startswith(("https://", "http://")):
        return _load_url(source, work_dir)
    if "://" in source:
        raise SkillgateError(f"unsupported URL scheme in {source!r}: use https:// or a path")
    path = Path(source)
    if path.is_dir():
        records = tuple(_records_from_dir(path))
        return _finish(str(path.resolve()), records, _snapshot_file(path / "SNAPSHOT"))
    if path.is_file():
        if not zipfile.is_zipfile(path):
            raise SkillgateError(f"{path} is neither a directory of OSV records nor a zip")
        records, newest = _records_from_zip(path)
        return _finish(str(path.resolve()), records, newest)
    raise SkillgateError(f"OSV source {source} does not exist")


def _finish(
    source: str, records: tuple[ImportedRecord, ...], snapshot: tuple[str, str] | None
) -> ImportedData:
    if not records:
        raise SkillgateError(f"no OSV records found in {source}")
    seen: set[str] = set()
    for item in records:
        if item.record.id in seen:
            raise SkillgateError(f"{source}: advisory {item.record.id} appears twice")
        seen.add(item.record.id)
    if snapshot is None:
        newest = max((r.record.modified for r in records if r.record.modified), default="")
        if not newest:
            raise SkillgateError(f"{source}: no SNAPSHOT file and no record has a modified date")
        snapshot = (_iso(newest, f"{source}: modified date"), "newest record")
    return ImportedData(
        source=source, snapshot=snapshot[0], snapshot_origin=snapshot[1], records=records
    )


def _records_from_dir(root: Path) -> Iterator[ImportedRecord]:
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.suffix in _RECORD_SUFFIXES and path.is_file():
            if path.stat().st_size > MAX_RECORD_BYTES:
                raise SkillgateError(f"{path}: larger than {MAX_RECORD_BYTES} bytes")
            yield _parse(path.read_bytes(), str(path), yaml_text=path.suffix != ".json")


def _records_from_zip(path: Path) -> tuple[tuple[ImportedRecord, ...], tuple[str, str] | None]:
    records = []
    newest: datetime | None = None
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                name = info.filename.replace("\\", "/")
                if name.startswith("/") or ".." in name.split("/"):
                    raise SkillgateError(
                        f"{path}: refusing zip entry {info.filename!r} (a path out)"
                    )
                if info.is_dir() or not info.filename.endswith(_RECORD_SUFFIXES):
                    continue
                if info.file_size > MAX_RECORD_BYTES:
                    raise SkillgateError(f"{path}!{info.filename}: record too large")
                stamp = datetime(*info.date_time, tzinfo=UTC)
                newest = stamp if newest is None or stamp > newest else newest
                where = f"{path}!{info.filename}"
                data = archive.read(info)
                records.append(_parse(data, where, yaml_text=not info.filename.endswith(".json")))
    except (zipfile.BadZipFile, OSError) as exc:
        raise SkillgateError(f"cannot read zip {path}: {exc}") from None
    snapshot = None if newest is None else (newest.isoformat(), "zip member date")
    return tuple(records), snapshot


def _parse(data: bytes, where: str, *, yaml_text: bool) -> ImportedRecord:
    """One record. YAML goes through the policy's loader (``checker.yaml``): alias bombs,
    deep nesting, duplicate keys and bad UTF-8 are refused in bounded memory, and every
    scalar stays a string (an unquoted ``1.10`` must not become the float ``1.1``, dates
    must stay RFC 3339 strings)."""
    doc: Any
    try:
        if yaml_text:
            document, problems = load_bytes(data, where, strings=True)
            if document is None or problems:
                first = problems[0] if problems else None
                reason = f"{first.location}: {first.message}" if first else "unreadable"
                raise SkillgateError(f"invalid OSV record {where}: {reason}")
            doc = document.data
        else:
            doc = json.loads(data.decode("utf-8"))
        record = OsvRecord.from_dict(doc, where)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError, OsvFormatError) as exc:
        raise SkillgateError(f"invalid OSV record {where}: {exc}") from None
    raw = json.dumps(doc, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return ImportedRecord(record=record, raw_json=raw)


def _snapshot_file(path: Path) -> tuple[str, str] | None:
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8", errors="replace").strip()
    for token in text.split():
        try:
            return _iso(token, str(path)), "SNAPSHOT file"
        except SkillgateError:
            continue
    raise SkillgateError(f"{path}: no ISO 8601 date in {text[:80]!r}")


def _iso(text: str, what: str) -> str:
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        raise SkillgateError(f"{what}: {text!r} is not an ISO 8601 date") from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.astimezone(UTC).isoformat()


def _load_url(url: str, work_dir: Path) -> ImportedData:
    work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=work_dir, suffix=".zip", delete=False) as out:
        target = Path(out.name)
        try:
            with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:  # noqa: S310 - scheme checked by the caller
                modified = response.headers.get("Last-Modified")
                total = 0
                while chunk := response.read(1 << 20):
                    total += len(chunk)
                    if total > MAX_DOWNLOAD_BYTES:
                        raise SkillgateError(f"{url}: larger than {MAX_DOWNLOAD_BYTES} bytes")
                    out.write(chunk)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            target.unlink(missing_ok=True)
            raise SkillgateError(f"cannot download OSV data from {url}: {exc}") from None
    try:
        if not zipfile.is_zipfile(target):
            raise SkillgateError(f"{url} did not return a zip archive")
        records, newest = _records_from_zip(target)
    finally:
        target.unlink(missing_ok=True)
    snapshot = newest
    if modified:
        with contextlib.suppress(TypeError, ValueError):
            snapshot = (parsedate_to_datetime(modified).astimezone(UTC).isoformat(), "download")
    return _finish(url, records, snapshot)
