"""The hash chain: every record carries the hash of the one before it.

A record's hash is ``sha256(seq \\n prev_hash \\n body)``, ``body`` being the canonical JSON
of the event (sorted keys, no spaces). Changing a record's content, its position, or the
record before it breaks the chain where it happened, and ``checker.audit.verify`` says where.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
FILTER_FIELDS = ("kind", "agent", "skill", "package", "result")


@dataclass(frozen=True, kw_only=True, slots=True)
class Record:
    """One stored record: its place in the chain, its event, and the two hashes."""

    seq: int
    event_id: str
    time: str
    kind: str
    agent: str | None
    skill: str | None
    package: str | None
    result: str | None
    body: str
    prev_hash: str
    hash: str

    @property
    def event(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.body)
        return loaded

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash, "prev_hash": self.prev_hash, **self.event}


def now_iso() -> str:
    """UTC, microseconds, a ``Z``: sorts as text in time order."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def stamped(event: Mapping[str, Any]) -> dict[str, Any]:
    """``event`` with an ``event_id`` (its decision id when it has one) and a ``time``."""
    out = dict(event)
    out.setdefault("event_id", str(out.get("decision_id") or uuid.uuid4().hex))
    out.setdefault("time", now_iso())
    return out


def canonical(event: Mapping[str, Any]) -> str:
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def link(seq: int, prev_hash: str, body: str) -> str:
    """The hash of the record at ``seq`` whose predecessor's hash is ``prev_hash``."""
    return hashlib.sha256(f"{seq}\n{prev_hash}\n{body}".encode()).hexdigest()


def columns(event: Mapping[str, Any]) -> dict[str, str | None]:
    """The indexed columns a store keeps beside the body (derived from it, checked by verify)."""
    out: dict[str, str | None] = {}
    for name in FILTER_FIELDS:
        value = event.get(name)
        out[name] = None if value is None else str(value)
    return out
