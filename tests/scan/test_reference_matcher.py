"""Our OSV matcher against an independent reference written from the OSV schema
(``tests/scan/osv_reference.py``), on every vendored record at and around every event, and on
the shapes the two used to disagree on."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from checker.vulns.matcher import match_record
from checker.vulns.osv_import import load_source
from checker.vulns.osv_model import OsvRecord
from tests.scan import osv_reference
from tests.scan.conftest import ADVISORY_DB

NOW = datetime.now(UTC)


def ours(doc: dict[str, Any], name: str, version: str) -> bool:
    record = OsvRecord.from_dict(doc, str(doc.get("id")))
    return match_record(record, name, Version(version), NOW) is not None


def test_every_vendored_record_agrees_with_the_reference(tmp_path: Path) -> None:
    data = load_source(str(ADVISORY_DB), work_dir=tmp_path)
    disagreements = []
    probes = 0
    for item in data.records:
        doc = json.loads(item.raw_json)
        for name in sorted(item.record.pypi_names()):
            for version in osv_reference.probes(doc):
                probes += 1
                answer = match_record(item.record, name, Version(version), NOW) is not None
                if answer != osv_reference.documented(doc, name, version, NOW):
                    disagreements.append((item.record.id, name, version))
    assert probes > 10_000
    assert disagreements == []


def record(events: list[dict[str, str]], **extra: Any) -> dict[str, Any]:
    return {
        "id": "TEST-1",
        "modified": "2026-01-01T00:00:00Z",
        "affected": [
            {
                "package": {"name": "demo", "ecosystem": "PyPI"},
                "ranges": [{"type": "ECOSYSTEM", "events": events}],
                **extra,
            }
        ],
    }


CASES = [
    # introduced "0" is before every version, its pre-releases and dev releases included.
    (record([{"introduced": "0"}, {"fixed": "1.0"}]), ["0.dev0", "0.0rc1", "0.0.0b1", "0.9"], []),
    # Events at one version, in either file order: the range is a union (apache-iotdb's and
    # pyspark's shape): fixed at 1.0 and introduced again at 1.0 leaves 1.0 affected.
    (
        record([{"introduced": "0"}, {"introduced": "1.0"}, {"fixed": "1.0"}, {"fixed": "2.0"}]),
        ["0.5", "1.0", "1.5"],
        ["2.0"],
    ),
    (
        record([{"introduced": "0"}, {"fixed": "1.0"}, {"introduced": "1.0"}, {"fixed": "2.0"}]),
        ["0.5", "1.0", "1.5"],
        ["2.0"],
    ),
    # last_affected closes just after its version; limit bounds everything.
    (record([{"introduced": "1.0"}, {"last_affected": "1.4"}]), ["1.0", "1.4"], ["0.9", "1.4.1"]),
    (record([{"introduced": "0"}, {"limit": "3.0"}]), ["2.9"], ["3.0", "4"]),
]


@pytest.mark.parametrize(("doc", "hit", "miss"), CASES)
def test_shapes_both_agree_on(doc: dict[str, Any], hit: list[str], miss: list[str]) -> None:
    for version in hit:
        assert ours(doc, "demo", version), version
        assert osv_reference.affected(doc, "demo", version, NOW), version
    for version in miss:
        assert not ours(doc, "demo", version), version
        assert not osv_reference.affected(doc, "demo", version, NOW), version


def test_a_withdrawal_in_the_future_has_not_happened_yet() -> None:
    future = (NOW + timedelta(days=30)).isoformat()
    past = (NOW - timedelta(days=30)).isoformat()
    events = [{"introduced": "0"}, {"fixed": "2.0"}]
    assert ours(record(events, **{}) | {"withdrawn": future}, "demo", "1.0")
    assert not ours(record(events) | {"withdrawn": past}, "demo", "1.0")


def test_a_bound_that_is_not_a_version_falls_back_on_the_versions_list() -> None:
    events = [{"introduced": "0"}, {"fixed": "2019-09-12"}]
    listed = record(events, versions=["1.0", "1.1"])
    assert ours(listed, "demo", "1.0")
    assert not ours(listed, "demo", "1.2")
    unlisted = record(events)
    record_obj = OsvRecord.from_dict(unlisted, "TEST-1")
    match = match_record(record_obj, "demo", Version("5.0"), NOW)
    assert match is not None  # fails closed: every version
    assert "not a PEP 440 version" in match.note
