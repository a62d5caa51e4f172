"""Importing OSV data: directories of YAML/JSON, all.zip with MAL records, URLs, the index."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from checker.exit_codes import SkillgateError
from checker.vulns.osv_import import load_source
from checker.vulns.vuln_index import VulnIndex, index_path, opened, write_index
from tests.scan.conftest import ADVISORY_DB, VENDORED_PACKAGES, VENDORED_RECORDS

NOW = datetime(2026, 1, 1, tzinfo=UTC)

YAML_RECORD = """\
id: PYSEC-2099-1
summary: demo flaw
modified: 2024-05-01T10:00:00Z
published: 2024-04-01T10:00:00Z
affected:
- package:
    name: Demo_Pkg
    ecosystem: PyPI
  ranges:
  - type: ECOSYSTEM
    events:
    - introduced: "0"
    - fixed: 1.10
"""

MAL_RECORD = {
    "id": "MAL-2099-7",
    "summary": "Malicious code in reqeusts (PyPI)",
    "modified": "2024-06-01T00:00:00Z",
    "affected": [{"package": {"name": "reqeusts", "ecosystem": "PyPI"}, "versions": ["1.0"]}],
}


def import_into(db_dir: Path, source: Path | str) -> VulnIndex:
    write_index(db_dir, load_source(str(source), work_dir=db_dir), now=NOW)
    return VulnIndex.open(db_dir)


def test_yaml_keeps_dates_and_versions_as_strings(tmp_path: Path) -> None:
    source = tmp_path / "src" / "vulns" / "demo-pkg"
    source.mkdir(parents=True)
    (source / "PYSEC-2099-1.yaml").write_text(YAML_RECORD, encoding="utf-8")
    index = import_into(tmp_path / "db", tmp_path / "src")
    (raw,) = index.raw_records("demo-pkg")
    assert raw["modified"] == "2024-05-01T10:00:00Z"
    assert raw["affected"][0]["ranges"][0]["events"][1] == {"fixed": "1.10"}
    # No SNAPSHOT file: the newest modified date, never the import time.
    assert index.info.snapshot == "2024-05-01T10:00:00+00:00"
    assert index.info.snapshot_origin == "newest record"
    index.close()


def test_zip_import_keeps_malicious_records(tmp_path: Path) -> None:
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr(
            zipfile.ZipInfo("MAL-2099-7.json", (2025, 3, 4, 5, 6, 8)), json.dumps(MAL_RECORD)
        )
        out.writestr(
            zipfile.ZipInfo("PYSEC-2099-1.json", (2025, 1, 1, 0, 0, 0)),
            json.dumps(
                {
                    "id": "PYSEC-2099-1",
                    "affected": [{"package": {"name": "demo", "ecosystem": "PyPI"}}],
                }
            ),
        )
    index = import_into(tmp_path / "db", archive)
    assert index.info.records == 2
    assert index.info.malicious == 1
    assert index.info.snapshot == "2025-03-04T05:06:08+00:00"
    assert [r.id for r in index.malicious_records("reqeusts")] == ["MAL-2099-7"]
    assert index.malicious_records("requests") == []
    index.close()


def test_real_advisory_db_snapshot_and_counts(advisory_index: Path) -> None:
    with opened(advisory_index) as index:
        assert index.info.records == VENDORED_RECORDS
        assert index.info.packages == VENDORED_PACKAGES
        assert index.info.snapshot == "2024-10-10T17:35:05+00:00"
        assert index.info.snapshot_origin == "SNAPSHOT file"
        assert index.info.source == str(ADVISORY_DB.resolve())


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "no OSV records found"),
        ({"a.json": "{not json"}, "invalid OSV record"),
        ({"a.yaml": "id: X\naffected: 3\n"}, "expected a list"),
        ({"a.json": '{"id": "X"}', "b.json": '{"id": "X"}'}, "appears twice"),
        ({"a.json": '{"id": "X"}', "SNAPSHOT": "abc no-date-here"}, "no ISO 8601 date"),
        ({"a.json": '{"id": "X"}'}, "no record has a modified date"),
    ],
)
def test_bad_sources_fail_and_keep_the_previous_db(
    tmp_path: Path, files: dict[str, str], message: str, advisory_index: Path
) -> None:
    source = tmp_path / "src"
    source.mkdir()
    for name, text in files.items():
        (source / name).write_text(text, encoding="utf-8")
    db_dir = tmp_path / "db"
    db_dir.mkdir()
    before = index_path(advisory_index).read_bytes()
    index_path(db_dir).write_bytes(before)
    with pytest.raises(SkillgateError, match=message):
        write_index(db_dir, load_source(str(source), work_dir=db_dir), now=NOW)
    assert index_path(db_dir).read_bytes() == before


def test_unreachable_url_fails_closed(tmp_path: Path) -> None:
    # Port 1 on loopback: nothing listens, the download fails fast.
    with pytest.raises(
        SkillgateError, match=r"cannot download OSV data from https://127\.0\.0\.1:1/"
    ):
        load_source("https://127.0.0.1:1/all.zip", work_dir=tmp_path)
    with pytest.raises(SkillgateError, match="unsupported URL scheme"):
        load_source("ftp://127.0.0.1/all.zip", work_dir=tmp_path)


def test_missing_and_corrupt_db_are_errors(tmp_path: Path) -> None:
    with pytest.raises(SkillgateError, match=r"vuln\.db-missing"):
        VulnIndex.open(tmp_path)
    index_path(tmp_path).write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(SkillgateError, match="unreadable"):
        VulnIndex.open(tmp_path)


def test_stale_db_is_refused(advisory_index: Path) -> None:
    with opened(advisory_index) as index:
        index.info.ensure_fresh(36500, NOW)
        with pytest.raises(
            SkillgateError, match=r"older than max_db_age_days=30 \(vuln.db-stale\)"
        ):
            index.info.ensure_fresh(30, NOW)
