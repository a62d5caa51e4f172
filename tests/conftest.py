"""Shared fixtures: the shipped example repository, copies of it, and the real CLI."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.cli.main import cli
from checker.vulns.osv_import import load_source
from checker.vulns.vuln_index import write_index

ADVISORY_DB = Path(__file__).resolve().parent / "data" / "advisory-db"
"""The vendored subset of the PyPA advisory database (CC-BY-4.0; see its README)."""


@dataclass(frozen=True)
class CliResult:
    """What one CLI invocation printed and returned."""

    exit_code: int
    stdout: str
    stderr: str


def run_cli(args: Sequence[str]) -> CliResult:
    """Invoke the real ``skillgate`` command in-process, exceptions not caught."""
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return CliResult(result.exit_code, result.stdout, result.stderr)


@pytest.fixture(autouse=True)
def _no_personal_vuln_db(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test reads the developer's own vulnerability DB (tests that need one import it),
    writes into the job summary of the CI run that runs the suite, or into the user's audit
    trail."""
    monkeypatch.setenv("SKILLGATE_VULN_DB", str(tmp_path_factory.getbasetemp() / "no-vuln-db"))
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    # Executions and builds are recorded: into the session's own trail, never the user's.
    base = tmp_path_factory.getbasetemp()
    monkeypatch.setenv("SKILLGATE_AUDIT", str(base / "audit.sqlite3"))
    monkeypatch.setenv("XDG_STATE_HOME", str(base / "state"))


TEAM_REPO = Path(__file__).resolve().parent / "fixtures" / "team-repo"


@pytest.fixture
def example_repo(tmp_path: Path) -> Path:
    """A private copy of the test suite's own team repository (``tests/fixtures/team-repo``):
    four levels, five agents, approvals, bans, policy tests and four locked skills. It is
    the suite's fixture, not the shipped example: teams replace ``policy/`` and ``skills/``."""
    target = tmp_path / "repo"
    shutil.copytree(TEAM_REPO, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


@pytest.fixture(scope="session")
def advisory_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DB directory holding the vendored PyPA advisories, imported once per session."""
    db_dir = tmp_path_factory.mktemp("vulndb")
    source = load_source(str(ADVISORY_DB), work_dir=db_dir)
    write_index(db_dir, source, now=datetime.now(UTC))
    return db_dir
