"""pip-audit as a second engine: the real tool offline against our server, failing closed."""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from checker.exit_codes import SkillgateError
from checker.vulns.engines import PinnedPackage
from checker.vulns.matcher import VulnMatch
from checker.vulns.osv_server import OsvQueryServer
from checker.vulns.ours_engine import OursEngine
from checker.vulns.pip_audit_engine import PipAuditEngine, parse_report, requirements_text
from checker.vulns.tool_run import ToolResult
from checker.vulns.vuln_index import index_path, opened
from tests.scan.real_pins import real_pins

REQUESTS = [PinnedPackage(name="requests", version="2.28.0", hashes=("sha256:" + "a" * 64,))]


def report(dependencies: object, returncode: int = 1) -> ToolResult:
    return ToolResult(
        command=("pip-audit",),
        returncode=returncode,
        stdout=json.dumps({"dependencies": dependencies, "fixes": []}),
        stderr="",
    )


def comparable(results: dict[str, list[VulnMatch]]) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    """Per package: the advisory ids with their fix versions, sorted."""
    return {name: sorted((m.id, m.fixed) for m in ms) for name, ms in sorted(results.items())}


def test_requests_2_28_0_offline_through_pip_audit(advisory_index: Path) -> None:
    with OsvQueryServer(advisory_index) as server:
        found = PipAuditEngine(osv_url=server.url).audit(REQUESTS)
    (match,) = found["requests"]
    assert (match.id, match.fixed) == ("PYSEC-2023-74", ("2.31.0",))
    assert "CVE-2023-32681" in match.aliases


def test_differential_both_engines_agree_on_real_pins(advisory_index: Path) -> None:
    packages = real_pins()
    assert len(packages) >= 100
    with opened(advisory_index) as index:
        ours = OursEngine(index).audit(packages)
    with OsvQueryServer(advisory_index) as server:
        theirs = PipAuditEngine(osv_url=server.url).audit(packages)
    assert comparable(ours) == comparable(theirs)
    vulnerable = [name for name, matches in ours.items() if matches]
    assert len(vulnerable) >= 50


def test_unreachable_osv_endpoint_is_a_failure() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port any more: pip-audit cannot query, the audit must fail.
    engine = PipAuditEngine(osv_url=f"http://127.0.0.1:{port}/v1/query", timeout=120)
    with pytest.raises(SkillgateError, match="pip-audit"):
        engine.audit(REQUESTS)


def test_requirements_keep_hashes() -> None:
    assert requirements_text(REQUESTS) == f"requests==2.28.0 --hash=sha256:{'a' * 64}\n"


@pytest.mark.parametrize(
    ("result", "message"),
    [
        (
            report([{"name": "requests", "skip_reason": "could not reach PyPI"}], 0),
            "pip-audit skipped requests: could not reach PyPI",
        ),
        (
            ToolResult(command=("pip-audit",), returncode=1, stdout="", stderr="boom"),
            "pip-audit output is not a report",
        ),
        (
            ToolResult(command=("pip-audit",), returncode=0, stdout="{}", stderr=""),
            "pip-audit output is not a report",
        ),
        (report([]), "pip-audit did not report on: requests"),
        (report([{"name": "requests", "version": "2.0.0", "vulns": []}]), "not in the lock"),
        (
            report([{"name": "requests", "version": "2.28.0", "vulns": [{"id": "X"}]}], 0),
            "found vulnerabilities but exited 0",
        ),
        (
            report([{"name": "requests", "version": "2.28.0", "vulns": [{"nope": 1}]}]),
            "malformed vulnerability",
        ),
    ],
)
def test_anything_but_a_full_report_fails(result: ToolResult, message: str) -> None:
    with pytest.raises(SkillgateError, match=message):
        parse_report(result, REQUESTS)


def test_clean_report_parses() -> None:
    clean = report([{"name": "requests", "version": "2.28.0", "vulns": []}], 0)
    assert parse_report(clean, REQUESTS) == {"requests": []}
    # pip-audit prints normalised versions; they are the same release as the locked spelling.
    beta = [PinnedPackage(name="demo", version="2.0.0beta")]
    assert parse_report(report([{"name": "demo", "version": "2.0.0b0", "vulns": []}], 0), beta)


def test_server_error_makes_pip_audit_fail(advisory_index: Path, tmp_path: Path) -> None:
    db = tmp_path / "db"
    db.mkdir()
    shutil.copy(index_path(advisory_index), index_path(db))
    with closing(sqlite3.connect(index_path(db))) as conn, conn:
        conn.execute("UPDATE advisories SET body = ? WHERE id = ?", ('{"id": 7}', "PYSEC-2023-74"))
    with OsvQueryServer(db) as server, pytest.raises(SkillgateError, match="pip-audit"):
        PipAuditEngine(osv_url=server.url).audit(REQUESTS)
