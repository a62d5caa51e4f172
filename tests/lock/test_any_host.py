"""A lock made anywhere is the lock CI makes: byte-identical from CPython 3.12 and 3.13, from a
host whose marker environment says macOS, and from either resolver.

The loopback index holds what makes hosts differ: dependencies behind ``python_version``,
``sys_platform``, ``platform_system``, ``platform_machine`` and ``implementation_name``
markers, and native wheels for several interpreters and platforms beside a pure one.

The 3.12 and 3.13 interpreters are virtualenvs with this checkout installed, made by
``scripts/ensure-pythons.sh``; without them these cases skip, unless
``SKILLGATE_REQUIRE_PYTHONS=1`` (CI), where that is a failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from checker.lock.lockfile import read_lock
from tests.conftest import run_cli
from tests.lock.conftest import Index, write_repo
from tests.lock.local_index import make_wheel, write_index

ROOT = Path(__file__).resolve().parents[2]
LOCK = Path("skills/demo/requirements.lock")
OTHER_PYTHONS = ("3.12", "3.13")
# What a Mac's Python reports (an Apple silicon laptop running 3.13).
MACOS = {
    "implementation_name": "cpython",
    "implementation_version": "3.13.1",
    "os_name": "posix",
    "platform_machine": "arm64",
    "platform_python_implementation": "CPython",
    "platform_release": "24.1.0",
    "platform_system": "Darwin",
    "platform_version": "Darwin Kernel Version 24.1.0",
    "python_full_version": "3.13.1",
    "python_version": "3.13",
    "sys_platform": "darwin",
}
# Installed as sitecustomize in the pretending interpreter: every copy of packaging (pip's
# vendored one too) answers with the Mac's environment, as on a Mac.
PRETEND = f"""
import packaging.markers
import pip._vendor.packaging.markers

def _macos():
    return dict({MACOS!r})

packaging.markers.default_environment = _macos
pip._vendor.packaging.markers.default_environment = _macos
"""


@pytest.fixture
def host_sensitive_index(index: Index, tmp_path: Path) -> Index:
    built = tmp_path / "host-sensitive"
    built.mkdir()
    requires = [
        'backport; python_version < "3.12"',
        'modern; python_version >= "3.13"',
        'appkit; sys_platform == "darwin"',
        'winreg-helper; platform_system == "Windows"',
        'arm-accel; platform_machine == "arm64"',
        'pypy-shim; implementation_name == "pypy"',
        'linux-only; sys_platform == "linux" and platform_machine == "x86_64"',
        "native",
    ]
    make_wheel(built, "app", "1.0", requires=requires)
    for name in ("backport", "modern", "appkit", "winreg-helper", "arm-accel", "pypy-shim"):
        make_wheel(built, name, "1.0")
    make_wheel(built, "linux-only", "1.0")
    for tag in (
        "cp311-cp311-manylinux_2_17_x86_64",
        "cp311-cp311-macosx_11_0_arm64",
        "cp312-cp312-manylinux_2_17_x86_64",
        "cp313-cp313-manylinux_2_17_x86_64",
        "cp313-cp313-macosx_11_0_arm64",
        "cp39-abi3-manylinux_2_17_x86_64",
        "py3-none-any",
    ):
        make_wheel(built, "native", "2.0", tag=tag)
    write_index(index.root, sorted(built.iterdir()))
    return index


def _repo(tmp_path: Path, name: str) -> Path:
    return write_repo(tmp_path / name, {"demo": ["app==1.0"]})


def _lock_with(python: str, repo: Path, *extra: str, env: dict[str, str] | None = None) -> bytes:
    completed = subprocess.run(
        [python, "-m", "checker.cli.main", "lock", "--repo", str(repo), *extra],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, **(env or {})},
    )
    assert completed.returncode == 0, completed.stderr
    return (repo / LOCK).read_bytes()


@pytest.fixture
def reference_lock(host_sensitive_index: Index, tmp_path: Path) -> bytes:
    """The lock as CI makes it: CPython 3.11 on Linux x86_64, the default resolver."""
    repo = _repo(tmp_path, "ci")
    result = run_cli(["lock", "--repo", str(repo)])
    assert result.exit_code == 0, result.stderr
    lock = read_lock(repo / LOCK)
    assert [p.name for p in lock.packages] == ["app", "backport", "linux-only", "native"]
    native = lock.package("native")
    assert native is not None
    assert native.files[0].filename == "native-2.0-cp311-cp311-manylinux_2_17_x86_64.whl"
    return (repo / LOCK).read_bytes()


def _other_python(minor: str) -> str:
    home = Path(os.environ.get("SKILLGATE_TEST_PYTHONS") or ROOT / "build" / "test-pythons")
    python = home / minor / "bin" / "python"
    if not python.is_file():
        message = f"no Python {minor} virtualenv at {python}: run scripts/ensure-pythons.sh"
        if os.environ.get("SKILLGATE_REQUIRE_PYTHONS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return str(python)


@pytest.mark.parametrize("minor", OTHER_PYTHONS)
@pytest.mark.parametrize("resolver", ["uv", "pip"])
def test_another_python_makes_the_same_lock(
    minor: str, resolver: str, reference_lock: bytes, tmp_path: Path
) -> None:
    python = _other_python(minor)
    version = subprocess.run(
        [python, "-c", "import sys; print(sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert version == str(tuple(int(p) for p in minor.split(".")))
    locked = _lock_with(python, _repo(tmp_path, f"py{minor}"), "--resolver", resolver)
    assert locked == reference_lock


@pytest.mark.parametrize("resolver", ["uv", "pip"])
def test_a_mac_makes_the_same_lock(resolver: str, reference_lock: bytes, tmp_path: Path) -> None:
    site = tmp_path / "pretend-macos"
    site.mkdir()
    (site / "sitecustomize.py").write_text(PRETEND, encoding="utf-8")
    pythonpath = os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])
    env = {"PYTHONPATH": pythonpath}
    # The pretence holds in that interpreter: a host-evaluated marker would say darwin.
    probe = subprocess.run(
        [sys.executable, "-c", "import packaging.markers as m; print(m.default_environment())"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **env},
    )
    assert "'sys_platform': 'darwin'" in probe.stdout
    locked = _lock_with(sys.executable, _repo(tmp_path, "mac"), "--resolver", resolver, env=env)
    assert locked == reference_lock


def test_both_resolvers_make_the_same_lock(reference_lock: bytes, tmp_path: Path) -> None:
    repo = _repo(tmp_path, "pip")
    result = run_cli(["lock", "--repo", str(repo), "--resolver", "pip"])
    assert result.exit_code == 0, result.stderr
    assert (repo / LOCK).read_bytes() == reference_lock


def test_locking_twice_gives_the_same_bytes(reference_lock: bytes, tmp_path: Path) -> None:
    repo = _repo(tmp_path, "again")
    assert run_cli(["lock", "--repo", str(repo)]).exit_code == 0
    first = (repo / LOCK).read_bytes()
    (repo / LOCK).unlink()
    assert run_cli(["lock", "--repo", str(repo)]).exit_code == 0
    assert first == (repo / LOCK).read_bytes() == reference_lock
