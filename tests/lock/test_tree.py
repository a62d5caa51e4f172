"""``skillgate tree``: drawn from the lock file alone."""

from __future__ import annotations

import json
from pathlib import Path

from checker.lock.lockfile import Lock, LockedFile, LockedPackage
from checker.lock.tree import build_tree, render_text
from tests.conftest import run_cli
from tests.lock.conftest import Index, write_repo


def _pkg(
    name: str, parents: tuple[str, ...] = (), required_by: tuple[str, ...] = ()
) -> LockedPackage:
    digest = "a" * 64
    return LockedPackage(
        name=name,
        version="1.0",
        hashes=(f"sha256:{digest}",),
        parents=parents,
        required_by=required_by,
        index_url="http://127.0.0.1:1/simple",
        files=(
            LockedFile(
                filename=f"{name}-1.0-py3-none-any.whl", url="http://127.0.0.1:1/x", sha256=digest
            ),
        ),
    )


def test_tree_text_and_json_from_a_locked_skill(index: Index, tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "repo", {"demo": ["alpha[fast]==1.0"]})
    assert run_cli(["lock", "--repo", str(repo)]).exit_code == 0
    result = run_cli(["tree", "demo", "--repo", str(repo)])
    assert result.exit_code == 0
    assert result.stdout == ("alpha==1.0\n├── beta==2.0\n└── gamma==1.0\n    └── beta==2.0\n")
    result = run_cli(["tree", "demo", "--json", "--repo", str(repo)])
    assert result.exit_code == 0
    tree = json.loads(result.stdout)
    assert tree[0]["package_name"] == "alpha"
    assert [d["key"] for d in tree[0]["dependencies"]] == ["beta", "gamma"]
    assert tree[0]["dependencies"][1]["dependencies"][0]["installed_version"] == "2.0"


def test_direct_requirement_also_required_by_another_and_cycles() -> None:
    lock = Lock(
        packages=(
            _pkg("a"),
            _pkg("b", required_by=("c",)),  # direct, and also needed by c
            _pkg("c", parents=("a", "b")),
        ),
        requirements_digest="",
        target="t",
    )
    assert render_text(build_tree(lock)) == (
        "a==1.0\n└── c==1.0\n    └── b==1.0\n        └── c==1.0 (cycle)\n"
        "b==1.0\n└── c==1.0\n    └── b==1.0 (cycle)\n"
    )


def test_tree_without_a_lock_is_undecided(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "repo", {"demo": []})
    result = run_cli(["tree", "demo", "--repo", str(repo)])
    assert result.exit_code == 3
    assert result.stderr == (
        "Error: skills/demo/requirements.lock does not exist; run `skillgate lock demo`\n"
    )
    assert run_cli(["tree", "../etc", "--repo", str(repo)]).exit_code == 2


def test_skill_without_requirements_gets_an_empty_lock(isolated_pip: Path, tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "repo", {"demo": []})
    result = run_cli(["lock", "--repo", str(repo)])
    assert result.exit_code == 0
    assert result.stderr == "skills/demo/requirements.lock: 0 packages, written\n"
    assert run_cli(["lock", "--check", "--repo", str(repo)]).exit_code == 0
    assert run_cli(["tree", "demo", "--repo", str(repo)]).stdout == ""
