"""The service's recorder: a local journal on the request path, shipped to the store behind it.

Recording must not slow decisions, and a killed process must not lose what it answered:
``record`` appends the event as one JSON line to this process's journal file (one ``write``
to an ``O_APPEND`` descriptor: it survives the process, even SIGKILL) and returns. A shipper
process (not a thread: linking and writing batches would hold the interpreter lock and delay
decisions by milliseconds) reads the journal, writes batches to the store (which links them
into the chain), and publishes how far it got in shared memory. When the store is down, the
journal keeps accepting and the shipper retries; nothing accepted is lost. The journal is
bounded: past ``max_backlog`` unshipped bytes an event is not accepted, and that overflow is
counted and reported, never silent. ``record_now`` (executions: nothing runs unrecorded)
waits until its event is in the store, and raises when it cannot get there.

A journal left by a process that died (its lock is free) is shipped and removed by the next
process that starts on the same journal directory.
"""

from __future__ import annotations

import fcntl
import json
import logging
import multiprocessing
import os
import threading
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from checker.audit.chain import stamped
from checker.audit.store import AuditStore, AuditStoreError

log = logging.getLogger("skillgate.audit")
_BATCH = 1000
_MAX_BACKLOG = 256 * 1024 * 1024


class JournalRecorder:
    """See the module docstring. Thread-safe."""

    def __init__(
        self,
        store: AuditStore,
        directory: Path,
        *,
        max_backlog: int = _MAX_BACKLOG,
        retry_seconds: float = 0.5,
    ) -> None:
        self.store = store
        self.directory = directory
        self.max_backlog = max_backlog
        directory.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self.path = directory / f"journal-{uuid.uuid4().hex}.jsonl"
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._written = 0
        self.accepted = 0
        self.overflow = 0
        self.recovered = self._ship_orphans()
        context = multiprocessing.get_context("spawn")
        self._shipped = context.Value("q", 0, lock=False)
        self._failures = context.Value("q", 0, lock=False)
        self._error = context.Array("c", 1024, lock=False)
        self._stop = context.Event()
        self._wake = context.Event()
        self._process = context.Process(
            target=_ship,
            args=(
                str(self.path), _location(store), retry_seconds, self._shipped, self._failures,
                self._error, self._stop, self._wake, os.getpid(),
            ),
            name="skillgate-audit-shipper",
            daemon=True,
        )  # fmt: skip
        self._process.start()

    @property
    def shipped(self) -> int:
        return int(self._shipped.value)

    @property
    def last_error(self) -> str | None:
        text = bytes(self._error.raw).rstrip(b"\0").decode("utf-8", "replace")
        return text or None

    @property
    def write_failures(self) -> int:
        return int(self._failures.value)

    # --- the request path ----------------------------------------------------------------

    def record(self, event: Mapping[str, Any]) -> None:
        """Accept ``event`` into the journal (never blocks on the store)."""
        self._append(event)

    def record_now(self, event: Mapping[str, Any], timeout: float = 10.0) -> None:
        """Accept ``event`` and wait until it is in the store; AuditStoreError otherwise."""
        end = self._append(event)
        if end is None:
            raise AuditStoreError("the audit journal is full: the store has been down too long")
        self._wake.set()  # ship now, not at the next poll
        deadline = time.monotonic() + timeout
        while self.shipped < end:
            if time.monotonic() > deadline or not self._process.is_alive():
                raise AuditStoreError(
                    f"the audit store {self.store.location} did not take the record: "
                    f"{self.last_error or 'timed out'}"
                )
            time.sleep(0.002)

    def _append(self, event: Mapping[str, Any]) -> int | None:
        line = (json.dumps(stamped(event), sort_keys=True, ensure_ascii=False) + "\n").encode()
        with self._lock:
            if self._written - self.shipped + len(line) > self.max_backlog:
                self.overflow += 1
                return None
            os.write(self._fd, line)
            self._written += len(line)
            self.accepted += 1
            return self._written

    def _ship_orphans(self) -> int:
        """Ship and remove the journals of processes that died; returns the events shipped."""
        shipped = 0
        for path in sorted(self.directory.glob("journal-*.jsonl")):
            if path == self.path:
                continue
            fd = os.open(path, os.O_RDONLY)
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a live process owns it
                events = [
                    json.loads(raw)
                    for raw in path.read_bytes().splitlines(keepends=True)
                    if raw.endswith(b"\n")
                ]
                for start in range(0, len(events), _BATCH):
                    shipped += len(self.store.append(events[start : start + _BATCH]))
                path.unlink()
            finally:
                os.close(fd)
        if shipped:
            log.info("shipped an earlier process's journal", extra={"records": shipped})
        return shipped

    # --- status and shutdown ---------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        error = self.last_error
        return {
            "store": self.store.location,
            "healthy": error is None and self._process.is_alive(),
            "last_error": error
            or (None if self._process.is_alive() else "the audit shipper stopped"),
            "backlog_bytes": self._written - self.shipped,
            "accepted": self.accepted,
            "overflow": self.overflow,
            "write_failures": self.write_failures,
        }

    def close(self, timeout: float = 30.0) -> None:
        """Ship what can be shipped, then stop; an unshipped journal stays for the next start."""
        self._stop.set()
        self._wake.set()
        self._process.join(timeout)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        fully_shipped = self.shipped >= self._written
        os.close(self._fd)
        if fully_shipped:
            self.path.unlink(missing_ok=True)


def _location(store: AuditStore) -> str:
    """How the shipper process opens the same store (the URL with its password)."""
    return str(getattr(store, "url", None) or store.location)


def _ship(
    journal: str,
    location: str,
    retry_seconds: float,
    shipped: Any,
    failures: Any,
    error: Any,
    stop: Any,
    wake: Any,
    parent: int,
) -> None:
    """The shipper process: journal lines to the store, in batches, until told to stop (then
    until everything is shipped, or the store refuses) or the parent is gone. An idle shipper
    looks again every 20 ms, or at once when ``wake`` is set (``record_now`` waits on it)."""
    from checker.audit.store import open_store  # noqa: PLC0415 - in the child process

    def fail(message: str) -> None:
        failures.value += 1
        error.raw = message.encode("utf-8", "replace")[:1023].ljust(1024, b"\0")

    store = None
    with open(journal, "rb") as source:
        while True:
            stopping = stop.is_set() or os.getppid() != parent
            batch, size = _read_batch(source, int(shipped.value))
            if not batch:
                if stopping:
                    return
                if wake.wait(0.02):
                    wake.clear()  # before the next read: a later append sets it again
                continue
            try:
                store = store or open_store(location, create=False)
                store.append([json.loads(raw) for raw in batch])
            except AuditStoreError as exc:
                fail(str(exc))
                if stopping:
                    return
                stop.wait(retry_seconds)
                continue
            error.raw = b"\0" * 1024
            shipped.value += size


def _read_batch(source: Any, offset: int) -> tuple[list[bytes], int]:
    source.seek(offset)
    lines: list[bytes] = []
    size = 0
    for raw in source:
        if not raw.endswith(b"\n"):
            break
        lines.append(raw)
        size += len(raw)
        if len(lines) >= _BATCH:
            break
    return lines, size
