"""Governed, hardened execution of one skill in one throwaway container.

Every function that creates a container takes a ``GrantedRun`` (see ``sandbox.grant``):
the policy decision comes first. Containers are created from a local image id (never
``containers.run``, which pulls on a miss), killed past the wall clock, and removed on
every path, including Ctrl-C.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from checker.exit_codes import SkillgateError
from sandbox.attach import AttachStream
from sandbox.engine import LABEL_AGENT, LABEL_LEVEL, LABEL_ROLE, LABEL_SKILL
from sandbox.grant import GrantedRun
from sandbox.hardening import create_kwargs

SKILL_ROOT = "/opt/skill"
PYTHON = "/opt/venv/bin/python3"
# -E: ignore PYTHON* variables; -s: no user site; -B: no bytecode writes (read-only root).
_PYTHON_FLAGS = ("-E", "-s", "-B")
_CODE_LAUNCHER = (
    "import sys; source = sys.stdin.read(); sys.stdin = open('/dev/null'); "
    "exec(compile(source, '<code>', 'exec'), {'__name__': '__main__'})"
)
_KILL_GRACE_SECONDS = 10.0
_SIGKILL_EXIT = 137


def skill_command(entrypoint: str) -> tuple[str, ...]:
    """argv of a skill's entry point (JSON on stdin, JSON on stdout)."""
    return (PYTHON, *_PYTHON_FLAGS, f"{SKILL_ROOT}/{entrypoint}")


def code_command() -> tuple[str, ...]:
    """argv that runs the Python snippet given on stdin with the skill's packages."""
    return (PYTHON, *_PYTHON_FLAGS, "-c", _CODE_LAUNCHER)


@dataclass(frozen=True, kw_only=True, slots=True)
class RunResult:
    """The outcome of one execution."""

    exit_code: int
    duration_seconds: float
    timed_out: bool
    oom_killed: bool
    truncated: bool
    stdout: bytes
    stderr: bytes
    warm: bool = False

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out and not self.oom_killed

    @property
    def outcome(self) -> str:
        """ok, failed, timeout or oom."""
        if self.timed_out:
            return "timeout"
        if self.oom_killed:
            return "oom"
        return "ok" if self.ok else "failed"

    def audit_fields(self) -> dict[str, Any]:
        """What the audit trail keeps of a run (not its output)."""
        limits_hit = [
            name
            for name, hit in (
                ("timeout", self.timed_out),
                ("memory", self.oom_killed),
                ("output", self.truncated),
            )
            if hit
        ]
        return {
            "outcome": self.outcome,
            "exit_code": self.exit_code,
            "duration_seconds": round(self.duration_seconds, 4),
            "limits_hit": limits_hit,
            "warm": self.warm,
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (output decoded as UTF-8 with replacement)."""
        return {
            "exit_code": self.exit_code,
            "duration_seconds": round(self.duration_seconds, 4),
            "timed_out": self.timed_out,
            "oom_killed": self.oom_killed,
            "truncated": self.truncated,
            "warm": self.warm,
            "stdout": self.stdout.decode("utf-8", "replace"),
            "stderr": self.stderr.decode("utf-8", "replace"),
        }


class Prepared:
    """A created container with its attach stream open, not yet given its payload."""

    def __init__(self, client: Any, container: Any, stream: AttachStream, grant: GrantedRun):
        self.client = client
        self.container = container
        self.stream = stream
        self.grant = grant

    def start(self) -> None:
        """Start the container; SkillgateError (exit 3) when the engine refuses."""
        import docker.errors  # noqa: PLC0415 - imported when a verb needs the engine

        try:
            self.container.start()
        except docker.errors.APIError as exc:
            raise SkillgateError(f"could not start the sandbox container: {exc}") from exc

    def discard(self) -> None:
        """Remove the container (killing it if needed); safe to call twice."""
        self.stream.close()
        remove_container(self.container)


def remove_container(container: Any) -> None:
    """Force-remove ``container``; a container that is already gone is fine."""
    import docker.errors  # noqa: PLC0415 - imported when a verb needs the engine

    try:
        container.remove(force=True)
    except docker.errors.NotFound:
        return
    except docker.errors.APIError as exc:
        if "already in progress" in str(exc):
            return
        raise SkillgateError(f"could not remove sandbox container {container.id}: {exc}") from exc


def prepare(
    client: Any,
    grant: GrantedRun,
    *,
    image_id: str,
    command: Sequence[str],
    role: str = "run",
    extra_labels: Mapping[str, str] | None = None,
    mounts: Mapping[str, str] | None = None,
) -> Prepared:
    """Create the hardened container for ``grant`` and attach to it (not started).

    ``mounts`` (host directory -> container path, read-only) is for skillgate's own tools
    (the installed-tree check); a skill run never gets one.
    """
    if not isinstance(grant, GrantedRun):
        raise TypeError("a sandbox container needs a GrantedRun from sandbox.grant.authorize")
    import docker.errors  # noqa: PLC0415 - imported when a verb needs the engine

    labels = {
        LABEL_ROLE: role,
        LABEL_SKILL: grant.skill,
        LABEL_AGENT: grant.agent,
        LABEL_LEVEL: grant.level,
        **(extra_labels or {}),
    }
    kwargs = create_kwargs(image=image_id, command=command, limits=grant.limits, labels=labels)
    if mounts:
        kwargs["volumes"] = {
            host: {"bind": inside, "mode": "ro"} for host, inside in mounts.items()
        }
    try:
        container = client.containers.create(**kwargs)
    except docker.errors.ImageNotFound as exc:
        raise SkillgateError(f"image {image_id} is not in the engine: {exc}") from exc
    except docker.errors.APIError as exc:
        raise SkillgateError(f"could not create the sandbox container: {exc}") from exc
    try:
        stream = AttachStream(client, container.id, grant.limits.output_bytes)
    except BaseException:
        remove_container(container)
        raise
    return Prepared(client, container, stream, grant)


def execute(prepared: Prepared, payload: bytes, *, warm: bool = False) -> RunResult:
    """Give a started container its payload, enforce the wall clock, collect the result."""
    limits = prepared.grant.limits
    container = prepared.container
    started = time.monotonic()
    since = _utcnow() - datetime.timedelta(seconds=2)
    prepared.stream.send(payload)
    timed_out = False
    status: dict[str, Any] | None = None
    try:
        status = container.wait(timeout=limits.timeout_seconds)
    except Exception:  # noqa: BLE001 - the HTTP layer's timeout error; the state below decides
        timed_out = _still_running(container)
        if timed_out:
            _kill(container)
            status = container.wait(timeout=_KILL_GRACE_SECONDS)
    duration = time.monotonic() - started
    output = prepared.stream.finish(timeout=_KILL_GRACE_SECONDS)
    exit_code = int(status["StatusCode"]) if status else _SIGKILL_EXIT
    oom_killed = False
    if exit_code == _SIGKILL_EXIT and not timed_out:
        # Only a SIGKILL can be the OOM killer; inspect then (one call saved otherwise).
        container.reload()
        state = container.attrs["State"]
        exit_code = int(state["ExitCode"])
        oom_killed = bool(state.get("OOMKilled"))
        if not oom_killed:
            # The engine sets State.OOMKilled racily when a child of docker-init is the
            # victim; its event log says it reliably.
            oom_killed = _had_oom_event(prepared.client, container.id, since)
    return RunResult(
        exit_code=exit_code,
        duration_seconds=duration,
        timed_out=timed_out,
        oom_killed=oom_killed,
        truncated=output.truncated,
        stdout=bytes(output.stdout),
        stderr=bytes(output.stderr),
        warm=warm,
    )


def run_once(
    client: Any, grant: GrantedRun, *, image_id: str, command: Sequence[str], payload: bytes
) -> RunResult:
    """Cold path: create, start, execute and remove one container."""
    prepared = prepare(client, grant, image_id=image_id, command=command)
    try:
        prepared.start()
        return execute(prepared, payload)
    finally:
        prepared.discard()


def _still_running(container: Any) -> bool:
    try:
        container.reload()
    except Exception as exc:
        raise SkillgateError(f"lost the Docker engine while waiting: {exc}") from exc
    return bool(container.attrs["State"]["Running"])


def _kill(container: Any) -> None:
    import docker.errors  # noqa: PLC0415 - imported when a verb needs the engine

    try:
        container.kill()
    except docker.errors.APIError as exc:
        # "is not running": it ended between the timeout and the kill.
        if "is not running" not in str(exc):
            raise SkillgateError(f"could not kill sandbox container: {exc}") from exc


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _had_oom_event(client: Any, container_id: str, since: datetime.datetime) -> bool:
    until = _utcnow() + datetime.timedelta(seconds=1)
    events = client.events(
        since=since, until=until, filters={"container": container_id, "event": "oom"}, decode=True
    )
    try:
        return any(True for _ in events)
    finally:
        events.close()
