"""One chain under concurrent writers: many threads, several processes, several service
replicas against one PostgreSQL. No record is lost and the chain verifies."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

from checker.audit.store import open_store
from checker.audit.verify import verify_store
from tests.service.conftest import start, wait_until

THREADS = 8
PROCESSES = 4
EACH = 150


def _write(location: str, writer: str, count: int) -> None:
    store = open_store(location)
    for i in range(count):
        store.append([{"event_id": f"{writer}-{i}", "kind": "test", "agent": writer}])


def test_threads_and_processes_share_one_chain(store_location: str) -> None:
    threads = [
        threading.Thread(target=_write, args=(store_location, f"thread{t}", EACH))
        for t in range(THREADS)
    ]
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_write, args=(store_location, f"process{p}", EACH))
        for p in range(PROCESSES)
    ]
    for thread in threads:
        thread.start()
    for process in processes:
        process.start()
    for thread in threads:
        thread.join()
    for process in processes:
        process.join()
        assert process.exitcode == 0
    store = open_store(store_location)
    expected = {f"thread{t}-{i}" for t in range(THREADS) for i in range(EACH)} | {
        f"process{p}-{i}" for p in range(PROCESSES) for i in range(EACH)
    }
    records = store.records()
    assert {r.event_id for r in records} == expected
    assert [r.seq for r in records] == list(range(1, len(expected) + 1))
    assert verify_store(store) == (len(expected), [])


def test_service_replicas_share_one_postgresql_chain(tmp_path: Path, fresh_postgres: str) -> None:
    replicas = [
        start(tmp_path / f"replica{i}", extra=["--audit", fresh_postgres]) for i in range(3)
    ]
    received: list[str] = []
    lock = threading.Lock()

    def client(replica: int) -> None:
        server = replicas[replica % len(replicas)]
        for _ in range(100):
            reply = server.get(
                "/api/packages/check?package_name=pyyaml&version=6.0.2",
                server.tokens["intern-7"],
            )
            assert reply.status == 200
            with lock:
                received.append(reply.body["decision_id"])

    clients = [threading.Thread(target=client, args=(i,)) for i in range(9)]
    try:
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join()
    finally:
        for server in replicas:
            server.stop()
    store = open_store(fresh_postgres)
    wait_until(
        lambda: set(received) <= {r.event_id for r in store.records()},
        "replicas lost decisions",
    )
    walked, problems = verify_store(store)
    assert problems == []
    assert len(set(received)) == 900
    assert walked >= 900 + 3  # the decisions and each replica's bundle load
