"""Containers never outlive their run: Ctrl-C, gc, and the line-oriented pool server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from checker.cli.main import cli
from checker.exit_codes import ExitCode
from checker.policy.sandbox import SandboxPolicy
from sandbox.build import BuildResult
from sandbox.gc import leftovers
from sandbox.grant import probe_grant
from sandbox.runner import prepare
from tests.conftest import run_cli
from tests.docker.conftest import TRUSTED

pytestmark = pytest.mark.docker


def _wait_for_running(client: Any, deadline: float) -> list[Any]:
    while time.monotonic() < deadline:
        running = [c for c in leftovers(client) if c.status == "running"]
        if running:
            return running
        time.sleep(0.1)
    return []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupt_removes_the_container(
    docker_client: Any, sandbox_repo: Path, built: dict[str, BuildResult], signum: int
) -> None:
    snippet = "import time; time.sleep(60)"
    args = ["run", "plain", "--agent", TRUSTED, "--code", snippet, "--repo", str(sandbox_repo)]
    # As from a terminal: Ctrl-C is delivered even when this suite itself was started in the
    # background (where SIGINT is ignored, and that disposition is inherited through exec).
    launcher = (
        "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
        "from checker.cli.main import main; main()"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", launcher, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert _wait_for_running(docker_client, time.monotonic() + 60)
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == ExitCode.UNDECIDED, stderr
    assert stderr.strip().splitlines()[-1] == "Error: interrupted"
    assert leftovers(docker_client) == []


def test_gc_removes_leftovers(docker_client: Any, built: dict[str, BuildResult]) -> None:
    grant = probe_grant(SandboxPolicy(), "STUDENT")
    image_id = docker_client.images.get(built["plain"].tag).id
    left = prepare(docker_client, grant, image_id=image_id, command=["true"])
    left.stream.close()  # abandoned on purpose: only gc cleans it up now
    assert [c.id for c in leftovers(docker_client)] == [left.container.id]
    result = run_cli(["sandbox", "gc"])
    assert result.exit_code == ExitCode.OK
    assert result.stdout.splitlines()[0] == "removed 1 container(s)"
    assert leftovers(docker_client) == []


def test_pool_server_answers_one_line_per_payload(
    docker_client: Any, sandbox_repo: Path, built: dict[str, BuildResult]
) -> None:
    args = [
        "sandbox",
        "pool",
        "plain",
        "--agent",
        TRUSTED,
        "--size",
        "1",
        "--repo",
        str(sandbox_repo),
    ]
    payloads = '{"n": 1}\nnot json\n{"n": 2}\n'
    result = CliRunner().invoke(cli, args, input=payloads, catch_exceptions=False)
    assert result.exit_code == ExitCode.OK, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert json.loads(lines[0]["stdout"]) == {"echo": {"n": 1}}
    assert lines[0]["warm"] is True
    assert "not valid JSON" in lines[1]["error"]
    assert json.loads(lines[2]["stdout"]) == {"echo": {"n": 2}}
    assert leftovers(docker_client) == []
