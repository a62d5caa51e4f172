"""A real ``skillgate serve`` process on loopback, with its bundle, tokens and keys."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from checker.bundle.build import render_bundle, write_bundle
from checker.policy.load import load_repo
from checker.service.tokens import add_token
from tests.conftest import TEAM_REPO

LAUNCHER = (
    "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from checker.cli.main import main; main()"
)
AGENTS = ("intern-7", "research-assistant", "new-hire", "doc-bot")


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]


@dataclass
class Server:
    """One running service: its URL, its files, and a token per agent and an operator."""

    process: subprocess.Popen[bytes]
    port: int
    root: Path
    bundle: Path
    tokens_file: Path
    tokens: dict[str, str] = field(default_factory=dict)

    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            raw = response.read()
        finally:
            connection.close()
        kind = response.getheader("content-type", "")
        parsed: Any = json.loads(raw) if kind.startswith("application/json") else raw.decode()
        return Reply(response.status, parsed, {k.lower(): v for k, v in response.getheaders()})

    def get(self, path: str, token: str | None = None) -> Reply:
        return self.request("GET", path, token=token)

    def stop(self, signum: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signum)
            try:
                return self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                return self.process.wait()
        return self.process.returncode

    def stderr(self) -> str:
        """What the service logged (JSON lines)."""
        return (self.root / "serve.log").read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def compiled_bundle(repo: Path, target: Path, revision: str) -> dict[str, Any]:
    """Compile ``repo`` (no vulnerability DB) into ``target`` under a chosen revision."""
    bundle = write_bundle(load_repo(repo), target)
    bundle["revision"] = revision
    target.write_text(render_bundle(bundle), encoding="utf-8")
    return bundle


def start(
    root: Path,
    *,
    source: Path = TEAM_REPO,
    agents: Sequence[str] = AGENTS,
    repo: Path | None = None,
    extra: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    bundle: Path | None = None,
    wait: bool = True,
) -> Server:
    """Start ``skillgate serve`` over ``source``'s bundle (or ``bundle``), with a token for
    each of ``agents`` and one operator token; ``repo`` enables execution."""
    policy = root / "policy-repo"
    if not policy.exists():
        shutil.copytree(source, policy, ignore=shutil.ignore_patterns("__pycache__"))
    if bundle is None:
        bundle = root / "bundle.json"
        compiled_bundle(policy, bundle, "rev-1")
    tokens_file = root / "tokens.json"
    tokens: dict[str, str] = {}
    if not tokens_file.exists():
        for agent in agents:
            tokens[agent] = add_token(tokens_file, agent, "agent")[1]
        tokens["operator"] = add_token(tokens_file, "ops", "operator")[1]
        (root / "tokens.plain.json").write_text(json.dumps(tokens), encoding="utf-8")
    else:
        tokens = json.loads((root / "tokens.plain.json").read_text(encoding="utf-8"))
    port = free_port()
    args = [
        "serve",
        "--bundle",
        str(bundle),
        "--tokens",
        str(tokens_file),
        "--port",
        str(port),
        "--reload-interval",
        "0.2",
        *extra,
    ]
    if repo is not None:
        args += ["--repo", str(repo)]
    with (root / "serve.log").open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, *args],
            stdout=subprocess.DEVNULL,
            stderr=log,
            env={**os.environ, **(env or {})},
        )
    server = Server(process, port, root, bundle, tokens_file, tokens)
    if wait:
        wait_until(lambda: _ready(server), "the service did not become ready", server)
    return server


def _ready(server: Server) -> bool:
    try:
        return server.get("/health/ready").status == 200
    except OSError:
        return False


def wait_until(condition: Any, message: str, server: Server | None = None) -> None:
    """Wait for ``condition`` (a state change in another process), bounded, never timed."""
    deadline = time.monotonic() + 60
    while not condition():
        if server is not None and server.process.poll() is not None:
            raise AssertionError(f"{message}: the service exited\n{server.stderr()}")
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(0.05)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = start(tmp_path)
    yield running
    running.stop()
