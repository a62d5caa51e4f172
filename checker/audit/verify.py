"""Walk the chain and say exactly which record was edited, removed or reordered.

Each record is checked on its own (its hash recomputed from its position, its predecessor's
hash and its body; the indexed columns against the body) and against its neighbours (its
``prev_hash`` must be the hash of the record before it, and positions must follow without a
gap). A checkpoint (a ``seq`` and the hash the head had then, exported earlier) proves the
tail was not cut off: the record at that position must still carry that hash.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from checker.audit.chain import GENESIS, Record, columns, link
from checker.audit.store import AuditStore


@dataclass(frozen=True, slots=True)
class Problem:
    """One break in the trail, at a record position."""

    seq: int
    what: str

    def __str__(self) -> str:
        return f"record {self.seq}: {self.what}"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The head of the chain at some time: ``seq`` and its ``hash``."""

    seq: int
    hash: str
    time: str = ""

    def to_json(self) -> str:
        return json.dumps({"seq": self.seq, "hash": self.hash, "time": self.time}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Checkpoint:
        data: Any = json.loads(text)
        return cls(int(data["seq"]), str(data["hash"]), str(data.get("time", "")))


def _intact(record: Record, seq: int) -> bool:
    """Whether ``record``'s content is what was hashed at position ``seq``."""
    if link(seq, record.prev_hash, record.body) != record.hash:
        return False
    try:
        event = json.loads(record.body)
    except ValueError:
        return False
    stored = {
        "kind": record.kind,
        "agent": record.agent,
        "skill": record.skill,
        "package": record.package,
        "result": record.result,
    }
    return columns(event) == stored and event.get("event_id") == record.event_id


def verify_records(records: Iterable[Record]) -> tuple[int, list[Problem]]:
    """(records walked, problems) for a trail given in ``seq`` order."""
    rows = list(records)
    problems: list[Problem] = []
    expected_seq, prev_hash = 1, GENESIS
    i = 0
    while i < len(rows):
        row = rows[i]
        if row.seq > expected_seq:
            gone = (
                f"{expected_seq}"
                if row.seq == expected_seq + 1
                else f"{expected_seq}-{row.seq - 1}"
            )
            problems.append(Problem(expected_seq, f"removed (records {gone} are missing)"))
            prev_hash = _hash_before(rows, i, prev_hash)
        nxt = rows[i + 1] if i + 1 < len(rows) else None
        if not _intact(row, row.seq):
            if nxt is not None and _intact(row, nxt.seq) and _intact(nxt, row.seq):
                problems.append(
                    Problem(row.seq, f"swapped with record {nxt.seq} (each holds the other's)")
                )
                prev_hash = row.hash
                expected_seq = nxt.seq + 1
                i += 2
                continue
            problems.append(Problem(row.seq, "edited: its content does not match its hash"))
        elif row.prev_hash != prev_hash and not any(p.seq == row.seq for p in problems):
            problems.append(_broken_link(rows, i, row))
        prev_hash, expected_seq = row.hash, row.seq + 1
        i += 1
    return len(rows), problems


def _hash_before(rows: Sequence[Record], i: int, fallback: str) -> str:
    """After a gap, the next record is judged by its own link (the gap is reported)."""
    return rows[i].prev_hash if i < len(rows) else fallback


def _broken_link(rows: Sequence[Record], i: int, row: Record) -> Problem:
    before = rows[i - 1] if i else None
    follows = next((r for r in rows if r.hash == row.prev_hash), None)
    if follows is not None and before is not None and follows.seq != before.seq:
        return Problem(row.seq, f"out of order: it follows record {follows.seq}")
    if before is not None:
        return Problem(
            before.seq,
            f"rewritten: record {row.seq} no longer links to it (content and hash changed)",
        )
    return Problem(row.seq, "does not link to the start of the chain")


def verify_store(
    store: AuditStore, checkpoints: Sequence[Checkpoint] = ()
) -> tuple[int, list[Problem]]:
    """Walk ``store``'s whole trail; every checkpoint's record must still be there, unchanged."""
    walked, problems = verify_records(store.every_record())
    for checkpoint in checkpoints:
        if checkpoint.seq == 0:
            continue  # taken of an empty trail: nothing to prove
        record = store.record_at(checkpoint.seq)
        if record is None:
            when = checkpoint.time or "earlier"
            problems.append(
                Problem(checkpoint.seq, f"missing: the trail was cut off (checkpoint of {when})")
            )
        elif record.hash != checkpoint.hash:
            problems.append(
                Problem(checkpoint.seq, "does not carry the hash its checkpoint recorded")
            )
    return walked, sorted(problems, key=lambda p: p.seq)
