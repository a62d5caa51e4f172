"""Executions are in the audit trail: each run's start and outcome, and none runs unrecorded."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from checker.audit.recorders import DirectRecorder
from checker.audit.store import SqliteStore
from checker.audit.verify import verify_store
from checker.exit_codes import SkillgateError
from sandbox.build import BuildResult
from sandbox.engine import LABEL_MANAGED
from sandbox.gc import leftovers
from sandbox.grant import DeniedError
from sandbox.skill_sandbox import SkillSandbox
from tests.docker.conftest import STUDENT, TRUSTED

pytestmark = pytest.mark.docker


def test_a_run_is_recorded_from_decision_to_outcome(
    tmp_path: Path, docker_client: Any, sandbox_repo: Path, built: dict[str, BuildResult]
) -> None:
    store = SqliteStore(tmp_path / "audit.db")
    with SkillSandbox(sandbox_repo, recorder=DirectRecorder(store)) as sandbox:
        result = sandbox.run(agent=TRUSTED, skill="plain", code="raise SystemExit(3)")
        with pytest.raises(DeniedError):
            sandbox.run(agent=STUDENT, skill="yaml-echo", code="print(1)")
    assert result.exit_code == 3
    records = store.records()
    phases = [(r.agent, r.skill, r.result, r.event.get("phase")) for r in records]
    assert phases == [
        (TRUSTED, "plain", "allow", "start"),
        (TRUSTED, "plain", "allow", "end"),
        (STUDENT, "yaml-echo", "deny", None),
    ]
    start, end, denied = (r.event for r in records)
    assert start["image_id"] == end["image_id"]
    assert start["image_id"].startswith("sha256:")
    assert end["exit_code"] == 3
    assert end["outcome"] == result.outcome
    assert start["event_id"].removesuffix("-start") == end["event_id"].removesuffix("-end")
    assert "yaml-echo" in denied["reason"]
    assert verify_store(store) == (3, [])


def _containers_created(client: Any, since: float) -> int:
    """How many sandbox containers the engine created since ``since`` (from its event log)."""
    events = client.events(
        since=int(since) - 1,
        until=int(time.time()) + 1,
        decode=True,
        filters={"type": "container", "event": "create", "label": f"{LABEL_MANAGED}=true"},
    )
    return sum(1 for event in events if event["timeNano"] >= since * 1e9)


def test_no_container_starts_when_the_trail_cannot_take_the_record(
    tmp_path: Path, docker_client: Any, sandbox_repo: Path, built: dict[str, BuildResult]
) -> None:
    store = SqliteStore(tmp_path / "audit.db")
    with SkillSandbox(sandbox_repo, recorder=DirectRecorder(store)) as sandbox:
        sandbox.image_for("plain")  # resolved before the clock starts
        since = time.time()
        with sqlite3.connect(store.location) as conn:  # the store is "down": its table is gone
            conn.execute("ALTER TABLE audit_records RENAME TO audit_records_away")
        with pytest.raises(SkillgateError, match="refusing to run unrecorded"):
            sandbox.run(agent=TRUSTED, skill="plain", code="print('ran')")
        assert _containers_created(docker_client, since) == 0
        # The same run, once the store is back, does start a container (the count can see one).
        with sqlite3.connect(store.location) as conn:
            conn.execute("ALTER TABLE audit_records_away RENAME TO audit_records")
        assert sandbox.run(agent=TRUSTED, skill="plain", code="print('ran')").ok
        assert _containers_created(docker_client, since) == 1
    assert [r.event.get("phase") for r in store.records()] == ["start", "end"]
    assert leftovers(docker_client) == []
