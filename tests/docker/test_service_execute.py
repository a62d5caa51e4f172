"""Execution through the HTTP service: decided first, from the warm pool, nothing left behind."""

from __future__ import annotations

import datetime
import json
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from sandbox.build import BuildResult
from sandbox.gc import leftovers
from tests.docker.conftest import INTERN, STUDENT, TRUSTED
from tests.service.conftest import Server, start, wait_until

pytestmark = pytest.mark.docker
JSON = {"content-type": "application/json"}


@pytest.fixture
def service(tmp_path: Path, sandbox_repo: Path, built: dict[str, BuildResult]) -> Any:
    running = start(
        tmp_path, source=sandbox_repo, agents=(TRUSTED, INTERN, STUDENT), repo=sandbox_repo
    )
    yield running
    running.stop()


def execute(server: Server, agent: str, skill: str, body: dict[str, Any]) -> Any:
    return server.request(
        "POST",
        f"/api/skills/{skill}/execute",
        token=server.tokens[agent],
        body=json.dumps(body).encode(),
        headers=JSON,
    )


def _created_for(client: Any, agent: str, skill: str, mark_ns: int) -> list[dict[str, Any]]:
    since = datetime.datetime.fromtimestamp(mark_ns // 1_000_000_000, datetime.UTC)
    until = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=1)
    stream = client.events(
        since=since,
        until=until,
        filters={
            "type": "container",
            "event": "create",
            "label": [f"org.skillgate.agent={agent}", f"org.skillgate.skill={skill}"],
        },
        decode=True,
    )
    try:
        return [e for e in stream if int(e.get("timeNano", 0)) > mark_ns]
    finally:
        stream.close()


def test_an_execution_runs_from_the_warm_pool_after_the_decision(
    service: Server, docker_client: Any
) -> None:
    # The pool warms in the background: the first runs may be cold, none may fail.
    replies = [execute(service, INTERN, "yaml-echo", {"input": {"n": i}}) for i in range(6)]
    for i, reply in enumerate(replies):
        assert reply.status == 200, reply.body
        assert reply.body["allowed"] is True
        assert reply.body["exit_code"] == 0
        assert json.loads(reply.body["stdout"]) == {"yaml": f"n: {i}\n"}
        assert reply.body["revision"] == "rev-1"
    wait_until(
        lambda: execute(service, INTERN, "yaml-echo", {"input": {}}).body["warm"],
        "no execution was ever served warm",
    )
    metrics = service.get("/metrics", service.tokens["operator"]).body
    assert 'skillgate_warm_pool_hits_total{hit="true"}' in metrics
    assert 'skillgate_executions_total{outcome="ok"}' in metrics


def test_a_student_is_refused_before_any_container_exists(
    service: Server, docker_client: Any
) -> None:
    mark_ns = time.time_ns()
    reply = execute(service, STUDENT, "yaml-echo", {"input": {}})
    assert reply.status == 403
    assert reply.body["allowed"] is False
    assert reply.body["maturity_required"] == "INTERN"
    snippet = execute(service, STUDENT, "yaml-echo", {"code": "print(1)"})
    assert snippet.status == 403
    assert _created_for(docker_client, STUDENT, "yaml-echo", mark_ns) == []


def test_sigterm_leaves_no_container(
    tmp_path: Path, sandbox_repo: Path, built: dict[str, BuildResult], docker_client: Any
) -> None:
    server = start(
        tmp_path, source=sandbox_repo, agents=(TRUSTED, INTERN, STUDENT), repo=sandbox_repo
    )
    try:
        reply = execute(server, TRUSTED, "plain", {"input": {"x": 1}})
        assert reply.status == 200, reply.body
        wait_until(lambda: leftovers(docker_client) != [], "the pool never warmed", server)
    finally:
        code = server.stop(signal.SIGTERM)
    # uvicorn finishes in-flight requests and the lifespan, then re-raises the signal.
    assert code == -signal.SIGTERM, server.stderr()
    assert leftovers(docker_client) == []
    assert '"message": "stopped"' in server.stderr()
