"""The HTTP service (Starlette on uvicorn): decisions, governed execution, health, metrics.

Every request is authenticated by its bearer token; the agent is the token's, never the
request's. Decisions come from the engine of the bundle live at that moment, and every
response carries that bundle's revision and a decision id. Malformed requests get a 4xx
with a reason; nothing an agent sends makes the service answer 5xx.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import anyio
from packaging.version import InvalidVersion, Version
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from checker.audit.chain import GENESIS
from checker.audit.store import Filters
from checker.runtime.specs import MAX_INPUT_LENGTH, valid_name
from checker.service.openapi import DOCUMENT
from checker.service.state import Principal, Service

log = logging.getLogger("skillgate.service")
MAX_BODY_BYTES = 1_048_576
METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8"
MAX_SKILL_ID = 128
Handler = Callable[[Request], Awaitable[Response]]


class HttpError(Exception):
    """A request the service refuses: status and reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _error(status: int, reason: str) -> JSONResponse:
    return JSONResponse({"error": reason}, status_code=status)


class Api:
    """The route handlers over one ``Service``."""

    def __init__(self, service: Service) -> None:
        self.service = service

    def guarded(self, handler: Handler) -> Handler:
        """Refusals become 4xx answers with a reason (and are counted and audited)."""

        async def endpoint(request: Request) -> Response:
            try:
                return await handler(request)
            except HttpError as exc:
                self.service.refused(request, exc.status, exc.reason)
                return _error(exc.status, exc.reason)

        return endpoint

    def principal(self, request: Request) -> Principal:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise HttpError(401, "missing bearer token (Authorization: Bearer TOKEN)")
        found = self.service.authenticate(token.strip())
        if found is None:
            raise HttpError(401, "unknown or revoked token")
        return found

    def agent_for(self, request: Request) -> str:
        """The agent a request decides for: the token's (an operator names one)."""
        who = self.principal(request)
        asked = request.query_params.get("agent_id")
        if asked is not None and len(asked) > MAX_INPUT_LENGTH:
            raise HttpError(400, f"agent_id is longer than {MAX_INPUT_LENGTH} characters")
        if who.role == "operator":
            if not asked:
                raise HttpError(400, "an operator token must name the agent (agent_id)")
            return asked
        if asked is not None and asked != who.subject:
            raise HttpError(
                403, f"this token is agent {who.subject!r}; it may not ask as {asked[:64]!r}"
            )
        return who.subject

    def skill_id(self, request: Request) -> str:
        value = str(request.path_params["skill_id"])
        if not value or len(value) > MAX_SKILL_ID:
            raise HttpError(400, f"skill id must be 1 to {MAX_SKILL_ID} characters")
        if not self.service.knows_skill(value):
            raise HttpError(404, f"unknown skill {value[:64]!r}")
        return value

    async def check_package(self, request: Request) -> Response:
        started = time.perf_counter()
        agent = self.agent_for(request)
        name = _required(request, "package_name")
        version = _required(request, "version")
        if not valid_name(name):
            raise HttpError(400, f"{name[:64]!r} is not a valid package name")
        try:
            Version(version)
        except InvalidVersion:
            raise HttpError(400, f"{version[:64]!r} is not a valid PEP 440 version") from None
        body = self.service.check_package(agent, name, version)
        elapsed = time.perf_counter() - started
        self.service.metrics.decision_seconds.labels("package").observe(elapsed)
        return JSONResponse(body)

    async def check_skill(self, request: Request) -> Response:
        started = time.perf_counter()
        agent = self.agent_for(request)
        body = self.service.check_skill(agent, self.skill_id(request))
        elapsed = time.perf_counter() - started
        self.service.metrics.decision_seconds.labels("skill").observe(elapsed)
        return JSONResponse(body)

    async def execute(self, request: Request) -> Response:
        service = self.service
        agent = self.agent_for(request)
        skill = self.skill_id(request)
        payload, code, timeout = await _execute_body(request)
        if not service.can_execute:
            raise HttpError(503, "execution is not configured on this service (serve --repo)")
        decision = service.check_skill(agent, skill)
        if not decision["allowed"]:
            service.metrics.executions.labels("denied").inc()
            return JSONResponse(decision, status_code=403)
        result = await anyio.to_thread.run_sync(
            lambda: service.execute(agent, skill, decision, payload, code, timeout),
            limiter=service.execution_limiter,
        )
        status = int(result.pop("_status", 200))
        return JSONResponse(result, status_code=status)

    async def live(self, request: Request) -> Response:
        return JSONResponse({"status": "live"})

    async def ready(self, request: Request) -> Response:
        details = self.service.readiness()
        return JSONResponse(details, status_code=200 if details["ready"] else 503)

    async def metrics(self, request: Request) -> Response:
        if self.principal(request).role != "operator":
            raise HttpError(403, "metrics need an operator token")
        return Response(self.service.metrics.render(), media_type=METRICS_TYPE)

    async def openapi(self, request: Request) -> Response:
        return JSONResponse(DOCUMENT)

    def operator(self, request: Request) -> None:
        if self.principal(request).role != "operator":
            raise HttpError(403, "the audit trail needs an operator token")

    async def audit(self, request: Request) -> Response:
        """The trail, filtered, oldest first, ``limit`` at a time after ``after``."""
        self.operator(request)
        query = request.query_params
        decision = query.get("decision")
        if decision not in (None, "allow", "deny"):
            raise HttpError(400, "decision must be allow or deny")
        filters = Filters(
            agent=query.get("agent"),
            skill=query.get("skill"),
            result=decision,
            kind=query.get("kind"),
            since=_instant(query.get("since"), "since"),
            until=_instant(query.get("until"), "until"),
        )
        after = _count(query.get("after"), "after", 0, 2**62)
        limit = _count(query.get("limit"), "limit", 1, 1000, default=100)
        store = self.service.audit_store()
        if store is None:
            raise HttpError(503, "this service has no audit store")
        records = await anyio.to_thread.run_sync(
            lambda: store.records(filters, after=after, limit=limit)
        )
        next_after = records[-1].seq if len(records) == limit else None
        return JSONResponse({"records": [r.to_dict() for r in records], "next_after": next_after})

    async def checkpoint(self, request: Request) -> Response:
        """The head of the chain, to keep elsewhere: a later cut is then detectable."""
        self.operator(request)
        store = self.service.audit_store()
        if store is None:
            raise HttpError(503, "this service has no audit store")
        head = await anyio.to_thread.run_sync(store.head)
        if head is None:
            return JSONResponse({"seq": 0, "hash": GENESIS, "time": ""})
        return JSONResponse({"seq": head.seq, "hash": head.hash, "time": head.time})


def create_app(service: Service) -> Starlette:
    """The ASGI application over ``service``."""
    api = Api(service)
    routes = [
        Route("/api/packages/check", api.guarded(api.check_package), methods=["GET"]),
        Route("/api/skills/{skill_id}/check", api.guarded(api.check_skill), methods=["GET"]),
        Route("/api/skills/{skill_id}/execute", api.guarded(api.execute), methods=["POST"]),
        Route("/health/live", api.live, methods=["GET"]),
        Route("/health/ready", api.ready, methods=["GET"]),
        Route("/metrics", api.guarded(api.metrics), methods=["GET"]),
        Route("/openapi.json", api.openapi, methods=["GET"]),
        Route("/api/audit", api.guarded(api.audit), methods=["GET"]),
        Route("/api/audit/checkpoint", api.guarded(api.checkpoint), methods=["GET"]),
    ]
    app = Starlette(routes=routes, lifespan=service.lifespan)
    app.add_exception_handler(404, _not_found)
    app.add_exception_handler(405, _not_allowed)
    app.add_exception_handler(Exception, _internal)
    return app


async def _not_found(request: Request, exc: Exception) -> Response:
    return _error(404, "no such endpoint")


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return _error(405, "method not allowed")


async def _internal(request: Request, exc: Exception) -> Response:
    log.error("internal error", extra={"path": request.url.path, "error": repr(exc)})
    return _error(500, "internal error")


def _instant(value: str | None, name: str) -> str | None:
    """An ISO 8601 time as the trail stores it (UTC, microseconds, ``Z``)."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise HttpError(400, f"{name} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _count(value: str | None, name: str, low: int, high: int, default: int = 0) -> int:
    if value is None:
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        raise HttpError(400, f"{name} must be a whole number from {low} to {high}")
    return int(value)


def _required(request: Request, name: str) -> str:
    values = request.query_params.getlist(name)
    if len(values) != 1 or not values[0]:
        raise HttpError(400, f"query parameter {name} is required, once")
    value = values[0]
    if len(value) > MAX_INPUT_LENGTH:
        raise HttpError(400, f"{name} is longer than {MAX_INPUT_LENGTH} characters")
    return value


async def _execute_body(request: Request) -> tuple[bytes, str | None, float | None]:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise HttpError(415, "the body must be application/json")
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        raise HttpError(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            raise HttpError(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise HttpError(400, f"the body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise HttpError(400, "the body must be a JSON object")
    unknown = sorted(set(body) - {"input", "code", "timeout"})
    if unknown:
        raise HttpError(400, f"unknown field(s) {', '.join(map(repr, unknown))}")
    if ("input" in body) == ("code" in body):
        raise HttpError(400, "give exactly one of input (a JSON payload) or code (a snippet)")
    timeout = body.get("timeout")
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0
    ):
        raise HttpError(400, "timeout must be a positive number of seconds")
    if "code" in body:
        code = body["code"]
        if not isinstance(code, str) or len(code) > 65536:
            raise HttpError(400, "code must be a string of at most 65536 characters")
        return b"", code, timeout
    return json.dumps(body["input"]).encode("utf-8"), None, timeout


def new_decision_id() -> str:
    """A random, unique id that a response and its audit record share."""
    return uuid.uuid4().hex
