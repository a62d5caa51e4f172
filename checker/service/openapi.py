"""The OpenAPI 3.1 document served at ``/openapi.json``: the contract agents code against.

Written out rather than generated: the schemas are the product's interface, reviewed like the
policy, and the test suite runs schemathesis against them.
"""

from __future__ import annotations

from typing import Any

_ERROR = {"$ref": "#/components/schemas/Error"}


def _response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERRORS = {
    "400": _response("Malformed request", _ERROR),
    "401": _response("Missing or unknown bearer token", _ERROR),
    "403": _response("Asking as another agent, or an operator-only endpoint", _ERROR),
    "404": _response("Unknown skill", _ERROR),
    "503": _response("No valid bundle loaded, or a dependency is down", _ERROR),
}
_AGENT_ID = {
    "name": "agent_id",
    "in": "query",
    "required": False,
    "description": "Must be the token's agent when given (operators may name any agent).",
    "schema": {"type": "string", "minLength": 1, "maxLength": 256},
}
_SKILL_ID = {
    "name": "skill_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "minLength": 1, "maxLength": 128},
}
_DECISION_FIELDS: dict[str, Any] = {
    "allowed": {"type": "boolean"},
    "maturity_required": {"type": ["string", "null"]},
    "reason": {"type": "string"},
    "rule": {"type": "string"},
    "revision": {"type": "string"},
    "decision_id": {"type": "string"},
    "vulnerability_db": {"type": "string"},
}
_RUN_FIELDS: dict[str, Any] = {
    "exit_code": {"type": "integer"},
    "duration_seconds": {"type": "number"},
    "timed_out": {"type": "boolean"},
    "oom_killed": {"type": "boolean"},
    "truncated": {"type": "boolean"},
    "warm": {"type": "boolean"},
    "stdout": {"type": "string"},
    "stderr": {"type": "string"},
}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "skillgate runtime",
        "version": "1",
        "description": "Policy decisions and governed skill execution for AI agents.",
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {"error": {"type": "string"}},
            },
            "Decision": {
                "type": "object",
                "required": list(_DECISION_FIELDS),
                "properties": _DECISION_FIELDS,
            },
            "Execution": {
                "type": "object",
                "required": [*_DECISION_FIELDS, *_RUN_FIELDS],
                "properties": {**_DECISION_FIELDS, **_RUN_FIELDS},
            },
            "ExecuteRequest": {
                "type": "object",
                "additionalProperties": False,
                "description": "Exactly one of input (JSON for the skill's entry point on stdin) "
                "or code (a Python snippet run with the skill's packages).",
                "properties": {
                    "input": {"description": "JSON payload given to the skill on stdin"},
                    "code": {"type": "string", "maxLength": 65536},
                    "timeout": {"type": "number", "exclusiveMinimum": 0},
                },
                "oneOf": [
                    {"required": ["input"], "not": {"required": ["code"]}},
                    {"required": ["code"], "not": {"required": ["input"]}},
                ],
            },
        },
    },
    "security": [{"bearer": []}],
    "paths": {
        "/api/packages/check": {
            "get": {
                "summary": "May the token's agent use PACKAGE at VERSION?",
                "operationId": "checkPackage",
                "parameters": [
                    {
                        "name": "package_name",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 256},
                    },
                    {
                        "name": "version",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 256},
                    },
                    _AGENT_ID,
                ],
                "responses": {
                    "200": _response("The decision", {"$ref": "#/components/schemas/Decision"}),
                    **_ERRORS,
                },
            }
        },
        "/api/skills/{skill_id}/check": {
            "get": {
                "summary": "May the token's agent run the skill?",
                "operationId": "checkSkill",
                "parameters": [_SKILL_ID, _AGENT_ID],
                "responses": {
                    "200": _response("The decision", {"$ref": "#/components/schemas/Decision"}),
                    **_ERRORS,
                },
            }
        },
        "/api/skills/{skill_id}/execute": {
            "post": {
                "summary": "Run the skill for the token's agent, after the same decision.",
                "operationId": "executeSkill",
                "parameters": [_SKILL_ID, _AGENT_ID],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/ExecuteRequest"}
                        }
                    },
                },
                "responses": {
                    "200": _response(
                        "The execution (also when the skill failed)",
                        {"$ref": "#/components/schemas/Execution"},
                    ),
                    "403": _response(
                        "The policy denies the run (the decision), or asking as another agent",
                        {"oneOf": [{"$ref": "#/components/schemas/Decision"}, _ERROR]},
                    ),
                    **{k: v for k, v in _ERRORS.items() if k != "403"},
                    "413": _response("Request body too large", _ERROR),
                    "415": _response("Not application/json", _ERROR),
                },
            }
        },
        "/health/live": {
            "get": {
                "summary": "The process answers.",
                "security": [],
                "responses": {"200": _response("Live", {"type": "object"})},
            }
        },
        "/health/ready": {
            "get": {
                "summary": "200 only while a valid bundle is loaded; details either way.",
                "security": [],
                "responses": {
                    "200": _response("Ready", {"type": "object"}),
                    "503": _response("Not ready", {"type": "object"}),
                },
            }
        },
        "/api/audit": {
            "get": {
                "summary": "The audit trail, filtered, oldest first (operator token).",
                "operationId": "listAudit",
                "parameters": [
                    {"name": name, "in": "query", "required": False, "schema": schema}
                    for name, schema in (
                        ("agent", {"type": "string", "maxLength": 256}),
                        ("skill", {"type": "string", "maxLength": 128}),
                        ("decision", {"type": "string", "enum": ["allow", "deny"]}),
                        ("kind", {"type": "string", "maxLength": 64}),
                        ("since", {"type": "string", "format": "date-time"}),
                        ("until", {"type": "string", "format": "date-time"}),
                        ("after", {"type": "integer", "minimum": 0}),
                        ("limit", {"type": "integer", "minimum": 1, "maximum": 1000}),
                    )
                ],
                "responses": {
                    "200": _response(
                        "Records and the cursor of the next page (null on the last)",
                        {
                            "type": "object",
                            "required": ["records", "next_after"],
                            "properties": {
                                "records": {"type": "array", "items": {"type": "object"}},
                                "next_after": {"type": ["integer", "null"]},
                            },
                        },
                    ),
                    **{k: v for k, v in _ERRORS.items() if k != "404"},
                },
            }
        },
        "/api/audit/checkpoint": {
            "get": {
                "summary": "The head of the chain, to keep elsewhere (operator token).",
                "operationId": "auditCheckpoint",
                "responses": {
                    "200": _response(
                        "The head",
                        {
                            "type": "object",
                            "required": ["seq", "hash", "time"],
                            "properties": {
                                "seq": {"type": "integer"},
                                "hash": {"type": "string"},
                                "time": {"type": "string"},
                            },
                        },
                    ),
                    **{k: v for k, v in _ERRORS.items() if k in ("401", "403", "503")},
                },
            }
        },
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics (operator token).",
                "responses": {
                    "200": {
                        "description": "Prometheus text format",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    },
                    "401": _ERRORS["401"],
                    "403": _ERRORS["403"],
                },
            }
        },
    },
}
