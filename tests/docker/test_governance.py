"""The policy decision comes first: a denied run never creates a container.

Each denial is tried with the Docker engine made unreachable (``DOCKER_HOST`` pointing
nowhere): exit 1 (deny) rather than 3 (engine unreachable) proves that the decision was
taken, and the run refused, before the sandbox ever talked to the engine.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

import pytest

from checker.exit_codes import ExitCode
from checker.policy.sandbox import SandboxPolicy
from sandbox.grant import DeniedError, GrantedRun, authorize
from sandbox.runner import prepare
from sandbox.skill_sandbox import SkillSandbox
from tests.conftest import run_cli
from tests.docker.conftest import INTERN, STUDENT, TRUSTED

pytestmark = pytest.mark.docker

NO_ENGINE = "unix:///nonexistent/docker.sock"


@pytest.fixture
def engine_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to reach Docker now fails (exit 3), so a deny must come first."""
    monkeypatch.setenv("DOCKER_HOST", NO_ENGINE)


@pytest.mark.usefixtures("engine_gone")
@pytest.mark.parametrize(
    "args",
    [
        ["run", "yaml-echo", "--agent", STUDENT, "--input", "{}"],
        ["run", "yaml-echo", "--agent", STUDENT, "--code", "print(1)"],
        ["run", "yaml-echo", "--agent", "unknown-agent", "--input", "{}"],
        ["run", "no-such-skill", "--agent", TRUSTED, "--input", "{}"],
        ["sandbox", "pool", "yaml-echo", "--agent", STUDENT],
    ],
    ids=["input", "code", "unknown-agent-is-student", "unknown-skill", "pool"],
)
def test_denied_before_any_container(sandbox_repo: Path, args: list[str]) -> None:
    result = run_cli([*args, "--repo", str(sandbox_repo)])
    assert result.exit_code == ExitCode.FINDINGS, result.stderr
    assert result.stderr.startswith("Error: denied: ")
    assert result.stdout == ""


def test_allowed_run_needs_the_engine(sandbox_repo: Path, engine_gone: None) -> None:
    result = run_cli(
        ["run", "plain", "--agent", STUDENT, "--input", "{}", "--repo", str(sandbox_repo)]
    )
    assert result.exit_code == ExitCode.UNDECIDED
    assert result.stderr.startswith("Error: Docker engine not reachable: ")


@pytest.mark.usefixtures("engine_gone")
def test_banned_package_is_refused_before_any_container(tmp_path: Path, sandbox_repo: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(sandbox_repo, repo)
    (repo / "policy" / "bans.yaml").write_text(
        "bans:\n  - package: pyyaml\n    reason: test ban\n", "utf-8"
    )
    result = run_cli(["run", "yaml-echo", "--agent", TRUSTED, "--input", "{}", "--repo", str(repo)])
    # The ban makes the skill invalid: no decision over a policy with errors, no container.
    assert result.exit_code == ExitCode.FINDINGS
    assert "error approval.shadowed " in result.stderr
    assert result.stderr.splitlines()[-1] == (
        "Error: the policy has 2 error(s); run `skillgate validate` to see them"
    )
    assert "Docker engine" not in result.stderr
    assert result.stdout == ""


def test_student_never_runs_a_skill_with_packages(sandbox_repo: Path) -> None:
    with SkillSandbox(sandbox_repo, pool_size=2) as sandbox:
        with pytest.raises(DeniedError):
            sandbox.run(agent=STUDENT, skill="yaml-echo", payload=b"{}")
        with pytest.raises(DeniedError):
            sandbox.run(agent=STUDENT, skill="yaml-echo", code="print(1)")
        with pytest.raises(DeniedError):
            sandbox.warm(agent=STUDENT, skill="yaml-echo")
        assert sandbox._client is None  # the engine was never contacted


class _Allowing:
    """A governor that allows everything (a small implementation of our interface)."""

    @dataclasses.dataclass(frozen=True)
    class _Decision:
        allowed: bool = True
        maturity_required: str | None = None
        reason: str = "test"
        rule: str = "test"
        revision: str = "test"

    def check_skill(self, agent: str, skill: str) -> _Decision:
        return self._Decision()

    def level_of(self, agent: str) -> str:
        return "STUDENT"


class _Crashing(_Allowing):
    def check_skill(self, agent: str, skill: str) -> _Allowing._Decision:
        raise RuntimeError("rule crashed")


def test_a_crashing_decision_denies() -> None:
    with pytest.raises(Exception, match="could not decide") as info:
        authorize(_Crashing(), SandboxPolicy(), agent=INTERN, skill="plain")
    assert not isinstance(info.value, TypeError)


def test_a_grant_cannot_be_forged(docker_client: Any) -> None:
    real = authorize(_Allowing(), SandboxPolicy(), agent=INTERN, skill="plain")
    with pytest.raises(TypeError):
        GrantedRun(
            agent="a",
            skill="s",
            level="AUTONOMOUS",
            limits=real.limits,
            revision="",
            rule="",
            _token=object(),
        )
    with pytest.raises(TypeError):
        prepare(docker_client, object(), image_id="none", command=["true"])  # type: ignore[arg-type]
