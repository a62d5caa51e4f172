"""Warm pool: pre-started hardened containers, each used for exactly one execution.

A warm container is created and started with the same controls as a cold one and then
blocks reading its stdin; an execution hands it the payload, collects the result and
throws the container away (no state carries over). The pool is refilled in the
background and bounded per key and in keys. Every execution still needs a fresh
``GrantedRun``: the policy decision is never cached here.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from checker.policy.sandbox import Limits
from sandbox.grant import GrantedRun
from sandbox.runner import Prepared, RunResult, execute, prepare

PoolKey = tuple[str, tuple[str, ...], Limits]
MAX_KEYS = 8
"""Distinct (image, command, limits) combinations kept warm at once."""


class WarmPool:
    """Per-image pools of started containers, refilled in the background.

    Use as a context manager (or call ``close``) so that no warm container outlives it.
    """

    def __init__(self, client: Any, *, size: int = 2, max_keys: int = MAX_KEYS) -> None:
        self._client = client
        self._size = max(size, 0)
        self._max_keys = max_keys
        self._ready: OrderedDict[PoolKey, deque[Prepared]] = OrderedDict()
        self._pending: dict[PoolKey, int] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._workers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="skillgate-pool")
        self._futures: set[Future[None]] = set()

    def __enter__(self) -> WarmPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def warm(self, grant: GrantedRun, *, image_id: str, command: Sequence[str]) -> None:
        """Fill the pool for this key now (blocking); used at startup and by benchmarks."""
        key = _key(grant, image_id, command)
        while not self._closed and self.ready_count(key) < self._size:
            self._add(key, grant)

    def ready_count(self, key: PoolKey) -> int:
        with self._lock:
            return len(self._ready.get(key, ()))

    def execute(
        self, grant: GrantedRun, *, image_id: str, command: Sequence[str], payload: bytes
    ) -> RunResult:
        """Run ``payload`` in a warm container (cold when none is ready), then discard it."""
        if not isinstance(grant, GrantedRun):
            raise TypeError("a sandbox execution needs a GrantedRun from sandbox.grant.authorize")
        key = _key(grant, image_id, command)
        prepared = self._take(key)
        warm = prepared is not None
        if prepared is None:
            prepared = prepare(self._client, grant, image_id=image_id, command=command)
            try:
                prepared.start()
            except BaseException:
                prepared.discard()
                raise
        try:
            return execute(prepared, payload, warm=warm)
        finally:
            self._submit(prepared.discard)
            self._refill(key, grant)

    def close(self) -> None:
        """Stop refilling and remove every warm container."""
        with self._lock:
            self._closed = True
            leftovers = [p for queue in self._ready.values() for p in queue]
            self._ready.clear()
        self._workers.shutdown(wait=True, cancel_futures=False)
        for prepared in leftovers:
            prepared.discard()

    def _take(self, key: PoolKey) -> Prepared | None:
        while True:
            with self._lock:
                queue = self._ready.get(key)
                if not queue:
                    return None
                prepared = queue.popleft()
            if prepared.stream.open:
                return prepared
            # It died while waiting (killed by gc, the OOM killer, ...): never hand it out.
            self._submit(prepared.discard)

    def _refill(self, key: PoolKey, grant: GrantedRun) -> None:
        with self._lock:
            if self._closed:
                return
            missing = self._size - len(self._ready.get(key, ())) - self._pending.get(key, 0)
            if missing <= 0:
                return
            self._pending[key] = self._pending.get(key, 0) + missing
        for _ in range(missing):
            self._submit(lambda: self._add(key, grant, pending=True))

    def _add(self, key: PoolKey, grant: GrantedRun, *, pending: bool = False) -> None:
        image_id, command, _limits = key
        if self._closed:
            if pending:
                with self._lock:
                    self._pending[key] -= 1
            return
        try:
            prepared = prepare(self._client, grant, image_id=image_id, command=command, role="pool")
            try:
                prepared.start()
            except BaseException:
                prepared.discard()
                raise
        finally:
            if pending:
                with self._lock:
                    self._pending[key] -= 1
        evicted: list[Prepared] = []
        with self._lock:
            if self._closed:
                evicted.append(prepared)
            else:
                self._ready.setdefault(key, deque()).append(prepared)
                self._ready.move_to_end(key)
                while len(self._ready) > self._max_keys:
                    _old, queue = self._ready.popitem(last=False)
                    evicted.extend(queue)
        for old in evicted:
            old.discard()

    def _submit(self, task: Any) -> None:
        try:
            future: Future[None] = self._workers.submit(task)
        except RuntimeError:
            # The executor is shut down (closing): do it inline so nothing leaks.
            task()
            return
        with self._lock:
            self._futures.add(future)
        future.add_done_callback(self._forget)

    def _forget(self, future: Future[None]) -> None:
        with self._lock:
            self._futures.discard(future)


def _key(grant: GrantedRun, image_id: str, command: Sequence[str]) -> PoolKey:
    return (image_id, tuple(command), grant.limits)
