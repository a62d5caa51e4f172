"""Recorders: where a component writes its audit events.

The HTTP service uses ``checker.audit.journal.JournalRecorder``. One-shot commands
(``skillgate run``, ``build``, the in-process ``SkillSandbox``) write straight to the store:
``DirectRecorder`` raises when the store cannot take a record, so a caller that must not act
unrecorded (an execution) refuses instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from checker.audit.store import AuditStore, open_store


class Recorder(Protocol):
    """Where events go; ``record_now`` is durable on return or raises."""

    def record(self, event: Mapping[str, Any]) -> None: ...

    def record_now(self, event: Mapping[str, Any]) -> None: ...

    def status(self) -> dict[str, Any]: ...

    def close(self) -> None: ...


class DirectRecorder:
    """Each event written to the store before returning (AuditStoreError when it cannot)."""

    def __init__(self, store: AuditStore) -> None:
        self.store = store

    @classmethod
    def default(cls, location: str | None = None) -> DirectRecorder:
        return cls(open_store(location))

    def record(self, event: Mapping[str, Any]) -> None:
        self.store.append([event])

    def record_now(self, event: Mapping[str, Any]) -> None:
        self.store.append([event])

    def status(self) -> dict[str, Any]:
        return {"store": self.store.location, "healthy": True}

    def close(self) -> None:
        self.store.close()


class NoRecorder:
    """Recording switched off (tests of other parts; the status says so)."""

    def record(self, event: Mapping[str, Any]) -> None:
        return None

    def record_now(self, event: Mapping[str, Any]) -> None:
        return None

    def status(self) -> dict[str, Any]:
        return {"store": "none"}

    def close(self) -> None:
        return None
