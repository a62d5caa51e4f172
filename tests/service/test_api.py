"""The HTTP API over a real socket: who may ask, what malformed requests get, the kill switch."""

from __future__ import annotations

from pathlib import Path

from checker.service.tokens import revoke
from tests.service.conftest import Server, start, wait_until

CHECK = "/api/packages/check?package_name=pyyaml&version=6.0.2"


def test_an_agent_gets_its_own_decision_with_revision_and_id(server: Server) -> None:
    reply = server.get(CHECK, server.tokens["intern-7"])
    assert reply.status == 200
    body = reply.body
    assert body["allowed"] is True
    assert body["maturity_required"] == "INTERN"
    assert body["rule"] == "policy/packages/pyyaml.yaml:2"
    assert body["revision"] == "rev-1"
    assert len(body["decision_id"]) == 32
    again = server.get(CHECK, server.tokens["intern-7"]).body
    assert again["decision_id"] != body["decision_id"]
    denied = server.get(CHECK, server.tokens["new-hire"]).body
    assert (denied["allowed"], denied["maturity_required"]) == (False, "INTERN")


def test_without_a_token_401_and_with_an_unknown_one_401(server: Server) -> None:
    missing = server.get(CHECK)
    assert (missing.status, missing.body) == (
        401,
        {"error": "missing bearer token (Authorization: Bearer TOKEN)"},
    )
    unknown = server.get(CHECK, "sgt_not-a-real-token")
    assert (unknown.status, unknown.body) == (401, {"error": "unknown or revoked token"})


def test_asking_as_another_agent_is_403_and_the_same_agent_is_fine(server: Server) -> None:
    token = server.tokens["intern-7"]
    other = server.get(f"{CHECK}&agent_id=doc-bot", token)
    assert (other.status, other.body) == (
        403,
        {"error": "this token is agent 'intern-7'; it may not ask as 'doc-bot'"},
    )
    same = server.get(f"{CHECK}&agent_id=intern-7", token)
    assert same.status == 200
    skill = server.get("/api/skills/markdown-render/check?agent_id=doc-bot", token)
    assert skill.status == 403


def test_an_operator_asks_for_a_named_agent(server: Server) -> None:
    token = server.tokens["operator"]
    assert server.get(CHECK, token).status == 400
    named = server.get(f"{CHECK}&agent_id=doc-bot", token)
    assert (named.status, named.body["allowed"]) == (200, True)


def test_a_revoked_token_is_refused_without_a_restart(server: Server) -> None:
    token = server.tokens["intern-7"]
    assert server.get(CHECK, token).status == 200
    revoke(server.tokens_file, "intern-7")
    wait_until(lambda: server.get(CHECK, token).status == 401, "the revoked token still works")
    assert server.get(CHECK, server.tokens["doc-bot"]).status == 200


def test_malformed_queries_get_4xx_with_a_reason(server: Server) -> None:
    token = server.tokens["intern-7"]
    cases = {
        "/api/packages/check?package_name=pyyaml&version=not..a..version": (
            400,
            "'not..a..version' is not a valid PEP 440 version",
        ),
        "/api/packages/check?version=1.0": (400, "query parameter package_name is required, once"),
        "/api/packages/check?package_name=a&package_name=b&version=1": (
            400,
            "query parameter package_name is required, once",
        ),
        "/api/packages/check?package_name=-bad-&version=1": (
            400,
            "'-bad-' is not a valid package name",
        ),
        f"/api/packages/check?package_name={'a' * 5000}&version=1": (
            400,
            "package_name is longer than 256 characters",
        ),
        "/api/skills/no-such-skill/check": (404, "unknown skill 'no-such-skill'"),
        "/api/nothing-here": (404, "no such endpoint"),
    }
    for path, (status, reason) in cases.items():
        reply = server.get(path, token)
        assert (reply.status, reply.body) == (status, {"error": reason}), path


def test_malformed_execute_bodies_get_4xx(server: Server) -> None:
    token = server.tokens["doc-bot"]
    path = "/api/skills/word-stats/execute"
    json_type = {"content-type": "application/json"}
    cases = [
        (b"{not json", json_type, 400, "the body is not valid JSON"),
        (b"[1, 2]", json_type, 400, "the body must be a JSON object"),
        (b'{"input": 1, "code": "x"}', json_type, 400, "give exactly one of input"),
        (b'{"input": 1, "extra": 2}', json_type, 400, "unknown field(s) 'extra'"),
        (b'{"input": 1, "timeout": -1}', json_type, 400, "timeout must be a positive number"),
        (b'{"input": 1}', {"content-type": "text/plain"}, 415, "the body must be application"),
        (b"{" + b" " * 1_100_000 + b"}", json_type, 413, "the body is larger than"),
    ]
    for body, headers, status, reason in cases:
        reply = server.request("POST", path, token=token, body=body, headers=headers)
        assert reply.status == status, (body[:40], reply.body)
        assert reply.body["error"].startswith(reason), reply.body


def test_execution_without_a_repository_is_refused_plainly(server: Server) -> None:
    reply = server.request(
        "POST",
        "/api/skills/word-stats/execute",
        token=server.tokens["doc-bot"],
        body=b'{"input": {"text": "a"}}',
        headers={"content-type": "application/json"},
    )
    assert (reply.status, reply.body) == (
        503,
        {"error": "execution is not configured on this service (serve --repo)"},
    )


def test_the_kill_switch_denies_every_decision(tmp_path: Path) -> None:
    server = start(tmp_path, env={"SKILLGATE_PACKAGES_ENABLED": "false"})
    try:
        body = server.get(CHECK, server.tokens["intern-7"]).body
        assert (body["allowed"], body["rule"]) == (False, "kill-switch")
        assert body["reason"] == (
            "package decisions are switched off on this service (SKILLGATE_PACKAGES_ENABLED=false)"
        )
        skill = server.get("/api/skills/word-stats/check", server.tokens["doc-bot"]).body
        assert (skill["allowed"], skill["rule"]) == (False, "kill-switch")
        assert server.get("/health/ready").body["packages_enabled"] is False
    finally:
        server.stop()


def test_health_metrics_and_openapi(server: Server) -> None:
    assert server.get("/health/live").body == {"status": "live"}
    ready = server.get("/health/ready").body
    assert ready["ready"] is True
    assert ready["bundle"]["revision"] == "rev-1"
    assert server.get("/metrics", server.tokens["intern-7"]).status == 403
    assert server.get("/metrics").status == 401
    server.get(CHECK, server.tokens["intern-7"])
    metrics = server.get("/metrics", server.tokens["operator"])
    assert metrics.status == 200
    text = metrics.body
    assert (
        'skillgate_decisions_total{kind="package",result="allow",rule="policy/packages/pyyaml.yaml:2"}'
        in text
    )
    assert 'skillgate_bundle_info{digest="sha256:' in text
    assert "skillgate_decision_cache_hit_ratio " in text
    assert "skillgate_bundle_reload_failures_total 0.0" in text
    document = server.get("/openapi.json").body
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) >= {"/api/packages/check", "/api/skills/{skill_id}/execute"}
