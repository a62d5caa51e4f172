"""``skillgate lock`` and ``lock --check`` through the real CLI and a real loopback index."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from checker.lock.lockfile import read_lock
from tests.conftest import run_cli
from tests.lock.conftest import Index, write_repo, write_skill
from tests.lock.local_index import make_sdist, make_wheel, serve, write_index

LOCK = "skills/demo/requirements.lock"


def _lock(repo: Path, *args: str) -> tuple[int, str, str]:
    result = run_cli(["lock", *args, "--repo", str(repo)])
    return result.exit_code, result.stdout, result.stderr


def test_lock_resolves_transitives_for_the_target_and_is_deterministic(
    index: Index, tmp_path: Path
) -> None:
    repo = write_repo(tmp_path / "repo", {"demo": ["alpha==1.0"]})
    code, out, err = _lock(repo)
    assert (code, out) == (0, "")
    assert err == "skills/demo/requirements.lock: 2 packages, written\n"
    first = (repo / LOCK).read_bytes()
    lock = read_lock(repo / LOCK)
    assert lock.target == "cp311-manylinux_2_36_x86_64"
    assert lock.skill == "demo"
    alpha, beta = lock.packages
    assert (alpha.name, alpha.version, alpha.parents, alpha.direct) == ("alpha", "1.0", (), True)
    # The newest beta wins; gamma (behind an extra) and delta (python < 3) are not locked.
    assert (beta.name, beta.version, beta.parents) == ("beta", "2.0", ("alpha",))
    served = index.root / "files" / "beta-2.0-py3-none-any.whl"
    digest = hashlib.sha256(served.read_bytes()).hexdigest()
    assert beta.hashes == (f"sha256:{digest}",)
    assert beta.index_url == index.simple
    assert beta.files[0].url == f"{index.url}/files/beta-2.0-py3-none-any.whl"
    assert beta.files[0].sha256 == digest

    code, out, err = _lock(repo)
    assert (code, out, err) == (0, "", "skills/demo/requirements.lock: 2 packages, unchanged\n")
    assert (repo / LOCK).read_bytes() == first
    (repo / LOCK).unlink()
    assert _lock(repo)[0] == 0
    assert (repo / LOCK).read_bytes() == first

    code, out, err = _lock(repo, "--check")
    assert (code, out, err) == (0, "", "locks are current for cp311-manylinux_2_36_x86_64\n")


def test_extras_pull_their_dependencies_with_parents(index: Index, tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "repo", {"demo": ["alpha[fast]==1.0"]})
    assert _lock(repo, "demo")[0] == 0
    lock = read_lock(repo / LOCK)
    assert [p.name for p in lock.packages] == ["alpha", "beta", "gamma"]
    assert lock.package("beta").parents == ("alpha", "gamma")  # type: ignore[union-attr]
    assert lock.package("gamma").parents == ("alpha",)  # type: ignore[union-attr]


def test_check_reports_missing_stale_and_hand_edited_locks(index: Index, tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "repo", {"demo": ["alpha==1.0"]})
    code, out, _ = _lock(repo, "--check")
    assert code == 1
    assert out.splitlines()[0] == (
        f"{LOCK}: error lock.missing skill demo has no lock file "
        "(hint: run `skillgate lock demo` and commit the result)"
    )

    assert _lock(repo)[0] == 0
    write_skill(repo, "demo", ["alpha[fast]==1.0"])
    code, out, _ = _lock(repo, "--check")
    assert code == 1
    assert out.startswith(
        f"{LOCK}: error lock.stale the requirements in skills/demo/skill.yaml changed since "
        "the lock was generated"
    )

    write_skill(repo, "demo", ["alpha==1.0"])
    text = (repo / LOCK).read_text()
    (repo / LOCK).write_text(text.replace("beta==2.0", "beta==1.0"))
    code, out, _ = _lock(repo, "--check", "--format", "json")
    assert code == 1
    found = json.loads(out)["findings"]
    assert [(f["rule"], f["file"], f["line"]) for f in found] == [("lock.modified", LOCK, 5)]


def test_check_reports_a_malformed_lock_at_its_line(index: Index, tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "repo", {"demo": ["alpha==1.0"]})
    assert _lock(repo)[0] == 0
    text = (repo / LOCK).read_text()
    (repo / LOCK).write_text(text.replace("    --hash=sha256:", "    --hash=sha1:", 1))
    code, out, _ = _lock(repo, "--check")
    assert code == 1
    assert out.startswith(f"{LOCK}:8:1: error lock.malformed expected '    --hash=sha256:")


def test_banned_transitive_package_fails_the_lock(index: Index, tmp_path: Path) -> None:
    bans = "bans:\n  - package: Beta\n    versions: '>=2'\n    reason: compromised release\n"
    repo = write_repo(tmp_path / "repo", {"demo": ["alpha==1.0"]}, bans=bans)
    for args in ((), ("--check",)):
        code, out, _ = _lock(repo, *args)
        assert code == 1
        assert out.splitlines()[0] == (
            f"{LOCK}:12:1: error lock.banned beta==2.0 (required by alpha) is banned by "
            "policy/bans.yaml:2: compromised release "
            "(hint: remove or replace the requirement that pulls it in)"
        )


@pytest.mark.parametrize(
    ("requirement", "position"), [("sdonly==1.0", "8:5"), ("omega==1.0", "7:3")]
)
def test_sdist_only_requirement_is_refused_without_running_it(
    index: Index, tmp_path: Path, requirement: str, position: str
) -> None:
    marker = tmp_path / "setup-py-ran"
    make_sdist(index.root / "files", "sdonly", "1.0", marker)
    make_wheel(index.root / "files", "omega", "1.0", requires=["sdonly"])  # transitive case
    write_index(index.root, sorted((index.root / "files").iterdir()))
    repo = write_repo(tmp_path / "repo", {"demo": ["alpha==1.0", requirement]})
    code, out, _ = _lock(repo)
    assert code == 1
    assert out.splitlines()[0].startswith(
        f"skills/demo/skill.yaml:{position}: error lock.sdist-only sdonly has only source "
        "distributions (sdists) for the sandbox target"
    )
    assert not (repo / LOCK).exists()
    assert not marker.exists()


def test_direct_requirement_needed_by_another_keeps_both_roles(
    index: Index, tmp_path: Path
) -> None:
    repo = write_repo(tmp_path / "repo", {"demo": ["alpha==1.0", "beta==1.0"]})
    assert _lock(repo)[0] == 0
    text = (repo / LOCK).read_text()
    assert "beta==1.0 \\\n" in text
    assert "    # via: (direct), alpha\n" in text
    beta = read_lock(repo / LOCK).package("beta")
    assert beta is not None
    assert (beta.direct, beta.required_by, beta.dependents) == (True, ("alpha",), ("alpha",))


def test_each_artifact_records_the_index_that_served_it(
    index: Index, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra_root = tmp_path / "extra-index"
    built = tmp_path / "extra-built"
    built.mkdir()
    write_index(extra_root, [make_wheel(built, "epsilon", "3.0")])
    with serve(extra_root) as extra_url:
        monkeypatch.setenv("PIP_EXTRA_INDEX_URL", f"{extra_url}/simple")
        repo = write_repo(tmp_path / "repo", {"demo": ["alpha==1.0", "epsilon==3.0"]})
        assert _lock(repo)[0] == 0
    lock = read_lock(repo / LOCK)
    assert lock.package("alpha").index_url == index.simple  # type: ignore[union-attr]
    assert lock.package("epsilon").index_url == f"{extra_url}/simple"  # type: ignore[union-attr]


def test_unresolvable_requirement_is_undecided(index: Index, tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "repo", {"demo": ["alpha==9.9"]})
    result = run_cli(["lock", "--repo", str(repo)])
    assert result.exit_code == 3
    assert result.stderr.startswith("Error: uv could not resolve alpha==9.9 for cp311-")
    assert "there is no version of alpha==9.9" in result.stderr


def test_unknown_skill_is_a_usage_error(index: Index, tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "repo", {"demo": ["alpha==1.0"]})
    result = run_cli(["lock", "nope", "--repo", str(repo)])
    assert result.exit_code == 2
    assert result.stderr == "Error: unknown skill 'nope' (skills: demo)\n"


def test_index_without_hashes_gets_the_downloaded_digest(
    index: Index, wheels: Path, tmp_path: Path
) -> None:
    write_index(index.root, sorted(wheels.iterdir()), hashes=False)
    repo = write_repo(tmp_path / "repo", {"demo": ["alpha==1.0"]})
    assert _lock(repo)[0] == 0
    beta = read_lock(repo / LOCK).package("beta")
    assert beta is not None
    served = (index.root / "files" / "beta-2.0-py3-none-any.whl").read_bytes()
    assert beta.files[0].sha256 == hashlib.sha256(served).hexdigest()


def test_file_that_differs_from_the_index_hash_is_undecided(index: Index, tmp_path: Path) -> None:
    # The project page publishes one digest, the file server sends other bytes.
    served = index.root / "files" / "beta-2.0-py3-none-any.whl"
    served.write_bytes(served.read_bytes() + b"\0")
    repo = write_repo(tmp_path / "repo", {"demo": ["alpha==1.0"]})
    result = run_cli(["lock", "--repo", str(repo)])
    assert result.exit_code == 3
    assert result.stderr.startswith("Error: beta==2.0: beta-2.0-py3-none-any.whl from http://")
    assert "refusing it" in result.stderr
    assert not (repo / LOCK).exists()
