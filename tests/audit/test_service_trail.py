"""The service's audit trail, over real sockets and real stores (SQLite and PostgreSQL):
every decision and refusal recorded, the trail readable by operators only, nothing lost when
the store goes away and comes back, nor when the service is killed."""

from __future__ import annotations

import http.client
import signal
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from checker.audit.store import AuditStore, PostgresStore, open_store
from checker.audit.verify import verify_store
from tests.service.conftest import Server, start, wait_until

CHECK = "/api/packages/check?package_name=pyyaml&version=6.0.2"


def rename_table(store: AuditStore, old: str, new: str) -> None:
    """Take the table away (the store is "down") or bring it back."""
    sql = f"ALTER TABLE {old} RENAME TO {new}"
    if isinstance(store, PostgresStore):
        import psycopg

        with psycopg.connect(store.url, autocommit=True) as conn:
            conn.execute(sql)
    else:
        with sqlite3.connect(store.location) as conn:
            conn.execute(sql)


@pytest.fixture
def audited(tmp_path: Path, store_location: str) -> Iterator[tuple[Server, AuditStore]]:
    server = start(tmp_path, extra=["--audit", store_location])
    yield server, open_store(store_location)
    server.stop()


def event_ids(store: AuditStore) -> set[str]:
    return {r.event_id for r in store.records()}


def test_decisions_refusals_and_bundle_loads_are_recorded(
    audited: tuple[Server, AuditStore],
) -> None:
    server, store = audited
    allowed = server.get(CHECK, server.tokens["intern-7"]).body
    denied = server.get(CHECK, server.tokens["new-hire"]).body
    skill = server.get("/api/skills/yaml-normalize/check", server.tokens["intern-7"]).body
    assert server.get(CHECK).status == 401
    assert server.get(f"{CHECK}&agent_id=doc-bot", server.tokens["intern-7"]).status == 403
    wanted = {allowed["decision_id"], denied["decision_id"], skill["decision_id"]}
    wait_until(lambda: wanted <= event_ids(store), "the decisions were not recorded", server)
    wait_until(
        lambda: len([r for r in store.records() if r.kind == "request.refused"]) == 2,
        "the refusals were not recorded",
        server,
    )
    by_id = {r.event_id: r.event for r in store.records()}
    record = by_id[allowed["decision_id"]]
    assert {k: record[k] for k in ("kind", "agent", "package", "version", "result", "rule")} == {
        "kind": "decision.package",
        "agent": "intern-7",
        "package": "pyyaml",
        "version": "6.0.2",
        "result": "allow",
        "rule": "policy/packages/pyyaml.yaml:2",
    }
    assert record["revision"] == "rev-1"
    assert by_id[denied["decision_id"]]["result"] == "deny"
    loads = [r.event for r in store.records() if r.kind == "bundle.load"]
    assert [(e["result"], e["revision"]) for e in loads] == [("accepted", "rev-1")]
    assert verify_store(store)[1] == []


def test_the_trail_is_for_operators_and_paginated(audited: tuple[Server, AuditStore]) -> None:
    server, store = audited
    ids = [server.get(CHECK, server.tokens["intern-7"]).body["decision_id"] for _ in range(5)]
    wait_until(lambda: set(ids) <= event_ids(store), "not recorded", server)
    assert server.get("/api/audit", server.tokens["intern-7"]).status == 403
    assert server.get("/api/audit").status == 401
    operator = server.tokens["operator"]
    first = server.get("/api/audit?agent=intern-7&decision=allow&limit=3", operator).body
    assert [r["event_id"] for r in first["records"]] == ids[:3]
    after = first["next_after"]
    rest = server.get(f"/api/audit?agent=intern-7&decision=allow&after={after}", operator).body
    assert [r["event_id"] for r in rest["records"]] == ids[3:]
    assert rest["next_after"] is None
    for bad in ("decision=maybe", "since=yesterday", "limit=0", "after=-1"):
        reply = server.get(f"/api/audit?{bad}", operator)
        assert reply.status == 400, bad
    wait_until(
        lambda: server.get("/health/ready").body["audit"]["backlog_bytes"] == 0,
        "the journal was not shipped",
        server,
    )
    head = server.get("/api/audit/checkpoint", operator).body
    record = store.head()
    assert record is not None
    assert (head["seq"], head["hash"]) == (record.seq, record.hash)


def test_nothing_accepted_is_lost_when_the_store_goes_away_and_comes_back(
    audited: tuple[Server, AuditStore],
) -> None:
    server, store = audited
    token = server.tokens["intern-7"]
    first = server.get(CHECK, token).body["decision_id"]
    wait_until(lambda: first in event_ids(store), "recording never started", server)
    rename_table(store, "audit_records", "audit_records_away")
    try:
        # Decisions are still answered while the store is down.
        during = [server.get(CHECK, token) for _ in range(20)]
        assert {reply.status for reply in during} == {200}
        wait_until(
            lambda: server.get("/health/ready").body["audit"]["healthy"] is False,
            "the store's failure is not visible",
            server,
        )
        ready = server.get("/health/ready")
        assert ready.status == 200  # decisions keep being answered
        assert "audit_records" in ready.body["audit"]["last_error"]
        metrics = server.get("/metrics", server.tokens["operator"]).body
        assert "skillgate_audit_healthy 0.0" in metrics
    finally:
        rename_table(store, "audit_records_away", "audit_records")
    wanted = {reply.body["decision_id"] for reply in during}
    wait_until(lambda: wanted <= event_ids(store), "records accepted while down were lost", server)
    wait_until(
        lambda: server.get("/health/ready").body["audit"]["healthy"] is True,
        "recording did not resume",
        server,
    )
    assert verify_store(store)[1] == []


def test_a_killed_service_loses_no_answered_decision(tmp_path: Path, store_location: str) -> None:
    journal = tmp_path / "journal"
    extra = ["--audit", store_location, "--audit-journal", str(journal)]
    server = start(tmp_path / "first", extra=extra)
    received: list[str] = []
    stop = threading.Event()

    def client() -> None:
        while not stop.is_set():
            try:
                reply = server.get(CHECK, server.tokens["intern-7"])
            except (OSError, http.client.HTTPException):
                return  # the service is gone (a reply cut off was never received)
            if reply.status == 200:
                received.append(reply.body["decision_id"])

    threads = [threading.Thread(target=client) for _ in range(8)]
    for thread in threads:
        thread.start()
    wait_until(lambda: len(received) >= 300, "no load reached the service", server)
    server.process.send_signal(signal.SIGKILL)
    server.process.wait()
    stop.set()
    for thread in threads:
        thread.join()
    store = open_store(store_location)
    restarted = start(tmp_path / "second", extra=extra)
    try:
        wait_until(
            lambda: set(received) <= event_ids(store),
            f"{len(set(received) - event_ids(store))} answered decisions have no record",
            restarted,
        )
    finally:
        restarted.stop()
    walked, problems = verify_store(store)
    assert problems == []
    assert walked >= len(received)
