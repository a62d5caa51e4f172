"""Fixtures for the tests that need a real Docker engine.

They skip when no engine answers, unless ``SKILLGATE_REQUIRE_DOCKER=1`` (set by CI), where
a missing engine is a failure. One base image is bootstrapped per machine (reused by its
recipe label) and the fixture skills are built once per session (reused by content tag).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from checker.exit_codes import ExitCode
from checker.lock.target import target_for
from checker.policy.load import load_repo
from checker.policy.sandbox import BaseSpec
from sandbox.base_image import BaseImage, bootstrap_base
from sandbox.build import BuildResult, build_skill
from sandbox.engine import connect
from sandbox.gc import leftovers, remove_leftovers
from tests.conftest import TEAM_REPO, CliResult, run_cli

FIXTURE_REPO = Path(__file__).parent / "fixtures" / "repo"
TRUSTED = "trusted-bot"  # SUPERVISED
INTERN = "intern-bot"
STUDENT = "student-bot"


@pytest.fixture(scope="session")
def docker_client() -> Any:
    """A client of a Docker engine that answers; skip (or fail under CI) otherwise."""
    try:
        return connect(timeout=10)
    except Exception as exc:  # noqa: BLE001 - any reason the engine is missing counts
        if os.environ.get("SKILLGATE_REQUIRE_DOCKER") == "1":
            pytest.fail(f"SKILLGATE_REQUIRE_DOCKER=1 but {exc}")
        pytest.skip(f"no Docker engine: {exc}")


@pytest.fixture(scope="session")
def base_image(docker_client: Any) -> BaseImage:
    """The bootstrapped base (made once per machine; reused by its recipe label)."""
    return bootstrap_base(docker_client, BaseSpec())


@pytest.fixture(scope="session")
def sandbox_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the fixture repository (policy + two skills)."""
    target = tmp_path_factory.mktemp("sandbox") / "repo"
    shutil.copytree(FIXTURE_REPO, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


@pytest.fixture(scope="session")
def built(docker_client: Any, base_image: BaseImage, sandbox_repo: Path) -> dict[str, BuildResult]:
    """Both fixture skills built (yaml-echo downloads pyyaml from PyPI the first time)."""
    loaded = load_repo(sandbox_repo)
    target = target_for(loaded.sandbox_policy().base)
    return {
        skill_id: build_skill(docker_client, skill, base_image, target, revision="test")
        for skill_id, skill in sorted(loaded.skills.items())
    }


@pytest.fixture(scope="session", autouse=True)
def no_leftover_containers() -> Iterator[None]:
    """After the whole suite no container with the sandbox's label may remain."""
    yield
    try:
        client = connect(timeout=10)
    except Exception:  # noqa: BLE001 - nothing to check without an engine
        return
    left = [c.name for c in leftovers(client)]
    remove_leftovers(client)
    assert left == [], f"containers left behind: {left}"


@dataclass(frozen=True, kw_only=True, slots=True)
class Outcome:
    """The JSON result of ``skillgate run --json``."""

    exit_code: int
    timed_out: bool
    oom_killed: bool
    truncated: bool
    duration_seconds: float
    stdout: str
    stderr: str

    def facts(self) -> dict[str, Any]:
        """The JSON object a payload printed as its last stdout line."""
        loaded: dict[str, Any] = json.loads(self.stdout.strip().splitlines()[-1])
        return loaded


def run_code(repo: Path, code: str, *, agent: str = TRUSTED, extra: Sequence[str] = ()) -> Outcome:
    """``skillgate run plain --code CODE --json`` through the real CLI; the parsed result."""
    result = run_cli(
        ["run", "plain", "--agent", agent, "--code", code, "--json", "--repo", str(repo), *extra]
    )
    assert result.stdout, result.stderr
    data = json.loads(result.stdout)
    return Outcome(
        exit_code=data["exit_code"],
        timed_out=data["timed_out"],
        oom_killed=data["oom_killed"],
        truncated=data["truncated"],
        duration_seconds=data["duration_seconds"],
        stdout=data["stdout"],
        stderr=data["stderr"],
    )


def assert_host_fine(client: Any) -> None:
    """The host can still start processes and no sandbox container survived the run."""
    assert subprocess.run(["true"], check=False).returncode == 0
    assert [c.name for c in leftovers(client) if c.labels.get("org.skillgate.role") == "run"] == []


@pytest.fixture(scope="session")
def vuln_db(advisory_index: Path) -> Path:
    """The vendored PyPA advisories imported as the offline vulnerability DB."""
    return advisory_index


def build(repo: Path, db: Path, *args: str) -> CliResult:
    """``skillgate build`` (scan gate on) against the DB ``db``."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SKILLGATE_VULN_DB", str(db))
        return run_cli(["build", *args, "--repo", str(repo)])


@pytest.fixture(scope="session")
def shipped_repo(
    tmp_path_factory: pytest.TempPathFactory, base_image: BaseImage, vuln_db: Path
) -> Path:
    """A copy of the suite's team repository, scanned and built."""
    target = tmp_path_factory.mktemp("team") / "repo"
    shutil.copytree(TEAM_REPO, target, ignore=shutil.ignore_patterns("__pycache__"))
    result = build(target, vuln_db)
    assert result.exit_code == ExitCode.OK, result.stdout + result.stderr
    return target


def containers_created(client: Any, since: float) -> int:
    """How many sandbox containers the engine created since ``since`` (its event log)."""
    events = client.events(
        since=int(since) - 1,
        until=int(time.time()) + 1,
        decode=True,
        filters={"type": "container", "event": "create", "label": "org.skillgate.managed=true"},
    )
    return sum(1 for event in events if event["timeNano"] >= since * 1e9)


@pytest.fixture(scope="session")
def team_images(tmp_path_factory: pytest.TempPathFactory, base_image: BaseImage) -> Path:
    """A copy of the suite's team repository with its images built (no scan gate: the
    tests that use it are about the images, ``shipped_repo`` covers the gate)."""
    target = tmp_path_factory.mktemp("team-images") / "repo"
    shutil.copytree(TEAM_REPO, target, ignore=shutil.ignore_patterns("__pycache__"))
    result = run_cli(["build", "--no-scan", "--repo", str(target)])
    assert result.exit_code == ExitCode.OK, result.stdout + result.stderr
    return target
