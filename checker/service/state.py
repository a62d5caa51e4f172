"""What one service process holds: the live bundle, the tokens, the sandbox, the metrics.

The HTTP layer (``checker.service.app``) turns requests into calls on ``Service``; every call
takes the bundle that is live at that moment once, so a decision and the revision reported
with it always belong together, even while a new bundle is being swapped in.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request

from checker.audit.recorders import NoRecorder, Recorder
from checker.exit_codes import SkillgateError
from checker.runtime import Decision, Engine
from checker.service.bundle_source import BundleSource
from checker.service.metrics import ServiceMetrics
from checker.service.settings import KILL_SWITCH_ENV, ServeSettings
from checker.service.tokens import WatchedTokens

log = logging.getLogger("skillgate.service")
_UNREGISTERED = "\x00unregistered"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: the token's subject (an agent id, or an operator's name) and role."""

    subject: str
    role: str
    token_id: str


class _LiveGovernor:
    """The sandbox's policy engine: always the live bundle's (``SkillGovernor``)."""

    def __init__(self, source: BundleSource) -> None:
        self._source = source

    def check_skill(self, agent: str, skill: str) -> Decision:
        return self._engine().check_skill(agent, skill)

    def level_of(self, agent: str) -> str:
        return self._engine().level_of(agent)

    def _engine(self) -> Engine:
        current = self._source.current
        if current is None:
            raise SkillgateError("no bundle loaded")
        return current.engine


class Service:
    """The objects behind the routes, and their lifecycle."""

    def __init__(
        self,
        settings: ServeSettings,
        source: BundleSource,
        tokens: WatchedTokens,
        recorder: Recorder | None = None,
    ) -> None:
        self.settings = settings
        self.source = source
        self.tokens = tokens
        self.recorder: Recorder = recorder or NoRecorder()
        self.metrics = ServiceMetrics(source, self.recorder)
        self.execution_limiter = anyio.CapacityLimiter(max(1, settings.max_executions))
        self.sandbox: Any | None = None
        self._warming: threading.Thread | None = None

    # --- requests --------------------------------------------------------------------

    def authenticate(self, token: str) -> Principal | None:
        entry = self.tokens.current().lookup(token)
        if entry is None:
            return None
        return Principal(subject=entry.subject, role=entry.role, token_id=entry.id)

    def knows_skill(self, skill: str) -> bool:
        current = self._live()
        return skill in current.engine.skill_ids()

    def check_package(self, agent: str, name: str, version: str) -> dict[str, Any]:
        engine = self._live().engine
        if not self.settings.packages_enabled:
            decision = self._switched_off(engine.revision)
        else:
            decision = engine.check(agent, name, version)
        return self._decided("package", agent, decision, {"package": name, "version": version})

    def check_skill(self, agent: str, skill: str) -> dict[str, Any]:
        engine = self._live().engine
        if not self.settings.packages_enabled:
            decision = self._switched_off(engine.revision)
        else:
            decision = engine.check_skill(agent, skill)
        return self._decided("skill", agent, decision, {"skill": skill})

    def _switched_off(self, revision: str) -> Decision:
        return Decision(
            False,
            None,
            f"package decisions are switched off on this service ({KILL_SWITCH_ENV}=false)",
            "kill-switch",
            revision,
        )

    def _decided(
        self, kind: str, agent: str, decision: Decision, inputs: Mapping[str, str]
    ) -> dict[str, Any]:
        from checker.service.app import new_decision_id  # noqa: PLC0415 - avoid a cycle

        body = {**decision.to_dict(), "decision_id": new_decision_id()}
        result = "allow" if decision.allowed else "deny"
        self.metrics.decisions.labels(kind, result, _rule_label(decision.rule)).inc()
        self.recorder.record(
            {"kind": f"decision.{kind}", "agent": agent, **inputs, **_audited(body)}
        )
        return body

    def refused(self, request: Request, status: int, reason: str) -> None:
        """A request refused before any decision (400, 401, 403, 404, 413, 415, 503)."""
        self.metrics.refused.labels(str(status)).inc()
        if status in (401, 403):
            self.recorder.record(
                {
                    "kind": "request.refused",
                    "status": status,
                    "reason": reason,
                    "path": request.url.path[:256],
                }
            )

    def audit_store(self) -> Any | None:
        """The store behind the recorder (None when the service records nothing)."""
        return getattr(self.recorder, "store", None)

    @property
    def can_execute(self) -> bool:
        return self.sandbox is not None

    def execute(
        self,
        agent: str,
        skill: str,
        decision: Mapping[str, Any],
        payload: bytes,
        code: str | None,
        timeout: float | None,
    ) -> dict[str, Any]:
        """Run ``skill`` (blocking: called in a worker thread) after an allowed decision; the
        sandbox records it under the decision's id, and refuses when it cannot."""
        from sandbox.grant import DeniedError  # noqa: PLC0415 - only when executing

        assert self.sandbox is not None
        started = time.perf_counter()
        try:
            result = self.sandbox.run(
                agent=agent,
                skill=skill,
                payload=payload or b"{}",
                code=code,
                timeout=timeout,
                execution_id=str(decision["decision_id"]),
            )
        except DeniedError as exc:
            self.metrics.executions.labels("denied").inc()
            return {"_status": 403, "error": str(exc)}
        except SkillgateError as exc:
            self.metrics.executions.labels("error").inc()
            return {"_status": 503, "error": str(exc)}
        self.metrics.executions.labels(result.outcome).inc()
        self.metrics.execution_seconds.observe(time.perf_counter() - started)
        self.metrics.warm_hits.labels(str(result.warm).lower()).inc()
        return {**dict(decision), **result.to_dict()}

    def readiness(self) -> dict[str, Any]:
        current = self.source.current
        tokens = self.tokens
        details: dict[str, Any] = {
            "ready": current is not None,
            "bundle": None
            if current is None
            else {
                "location": self.source.location,
                "revision": current.revision,
                "digest": current.digest,
                "signed": current.signed,
                "age_seconds": round(time.time() - current.loaded_at, 3),
            },
            "bundle_error": self.source.last_error,
            "bundle_reload_failures": self.source.reload_failures,
            "tokens_error": tokens.last_error,
            "packages_enabled": self.settings.packages_enabled,
            "execution": self.can_execute,
            "audit": self.recorder.status(),
        }
        return details

    def _live(self) -> Any:
        current = self.source.current
        if current is None:
            from checker.service.app import HttpError  # noqa: PLC0415 - avoid a cycle

            raise HttpError(503, "no valid bundle is loaded")
        return current

    # --- lifecycle -------------------------------------------------------------------

    @asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        self.source.start(self.settings.reload_interval)
        if self.settings.repo is not None:
            self._open_sandbox()
        log.info(
            "serving",
            extra={"revision": self.source.current.revision if self.source.current else None},
        )
        try:
            yield
        finally:
            self.source.stop()
            if self.sandbox is not None:
                self.sandbox.close()
                if self._warming is not None:
                    self._warming.join(timeout=self.settings.graceful_seconds)
                self.sandbox.close()  # what a warm-up finished meanwhile
            self.recorder.close()
            log.info("stopped")

    def _open_sandbox(self) -> None:
        from sandbox.skill_sandbox import SkillSandbox  # noqa: PLC0415 - only with --repo

        assert self.settings.repo is not None
        self.sandbox = SkillSandbox(
            self.settings.repo,
            governor=_LiveGovernor(self.source),
            pool_size=None,
            recorder=self.recorder,
        )
        self._warming = threading.Thread(target=self._warm, name="skillgate-warm", daemon=True)
        self._warming.start()

    def _warm(self) -> None:
        """Pre-start containers for each skill at each level an agent may run it at."""
        current, sandbox = self.source.current, self.sandbox
        if current is None or sandbox is None:
            return
        try:
            sandbox.warm_for(current.engine)
        except SkillgateError as exc:
            log.warning("warm pool not filled", extra={"error": str(exc)})


def _rule_label(rule: str) -> str:
    """Rules that are file:line positions or advisory ids stay; cap the label's length."""
    return rule[:120]


def _audited(body: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "decision_id": body.get("decision_id"),
        "result": "allow" if body.get("allowed") else "deny",
        "rule": body.get("rule"),
        "reason": body.get("reason"),
        "revision": body.get("revision"),
    }
