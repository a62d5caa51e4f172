"""The scheduled re-scan: yesterday's clean, approved and locked package gains an advisory in
today's DB, and the gate (as .github/workflows/scheduled.yml runs it) fails and says which
approval and which agents are affected."""

from __future__ import annotations

import dataclasses
import json
import shutil
import zipfile
from collections.abc import Mapping
from pathlib import Path

from checker.lock.lockfile import Lock, render_lock, requirements_digest
from tests.acceptance.cli_helpers import cli, parse_annotation
from tests.conftest import run_cli
from tests.scan.conftest import TARGET, locked, pin_line

BASE = Path(__file__).resolve().parents[1] / "examples" / "base"
OTHER: Mapping[str, object] = {
    "id": "PYSEC-2020-1",
    "modified": "2026-11-01T00:00:00Z",
    "summary": "an advisory about another package",
    "affected": [
        {
            "package": {"name": "otherpkg", "ecosystem": "PyPI"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2"}]}],
        }
    ],
}


def advisory(advisory_id: str, package: str, fixed: str) -> Mapping[str, object]:
    return {
        "id": advisory_id,
        "modified": "2026-11-30T00:00:00Z",
        "summary": f"{package} deserialises untrusted input",
        "affected": [
            {
                "package": {"name": package, "ecosystem": "PyPI"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}
                ],
            }
        ],
    }


ON_THE_DEPENDENCY = advisory("GHSA-demo-0000-0001", "demo-dep", "2.1")
ON_THE_APPROVAL = advisory("GHSA-demo-0000-0002", "demo-lib", "1.1")


def osv_dir(root: Path, *records: Mapping[str, object]) -> Path:
    root.mkdir(parents=True)
    for record in records:
        (root / f"{record['id']}.json").write_text(json.dumps(record), encoding="utf-8")
    return root


def wheel(directory: Path, name: str, version: str) -> Path:
    path = directory / f"{name}-{version}-py3-none-any.whl"
    directory.mkdir(exist_ok=True)
    with zipfile.ZipFile(path, "w") as out:
        out.writestr(f"{name}/__init__.py", "VALUE = 1\n")
        out.writestr(
            f"{name}-{version}.dist-info/METADATA", f"Metadata-Version: 2.1\nName: {name}\n"
        )
    return path


def team_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(BASE, repo, ignore=shutil.ignore_patterns("skills"))
    (repo / "policy" / "scanning.yaml").write_text("max_db_age_days: 36500\n", encoding="utf-8")
    (repo / "policy" / "packages" / "demo-lib.yaml").write_text(
        "approvals:\n  - package: demo-lib\n    versions: ==1.0\n    min_level: INTERN\n"
        "    approved_by: security-team\n    reason: parsing helpers\n",
        encoding="utf-8",
    )
    lib = wheel(tmp_path / "wheels", "demo_lib", "1.0")
    dep = wheel(tmp_path / "wheels", "demo_dep", "2.0")
    skill = repo / "skills" / "parse"
    skill.mkdir(parents=True)
    (skill / "main.py").write_text("print('{}')\n", encoding="utf-8")
    requirements = ["demo-lib==1.0"]
    (skill / "skill.yaml").write_text(
        "id: parse\ndescription: parse things\nowner: t\nmin_level: INTERN\n"
        "entrypoint: main.py\nrequirements:\n  - demo-lib==1.0\n",
        encoding="utf-8",
    )
    lock = Lock(
        packages=(
            locked("demo-lib", "1.0", lib),
            dataclasses.replace(locked("demo-dep", "2.0", dep), parents=("demo-lib",)),
        ),
        requirements_digest=requirements_digest(requirements, TARGET),
        target=TARGET,
        skill="parse",
    )
    (skill / "requirements.lock").write_text(render_lock(lock), encoding="utf-8")
    return repo


def annotated(stdout: str) -> dict[str, tuple[str, str, str]]:
    return {
        p["title"]: (p["file"], p["line"], m)
        for _, p, m in map(parse_annotation, (s for s in stdout.splitlines() if s.startswith("::")))
    }


def test_new_advisories_fail_the_rescan_and_name_the_approval_and_agents(tmp_path: Path) -> None:
    repo = team_repo(tmp_path)
    db = tmp_path / "vulndb"
    days = [
        osv_dir(tmp_path / "osv-1", OTHER),
        osv_dir(tmp_path / "osv-2", OTHER, ON_THE_DEPENDENCY),
        osv_dir(tmp_path / "osv-3", OTHER, ON_THE_DEPENDENCY, ON_THE_APPROVAL),
    ]
    rescan = ("gate", "--all", "--vuln-db", str(db), "--format", "github", "--summary", "")

    def import_(day: Path) -> None:
        assert run_cli(["db", "update", "--from", str(day), "--vuln-db", str(db)]).exit_code == 0

    import_(days[0])
    clean = cli(repo, *rescan)
    assert clean.exit_code == 0, clean.stdout + clean.stderr

    # Day 2: a dependency the lock pulls in becomes vulnerable: the scan says where it came
    # from and who runs the skill.
    import_(days[1])
    result = cli(repo, *rescan)
    assert result.exit_code == 1
    file, line, message = annotated(result.stdout)["vuln.known"]
    assert (file, line) == (
        "skills/parse/requirements.lock",
        str(pin_line(repo, "parse", "demo-dep==2.0")),
    )
    assert "GHSA-demo-0000-0001" in message
    assert "[required by demo-lib; skill parse runs for: alice, bob]" in message

    # Day 3: the approved release itself: the approval fails where it is written, naming the
    # agents it admits.
    import_(days[2])
    result = cli(repo, *rescan)
    assert result.exit_code == 1
    file, line, message = annotated(result.stdout)["approval.vulnerable"]
    assert (file, line) == ("policy/packages/demo-lib.yaml", "3")
    assert "GHSA-demo-0000-0002 (fixed in 1.1); admitted for agents: alice, bob" in message
