"""The same store tests against SQLite and a real PostgreSQL: append, read, tamper, verify."""

from __future__ import annotations

import sqlite3
from itertools import pairwise
from typing import Any

import pytest

from checker.audit.chain import GENESIS, link
from checker.audit.store import AuditStore, Filters, PostgresStore
from checker.audit.verify import Checkpoint, verify_store


def events(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "event_id": f"e{i}",
            "kind": "decision.package" if i % 3 else "execution",
            "agent": "alice" if i % 2 else "bob",
            "package": "pyyaml",
            "version": "6.0.2",
            "skill": "fmt" if i % 3 == 0 else None,
            "result": "allow" if i % 4 else "deny",
            "time": f"2026-12-01T00:00:{i:02d}.000000Z",
        }
        for i in range(start, start + n)
    ]


def execute(store: AuditStore, sql: str, *args: Any) -> None:
    """Tamper with the table directly, as someone with write access to the database would."""
    if isinstance(store, PostgresStore):
        import psycopg

        with psycopg.connect(store.url, autocommit=True) as conn:
            conn.execute(sql.replace("?", "%s"), args)
    else:
        with sqlite3.connect(store.location) as conn:
            conn.execute(sql, args)


def test_appended_records_are_chained_and_read_back(store: AuditStore) -> None:
    written = store.append(events(5))
    assert [r.seq for r in written] == [1, 2, 3, 4, 5]
    assert written[0].prev_hash == GENESIS
    for before, after in pairwise(written):
        assert after.prev_hash == before.hash
        assert after.hash == link(after.seq, after.prev_hash, after.body)
    head = store.head()
    assert head is not None
    assert head.hash == written[-1].hash
    assert [r.event_id for r in store.records()] == ["e0", "e1", "e2", "e3", "e4"]
    assert verify_store(store) == (5, [])


def test_an_event_already_stored_is_skipped(store: AuditStore) -> None:
    store.append(events(3))
    again = store.append(events(5))
    assert [r.event_id for r in again] == ["e3", "e4"]
    assert [r.seq for r in store.records()] == [1, 2, 3, 4, 5]


def test_filters_and_pagination(store: AuditStore) -> None:
    store.append(events(12))
    alice = store.records(Filters(agent="alice"))
    assert {r.agent for r in alice} == {"alice"}
    assert len(alice) == 6
    denied = store.records(Filters(result="deny"))
    assert [r.event_id for r in denied] == ["e0", "e4", "e8"]
    windowed = store.records(
        Filters(since="2026-12-01T00:00:03.000000Z", until="2026-12-01T00:00:05.000000Z")
    )
    assert [r.event_id for r in windowed] == ["e3", "e4", "e5"]
    first = store.records(limit=5)
    second = store.records(after=first[-1].seq, limit=5)
    assert [r.seq for r in first + second] == list(range(1, 11))
    assert [r.event_id for r in store.records(Filters(skill="fmt"))] == ["e0", "e3", "e6", "e9"]


def test_an_edited_record_is_reported_at_its_position(store: AuditStore) -> None:
    store.append(events(8))
    execute(store, "UPDATE audit_records SET result = ? WHERE seq = ?", "deny", 4)
    _, problems = verify_store(store)
    assert [str(p) for p in problems] == ["record 4: edited: its content does not match its hash"]


def test_a_rewritten_record_with_a_recomputed_hash_is_reported(store: AuditStore) -> None:
    written = store.append(events(8))
    target = written[3]
    body = target.body.replace("pyyaml", "pyyaml-evil")
    execute(
        store,
        "UPDATE audit_records SET body = ?, package = ?, hash = ? WHERE seq = ?",
        body,
        "pyyaml-evil",
        link(4, target.prev_hash, body),
        4,
    )
    _, problems = verify_store(store)
    assert [str(p) for p in problems] == [
        "record 4: rewritten: record 5 no longer links to it (content and hash changed)"
    ]


def test_a_removed_record_is_reported_at_its_position(store: AuditStore) -> None:
    store.append(events(8))
    execute(store, "DELETE FROM audit_records WHERE seq = ?", 5)
    _, problems = verify_store(store)
    assert [str(p) for p in problems] == ["record 5: removed (records 5 are missing)"]


def test_two_swapped_records_are_reported(store: AuditStore) -> None:
    store.append(events(8))
    execute(store, "UPDATE audit_records SET seq = -1 WHERE seq = ?", 6)
    execute(store, "UPDATE audit_records SET seq = 6 WHERE seq = ?", 5)
    execute(store, "UPDATE audit_records SET seq = 5 WHERE seq = ?", -1)
    _, problems = verify_store(store)
    assert [str(p) for p in problems] == [
        "record 5: swapped with record 6 (each holds the other's)"
    ]


def test_a_cut_off_tail_is_caught_by_a_checkpoint(store: AuditStore) -> None:
    store.append(events(6))
    head = store.head()
    assert head is not None
    checkpoint = Checkpoint(head.seq, head.hash, head.time)
    assert verify_store(store, [checkpoint]) == (6, [])
    execute(store, "DELETE FROM audit_records WHERE seq >= ?", 5)
    walked, problems = verify_store(store, [checkpoint])
    assert walked == 4
    assert [str(p) for p in problems] == [
        f"record 6: missing: the trail was cut off (checkpoint of {head.time})"
    ]
    assert Checkpoint.from_json(checkpoint.to_json()) == checkpoint


@pytest.mark.parametrize("store_location", ["sqlite"], indirect=True)
def test_an_unwritable_store_is_an_error(store_location: str) -> None:
    from pathlib import Path

    from checker.audit.store import AuditStoreError, open_store

    blocker = Path(store_location).parent / "not-a-dir"
    blocker.write_text("x")
    with pytest.raises(AuditStoreError, match="cannot open the audit trail"):
        open_store(str(blocker / "audit.sqlite3"))
