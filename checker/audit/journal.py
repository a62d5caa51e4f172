"""The service's recorder: a local journal on the request path, shipped to the store behind it.

Recording must not slow decisions, and a killed process must not lose what it answered:
``record`` appends the event as one JSON line to this process's journal file (one ``write``
to an ``O_APPEND`` descriptor: it survives the process, even SIGKILL) and returns. A shipper
thread reads the journal, writes batches to the store (which links them into the chain),
and remembers how far it got. When the store is down, the journal keeps accepting and the
shipper retries; nothing accepted is lost. The journal is bounded: past ``max_backlog``
unshipped bytes an event is not accepted, and that overflow is counted and reported, never
silent. ``record_now`` (executions: nothing runs unrecorded) waits until its event is in
the store, and raises when it cannot get there.

A journal left by a process that died (its lock is free) is shipped and removed by the next
process that starts on the same journal directory.
"""

from __future__ import annotations

import fcntl
import json
import logging
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
        self.retry_seconds = retry_seconds
        directory.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._shipped_cond = threading.Condition()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self.path = directory / f"journal-{uuid.uuid4().hex}.jsonl"
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._written = 0
        self._shipped = 0
        self.accepted = 0
        self.overflow = 0
        self.write_failures = 0
        self.last_error: str | None = None
        self.recovered = self._ship_orphans()
        self._thread = threading.Thread(target=self._run, name="skillgate-audit", daemon=True)
        self._thread.start()

    # --- the request path ----------------------------------------------------------------

    def record(self, event: Mapping[str, Any]) -> None:
        """Accept ``event`` into the journal (never blocks on the store)."""
        self._append(event)

    def record_now(self, event: Mapping[str, Any], timeout: float = 10.0) -> None:
        """Accept ``event`` and wait until it is in the store; AuditStoreError otherwise."""
        end = self._append(event)
        if end is None:
            raise AuditStoreError("the audit journal is full: the store has been down too long")
        self._wake.set()
        deadline = time.monotonic() + timeout
        with self._shipped_cond:
            while self._shipped < end:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AuditStoreError(
                        f"the audit store {self.store.location} did not take the record: "
                        f"{self.last_error or 'timed out'}"
                    )
                self._shipped_cond.wait(left)

    def _append(self, event: Mapping[str, Any]) -> int | None:
        line = (json.dumps(stamped(event), sort_keys=True, ensure_ascii=False) + "\n").encode()
        with self._lock:
            if self._written - self._shipped + len(line) > self.max_backlog:
                self.overflow += 1
                return None
            os.write(self._fd, line)
            self._written += len(line)
            self.accepted += 1
            return self._written

    # --- shipping --------------------------------------------------------------------------

    def _run(self) -> None:
        with self.path.open("rb") as journal:
            while True:
                self._wake.wait(0.05)
                self._wake.clear()
                stopping = self._stop.is_set()
                if not self._ship_available(journal) and stopping:
                    return
                if stopping and self._shipped >= self._written:
                    return

    def _ship_available(self, journal: Any) -> bool:
        """Ship what the journal holds beyond the shipped offset; False on a store error."""
        while self._shipped < self._written:
            journal.seek(self._shipped)
            lines = []
            size = 0
            for raw in journal:
                if not raw.endswith(b"\n"):
                    break
                lines.append(raw)
                size += len(raw)
                if len(lines) >= _BATCH:
                    break
            if not lines:
                return True
            try:
                self.store.append([json.loads(raw) for raw in lines])
            except AuditStoreError as exc:
                self.write_failures += 1
                if self.last_error is None:
                    log.error("audit store unavailable", extra={"error": str(exc)})
                self.last_error = str(exc)
                self._stop.wait(self.retry_seconds)
                return False
            if self.last_error is not None:
                log.info("audit store available again", extra={"store": self.store.location})
            self.last_error = None
            with self._shipped_cond:
                self._shipped += size
                self._shipped_cond.notify_all()
        return True

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
        backlog = self._written - self._shipped
        return {
            "store": self.store.location,
            "healthy": self.last_error is None,
            "last_error": self.last_error,
            "backlog_bytes": backlog,
            "accepted": self.accepted,
            "overflow": self.overflow,
            "write_failures": self.write_failures,
        }

    def close(self, timeout: float = 30.0) -> None:
        """Ship what can be shipped, then stop; an unshipped journal stays for the next start."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)
        fully_shipped = self._shipped >= self._written
        os.close(self._fd)
        if fully_shipped:
            self.path.unlink(missing_ok=True)
