"""The lock file format: round trip, determinism, hand edits, and malformed locks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from checker.exit_codes import ExitCode, SkillgateError
from checker.lock.artifacts import sha256_file
from checker.lock.lockfile import (
    Lock,
    LockedFile,
    LockedPackage,
    LockError,
    read_lock,
    render_lock,
    requirements_digest,
)
from tests.lock.local_index import make_wheel

TARGET = "cp311-manylinux_2_36_x86_64"


def _package(name: str, version: str, path: Path, parents: tuple[str, ...] = ()) -> LockedPackage:
    digest = sha256_file(path)
    return LockedPackage(
        name=name,
        version=version,
        hashes=(f"sha256:{digest}",),
        parents=parents,
        index_url="http://127.0.0.1:1/simple",
        files=(
            LockedFile(filename=path.name, url=f"http://127.0.0.1:1/{path.name}", sha256=digest),
        ),
    )


@pytest.fixture
def lock(tmp_path: Path) -> Lock:
    alpha = make_wheel(tmp_path, "alpha", "1.0", requires=["beta"])
    beta = make_wheel(tmp_path, "beta", "2.0")
    return Lock(
        packages=(_package("beta", "2.0", beta, ("alpha",)), _package("alpha", "1.0", alpha)),
        requirements_digest=requirements_digest(["alpha==1.0"], TARGET),
        target=TARGET,
        skill="demo",
    )


def test_round_trip_is_byte_identical_and_sorted(lock: Lock, tmp_path: Path) -> None:
    text = render_lock(lock)
    path = tmp_path / "requirements.lock"
    path.write_text(text)
    parsed = read_lock(path)
    assert render_lock(parsed) == text
    assert [p.name for p in parsed.packages] == ["alpha", "beta"]
    assert parsed.package("Alpha") is not None
    assert parsed.package("beta").parents == ("alpha",)  # type: ignore[union-attr]
    assert parsed.package("alpha").direct  # type: ignore[union-attr]
    assert parsed.package("beta").line == 12  # type: ignore[union-attr]
    assert not parsed.hand_edited
    assert parsed.skill == "demo"
    assert parsed.target == TARGET


def test_rendering_ignores_input_order(lock: Lock) -> None:
    reordered = Lock(
        packages=tuple(reversed(lock.packages)),
        requirements_digest=lock.requirements_digest,
        target=lock.target,
        skill=lock.skill,
    )
    assert render_lock(reordered) == render_lock(lock)


def test_pip_installs_from_the_lock_with_require_hashes(lock: Lock, tmp_path: Path) -> None:
    # The lock is a real pip requirements file: pip itself parses it, hash-checks the
    # wheels and installs them offline (pure-python wheels written by this test).
    path = tmp_path / "requirements.lock"
    path.write_text(render_lock(lock))
    target = tmp_path / "site"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-index",
            "--find-links",
            str(tmp_path),
            "--require-hashes",
            "--no-deps",
            "--target",
            str(target),
            "--isolated",
            "-r",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert (target / "alpha" / "__init__.py").is_file()
    assert (target / "beta" / "__init__.py").is_file()


def test_pip_refuses_a_lock_whose_hash_does_not_match(lock: Lock, tmp_path: Path) -> None:
    path = tmp_path / "requirements.lock"
    path.write_text(render_lock(lock))
    make_wheel(tmp_path, "beta", "2.0", requires=["evil"])  # same file name, other bytes
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-index",
            "--find-links",
            str(tmp_path),
            "--require-hashes",
            "--no-deps",
            "--target",
            str(tmp_path / "site"),
            "--isolated",
            "-r",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode != 0
    assert "DO NOT MATCH" in completed.stderr


def test_hand_edit_is_detected(lock: Lock, tmp_path: Path) -> None:
    path = tmp_path / "requirements.lock"
    path.write_text(render_lock(lock).replace("# via: alpha", "# via: (direct)"))
    assert read_lock(path).hand_edited


def test_requirements_digest_is_canonical_but_sensitive() -> None:
    base = requirements_digest(["PyYAML==6.0.2", "requests==2.32.3"], TARGET)
    assert requirements_digest(["requests==2.32.3", "pyyaml==6.0.2"], TARGET) == base
    assert requirements_digest(["pyyaml==6.0.1", "requests==2.32.3"], TARGET) != base
    assert requirements_digest(["pyyaml==6.0.2", "requests[socks]==2.32.3"], TARGET) != base
    assert requirements_digest(["pyyaml==6.0.2", "requests==2.32.3"], "cp312-x") != base


def _edit(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("# target: ", "# targets: ", 1, "header has no '# target:' line"),
        ("alpha==1.0 \\", "Alpha==1.0 \\", 7, "not PEP 503-normalised"),
        ("alpha==1.0 \\", "alpha==one \\", 7, "invalid version 'one'"),
        ("alpha==1.0 \\", "alpha>=1.0 \\", 7, "expected 'name==version"),
        ("    --hash=sha256:", "    --hash=md5:", 8, "expected '    --hash=sha256:"),
        ("    # via: alpha\n", "", 12, "needs one '# via:'"),
        ("    # via: alpha", "    # via: zeta", 12, "beta is required by zeta, not locked"),
        ("\n\n", "\n", 6, "the header must be followed by a blank line"),
    ],
)
def test_malformed_lock_names_file_and_line(
    lock: Lock, tmp_path: Path, old: str, new: str, line: int, message: str
) -> None:
    path = tmp_path / "requirements.lock"
    path.write_text(_edit(render_lock(lock), old, new))
    with pytest.raises(LockError) as caught:
        read_lock(path)
    assert caught.value.line == line
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"{path}:{line}: ")
    assert isinstance(caught.value, SkillgateError)
    assert caught.value.exit_code is ExitCode.UNDECIDED


def test_duplicate_package_is_rejected(lock: Lock, tmp_path: Path) -> None:
    text = render_lock(lock)
    body = text.split("\n\n", 1)[1]
    path = tmp_path / "requirements.lock"
    path.write_text(text + body)
    with pytest.raises(LockError, match="locked more than once"):
        read_lock(path)


def test_unreadable_and_non_utf8_locks(tmp_path: Path) -> None:
    with pytest.raises(LockError, match="cannot read lock file"):
        read_lock(tmp_path / "absent.lock")
    bad = tmp_path / "bad.lock"
    bad.write_bytes(b"# \xff\n")
    with pytest.raises(LockError, match="not UTF-8"):
        read_lock(bad)
