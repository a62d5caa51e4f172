"""schemathesis against the service's OpenAPI document, over a real socket: whatever an agent
sends, the answer is no server error and conforms to the document (status, content type,
schema). Execution is configured, so a request that reaches a skill really runs it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from checker.service.openapi import DOCUMENT
from sandbox.build import BuildResult
from tests.docker.conftest import INTERN, STUDENT, TRUSTED
from tests.service.conftest import Server, start

pytestmark = pytest.mark.docker
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, sandbox_repo: Path, built: dict[str, BuildResult]
) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("schema")
    server = start(root, source=sandbox_repo, agents=(TRUSTED, INTERN, STUDENT), repo=sandbox_repo)
    yield server
    server.stop()


@SCHEMA.parametrize()
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_server_error_and_no_schema_violation(case: Any, served: Server) -> None:
    token = served.tokens[INTERN]
    case.call_and_validate(
        base_url=f"http://127.0.0.1:{served.port}",
        headers={"Authorization": f"Bearer {token}"},
        checks=CHECKS,
    )


@SCHEMA.include(operation_id="executeSkill").parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_fuzzed_execute_bodies_for_real_skills(case: Any, served: Server) -> None:
    """The body fuzzed against skills that exist, so the sandbox really runs what it gets."""
    case.path_parameters = {"skill_id": "plain"}
    case.query = {}
    case.call_and_validate(
        base_url=f"http://127.0.0.1:{served.port}",
        headers={"Authorization": f"Bearer {served.tokens[TRUSTED]}"},
        checks=CHECKS,
    )
