"""Fold the vulnerability DB into the bundle, so the runtime denies known-vulnerable versions.

For every package the policy approves or a skill locks, the bundle carries the advisories
that affect some version of it: id, aliases, a one-line summary, the first fixed version,
and the affected versions as intervals (``checker.runtime.advisories``, the reading the scan
uses). A waiver in ``scanning.yaml`` becomes the day through which the advisory is waived.
The bundle also records which DB snapshot it used, or that none was available: a bundle
compiled without vulnerability data says so in every decision.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from checker.policy.scanning import ScanningPolicy
from checker.vulns.db_location import resolve_db_dir
from checker.vulns.matcher import affected_intervals
from checker.vulns.osv_model import ECOSYSTEM_PYPI, OsvRecord
from checker.vulns.vuln_index import VulnIndex, index_path

_SUMMARY_CHARS = 160


def open_db(vuln_db: Path | None) -> VulnIndex | None:
    """The vulnerability DB when one was imported (``--vuln-db``, env, XDG), else None.

    A DB that exists but cannot be read is an error (exit 3), never "no data".
    """
    db_dir = resolve_db_dir(vuln_db)
    if not index_path(db_dir).is_file():
        return None
    return VulnIndex.open(db_dir)


def db_identity(vuln_db: Path | None) -> str:
    """What a bundle's freshness depends on besides the policy files: the DB's import."""
    path = index_path(resolve_db_dir(vuln_db))
    try:
        stat = path.stat()
    except OSError:
        return "no-vulnerability-db"
    return f"{path}:{stat.st_size}:{stat.st_mtime_ns}"


def fold(index: VulnIndex | None, names: Iterable[str], scanning: ScanningPolicy) -> dict[str, Any]:
    """The bundle's ``vulnerabilities`` section for the normalised package ``names``."""
    if index is None:
        return {"db": None, "advisories": {}}
    info = index.info
    advisories: dict[str, list[dict[str, Any]]] = {}
    now = datetime.now(UTC)
    for name in sorted(set(names)):
        entries = [
            _entry(record, name, scanning)
            for record in index.records(name)
            if not record.withdrawn_by(now)
        ]
        kept = [entry for entry in entries if entry is not None]
        if kept:
            advisories[name] = sorted(kept, key=_pysec_first)
    return {
        "db": {"snapshot": info.snapshot, "source": info.source, "records": info.records},
        "advisories": advisories,
    }


def _entry(record: OsvRecord, name: str, scanning: ScanningPolicy) -> dict[str, Any] | None:
    entries = [a for a in record.affected if a.ecosystem == ECOSYSTEM_PYPI and a.name == name]
    ranges: list[list[list[str | bool | None]]] = []
    versions: list[str] = []
    fixed: list[Version] = []
    for entry in entries:
        groups, _ = affected_intervals(entry)
        ranges += [[interval.to_json() for interval in group] for group in groups]
        versions += entry.versions
        for group in groups:
            fixed += [i.upper for i in group if i.upper is not None and not i.include_upper]
    if not ranges and not versions:
        return None
    waiver = next(
        (w for w in scanning.waivers if w.covers(name, (record.id, *record.aliases))), None
    )
    summary = " ".join((record.summary or record.details).split())
    if len(summary) > _SUMMARY_CHARS:
        summary = summary[: _SUMMARY_CHARS - 1].rstrip() + "…"
    return {
        "id": record.id,
        "aliases": sorted(record.aliases),
        "summary": summary,
        "malicious": record.is_malicious,
        "fixed": str(min(fixed)) if fixed else "",
        "ranges": ranges,
        "versions": sorted(set(versions), key=_sort_key),
        "waived_until": waiver.expires.isoformat() if waiver else None,
    }


def _pysec_first(entry: dict[str, Any]) -> tuple[bool, str]:
    return (not str(entry["id"]).startswith("PYSEC"), str(entry["id"]))


def _sort_key(text: str) -> tuple[int, Version | str]:
    try:
        return (0, Version(text))
    except InvalidVersion:
        return (1, text)
