"""The in-process API: governed execution of a repository's skills.

``SkillSandbox.run`` asks the policy (``check_skill``) before anything else, records the
execution in the audit trail (and refuses when the trail cannot take it: nothing runs
unrecorded), then finds the skill's content-addressed image and runs it cold or through the
warm pool, and records the outcome. This is what ``skillgate run``, ``skillgate sandbox
pool`` and ``skillgate serve`` use.
"""

from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path
from typing import Any

from checker.audit.recorders import DirectRecorder, Recorder
from checker.exit_codes import SkillgateError
from checker.lock.target import Target, target_for
from checker.policy.sandbox import SandboxPolicy
from sandbox.base_image import BaseImage, require_base
from sandbox.build import check_entrypoint, find_image
from sandbox.engine import connect
from sandbox.grant import DeniedError, GrantedRun, SkillGovernor, authorize
from sandbox.pool import WarmPool
from sandbox.provenance import ProvenanceError
from sandbox.runner import RunResult, code_command, run_once, skill_command


class SkillSandbox:
    """Runs the skills of one repository under its policy.

    ``governor`` defaults to the repository's engine (compiled bundle or working tree);
    the Docker engine is contacted only after the policy has allowed a run. With
    ``pool_size > 0`` executions go through a warm pool (``None``: the size ``sandbox.yaml``
    sets); close the sandbox to remove it.
    """

    def __init__(
        self,
        repo: Path,
        *,
        governor: SkillGovernor | None = None,
        bundle: Path | None = None,
        pool_size: int | None = 0,
        recorder: Recorder | None = None,
    ) -> None:
        from checker.policy.load import load_repo  # noqa: PLC0415 - heavy import

        self.repo = repo
        self.loaded = load_repo(repo)
        self.policy: SandboxPolicy = self.loaded.sandbox_policy()
        if governor is None:
            from checker.bundle.current import engine_for_repo  # noqa: PLC0415 - heavy import

            governor = engine_for_repo(repo, bundle)
        self.governor = governor
        # The default trail ($SKILLGATE_AUDIT, else the per-user SQLite file).
        self.recorder: Recorder = recorder or DirectRecorder.default()
        # None: the size sandbox.yaml sets (at least one); 0: no pool, every run is cold.
        self.pool_size = max(1, self.policy.pool_size) if pool_size is None else pool_size
        self._client: Any | None = None
        self._base: BaseImage | None = None
        self._target: Target | None = None
        self._pool: WarmPool | None = None
        self._images: dict[str, tuple[str, str]] = {}
        self._closed = False

    def __enter__(self) -> SkillSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def authorize(self, *, agent: str, skill: str, timeout: float | None = None) -> GrantedRun:
        """The policy decision; DeniedError (exit 1) when the agent may not run the skill."""
        return authorize(self.governor, self.policy, agent=agent, skill=skill, timeout=timeout)

    def run(
        self,
        *,
        agent: str,
        skill: str,
        payload: bytes = b"{}",
        code: str | None = None,
        timeout: float | None = None,
        warm_up: bool = False,
        execution_id: str | None = None,
    ) -> RunResult:
        """Run ``skill`` for ``agent`` on ``payload`` (or the snippet ``code``), governed and
        recorded; ``execution_id`` ties the records to a caller's decision id."""
        event_id = execution_id or uuid.uuid4().hex
        base = {"kind": "execution", "agent": agent, "skill": skill, "snippet": code is not None}
        try:
            grant = self.authorize(agent=agent, skill=skill, timeout=timeout)
        except DeniedError as exc:
            self.recorder.record(
                {**base, "event_id": f"{event_id}-denied", "result": "deny", "reason": str(exc)}
            )
            raise
        try:
            image_id, entrypoint = self.image_for(skill)
        except ProvenanceError as exc:
            self.recorder.record(
                {**base, "event_id": f"{event_id}-refused", "result": "refused", "reason": str(exc)}
            )
            raise
        started = {
            **base,
            "result": "allow",
            "rule": grant.rule,
            "revision": grant.revision,
            "level": grant.level,
            "image_id": image_id,
            "limits": dataclasses.asdict(grant.limits),
        }
        try:
            self.recorder.record_now({**started, "event_id": f"{event_id}-start", "phase": "start"})
        except SkillgateError as exc:
            raise SkillgateError(f"refusing to run unrecorded: {exc}") from exc
        if code is not None:
            command, data = code_command(), code.encode("utf-8")
        else:
            command, data = skill_command(entrypoint), payload
        pool = self._warm_pool()
        if pool is None:
            result = run_once(self.client, grant, image_id=image_id, command=command, payload=data)
        else:
            if warm_up:
                pool.warm(grant, image_id=image_id, command=command)
            result = pool.execute(grant, image_id=image_id, command=command, payload=data)
        self.recorder.record(
            {**started, "event_id": f"{event_id}-end", "phase": "end", **result.audit_fields()}
        )
        return result

    def warm(self, *, agent: str, skill: str, code: bool = False) -> None:
        """Pre-start the pool for ``skill`` (governed like a run)."""
        grant = self.authorize(agent=agent, skill=skill)
        pool = self._warm_pool()
        if pool is None:
            return
        image_id, entrypoint = self.image_for(skill)
        command = code_command() if code else skill_command(entrypoint)
        pool.warm(grant, image_id=image_id, command=command)

    def warm_for(self, engine: Any) -> int:
        """Pre-start the pool for every skill of ``engine``'s bundle, once per level that a
        registered agent may run it at (limits differ per level); returns the keys warmed."""
        warmed = 0
        for skill in sorted(engine.skill_ids()):
            levels: dict[str, str] = {}
            for agent in engine.agent_ids():
                if engine.check_skill(agent, skill).allowed:
                    levels.setdefault(engine.level_of(agent), agent)
            for agent in levels.values():
                try:
                    self.warm(agent=agent, skill=skill)
                except SkillgateError:
                    continue  # not built, or denied meanwhile: it runs cold (or not) later
                warmed += 1
        return warmed

    @property
    def client(self) -> Any:
        """The Docker client (connected on first use; EngineUnreachableError otherwise)."""
        if self._client is None:
            self._client = connect()
        return self._client

    def image_for(self, skill_id: str) -> tuple[str, str]:
        """(image id, entry point) of the skill; an error when its current content is not built.

        The answer is kept for the life of this object, so a long-lived process keeps
        running the image it started with until it makes a new SkillSandbox.
        """
        if skill_id in self._images:
            return self._images[skill_id]
        skill = self.loaded.skills.get(skill_id)
        if skill is None:
            raise SkillgateError(f"unknown skill {skill_id!r}")
        if self._base is None:
            self._base = require_base(self.client, self.policy.base)
        if self._target is None:
            self._target = target_for(self.policy.base)
        image = find_image(self.client, skill, self._base, self._target)
        if image is None:
            raise SkillgateError(
                f"skill {skill_id} has no image for its current content; "
                f"run `skillgate build {skill_id}`"
            )
        if self.policy.require_provenance:
            # Before any container: an image whose signed provenance does not verify
            # (swapped under its tag, another lock or code, a bad signature) never runs.
            from sandbox.image_verify import require_verified  # noqa: PLC0415

            require_verified(
                self.client, self.repo, skill, self._base, self._target, self.policy, image.id
            )
        self._images[skill_id] = (str(image.id), check_entrypoint(skill))
        return self._images[skill_id]

    def close(self) -> None:
        """Remove the warm pool's containers and close the engine connection; the sandbox
        runs nothing afterwards (a warming thread still at work cannot start a new pool)."""
        self._closed = True
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        if self._client is not None:
            self._client.close()
            self._client = None

    def _warm_pool(self) -> WarmPool | None:
        if self._closed:
            raise SkillgateError("the sandbox is closed")
        if self.pool_size <= 0:
            return None
        if self._pool is None:
            self._pool = WarmPool(self.client, size=self.pool_size)
        return self._pool
