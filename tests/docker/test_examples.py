"""The team repository's skills (the suite's fixture) build from their locks and run end to end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from checker.exit_codes import ExitCode
from tests.conftest import run_cli
from tests.docker.conftest import build

pytestmark = [pytest.mark.docker, pytest.mark.network]

CASES = [
    (
        "word-stats",
        "new-hire",
        {"text": "a b a", "top": 1},
        {"words": 3, "lines": 1, "top": [["a", 2]]},
    ),
    (
        "yaml-normalize",
        "intern-7",
        {"yaml": "b: 1\na: [1, 2]\n"},
        {"yaml": "a:\n- 1\n- 2\nb: 1\n", "documents": 1},
    ),
    (
        "version-sort",
        "intern-7",
        {"versions": ["1.10", "1.2", "2.0rc1", "0.9"], "specifier": ">=1"},
        {"versions": ["1.2", "1.10"], "invalid": []},
    ),
    (
        "markdown-render",
        "research-assistant",
        {"markdown": "# Hi\n\n*x*"},
        {"html": "<h1>Hi</h1>\n<p><em>x</em></p>"},
    ),
]


@pytest.mark.parametrize(
    ("skill", "agent", "payload", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_example_skill_runs(
    shipped_repo: Path, skill: str, agent: str, payload: dict[str, Any], expected: dict[str, Any]
) -> None:
    args = ["run", skill, "--agent", agent, "--input", json.dumps(payload)]
    result = run_cli([*args, "--repo", str(shipped_repo)])
    assert result.exit_code == ExitCode.OK, result.stderr
    assert json.loads(result.stdout) == expected


def test_rebuilding_the_examples_is_a_no_op(shipped_repo: Path, vuln_db: Path) -> None:
    result = build(shipped_repo, vuln_db)
    assert result.exit_code == ExitCode.OK
    lines = result.stdout.splitlines()
    assert len(lines) == len(list((shipped_repo / "skills").glob("*/skill.yaml")))
    assert all(line.startswith("up to date skillgate/skill-") for line in lines)


def test_an_agent_below_the_skill_level_is_refused(shipped_repo: Path) -> None:
    args = ["run", "markdown-render", "--agent", "intern-7", "--input", "{}"]
    result = run_cli([*args, "--repo", str(shipped_repo)])
    assert result.exit_code == ExitCode.FINDINGS
    assert result.stderr.startswith("Error: denied: agent 'intern-7' may not run skill")


def test_build_without_a_vulnerability_db_cannot_decide(shipped_repo: Path, tmp_path: Path) -> None:
    result = build(shipped_repo, tmp_path / "no-db")
    assert result.exit_code == ExitCode.UNDECIDED
    assert result.stderr.startswith("Error: no vulnerability DB at ")
    assert result.stdout == ""
