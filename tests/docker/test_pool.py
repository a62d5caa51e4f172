"""Warm pool: each container runs one payload, nothing carries over, nothing is left."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sandbox.build import BuildResult
from sandbox.gc import leftovers
from sandbox.grant import DeniedError
from sandbox.skill_sandbox import SkillSandbox
from tests.docker.conftest import STUDENT, TRUSTED

pytestmark = pytest.mark.docker

MARK = "import json, os; print(json.dumps({'seen': os.listdir('/tmp'), 'host': os.uname()[1]}))"
LEAVE = "open('/tmp/left-by-previous', 'w').write('x')"


def test_each_warm_container_is_used_once(
    docker_client: Any, sandbox_repo: Path, built: dict[str, BuildResult]
) -> None:
    with SkillSandbox(sandbox_repo, pool_size=2) as sandbox:
        sandbox.warm(agent=STUDENT, skill="plain", code=True)
        first = sandbox.run(agent=STUDENT, skill="plain", code=LEAVE)
        second = sandbox.run(agent=STUDENT, skill="plain", code=MARK)
        assert first.warm
        assert second.warm
        assert first.ok
        assert json.loads(second.stdout)["seen"] == []  # no state from the first payload
        ids_in_use = {c.id for c in leftovers(docker_client)}
        assert len(ids_in_use) <= 4  # bounded: size 2, plus the ones being discarded
    assert leftovers(docker_client) == []


def test_warm_payload_gets_the_json_entry_point(
    docker_client: Any, sandbox_repo: Path, built: dict[str, BuildResult]
) -> None:
    with SkillSandbox(sandbox_repo, pool_size=1) as sandbox:
        result = sandbox.run(agent=TRUSTED, skill="plain", payload=b'{"n": 1}', warm_up=True)
        assert result.warm
        assert json.loads(result.stdout) == {"echo": {"n": 1}}
    assert leftovers(docker_client) == []


def test_a_warm_pool_still_asks_the_policy_every_time(
    docker_client: Any, sandbox_repo: Path, built: dict[str, BuildResult]
) -> None:
    with SkillSandbox(sandbox_repo, pool_size=1) as sandbox:
        sandbox.warm(agent=TRUSTED, skill="yaml-echo", code=True)
        with pytest.raises(DeniedError):
            sandbox.run(agent=STUDENT, skill="yaml-echo", code=MARK)
        allowed = sandbox.run(agent=TRUSTED, skill="yaml-echo", code=MARK)
        assert allowed.warm
        assert allowed.ok
    assert leftovers(docker_client) == []
