"""Locks of packages that ship only source: the format, the flow, the build cache, the scan.

The builder here is ``ArchiveBuilder`` (a WheelBuilder that packs the sdist's modules and
runs nothing); the Docker suite (``tests/docker/test_source_builds.py``) runs the same flows
with the real sandbox builder. Every sdist's ``setup.py`` writes a marker file if anything
runs it: none may exist afterwards.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from checker.exit_codes import ExitCode
from checker.lock import artifacts, source_builds
from checker.lock.lockfile import (
    Lock,
    LockedFile,
    LockedPackage,
    LockError,
    built_url,
    read_lock,
    render_lock,
    requirements_digest,
)
from checker.lock.skill_locks import lock_repo
from checker.lock.source_builds import BuildInputs, NotReproducibleError
from checker.policy.load import load_repo
from tests.conftest import run_cli
from tests.lock.conftest import Index, write_repo
from tests.lock.local_index import make_wheel, write_index
from tests.lock.source_packages import (
    ArchiveBuilder,
    make_backend_wheel,
    make_tiny_sdist,
    marker_setup,
)
from tests.lock.test_lockfile import TARGET

LOCK = "skills/demo/requirements.lock"
MODULE = "def hello():\n    return 'hello from source'\n"


@pytest.fixture
def source_index(index: Index, tmp_path: Path) -> Index:
    """The loopback index plus ``tinylib 1.0`` (sdist only, built with ``tinybuild``, whose
    wheel the index serves) and ``omega 1.0`` (a wheel that requires tinylib)."""
    files = index.root / "files"
    make_backend_wheel(files)
    make_tiny_sdist(
        files, "tinylib", "1.0", module=MODULE, setup_py=marker_setup(tmp_path / "setup-py-ran")
    )
    make_wheel(files, "omega", "1.0", requires=["tinylib"])
    write_index(index.root, sorted(files.iterdir()))
    return index


def _lock(repo: Path, builder: ArchiveBuilder, *allow: str, resolver: str | None = None) -> Lock:
    report = lock_repo(
        load_repo(repo),
        None,
        check_only=False,
        allow_sdist=allow,
        builder=builder,
        resolver=resolver,
    )
    assert report.findings == []
    return read_lock(repo / LOCK)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("resolver", ["uv", "pip"])
def test_allowed_sdist_is_built_locked_with_its_sources_and_deterministic(
    source_index: Index, tmp_path: Path, isolated_pip: Path, resolver: str
) -> None:
    repo = write_repo(tmp_path / "repo", {"demo": ["alpha==1.0", "tinylib==1.0"]})
    builder = ArchiveBuilder()
    lock = _lock(repo, builder, "TinyLib", resolver=resolver)
    first = (repo / LOCK).read_bytes()
    tinylib = lock.package("tinylib")
    assert tinylib is not None
    sdist = source_index.root / "files" / "tinylib-1.0.tar.gz"
    backend = source_index.root / "files" / "tinybuild-1.0-py3-none-any.whl"
    assert tinylib.built_from == LockedFile(
        filename="tinylib-1.0.tar.gz",
        url=f"{source_index.url}/files/tinylib-1.0.tar.gz",
        sha256=_sha256(sdist),
    )
    assert tinylib.build_requires == (
        LockedFile(
            filename=backend.name,
            url=f"{source_index.url}/files/{backend.name}",
            sha256=_sha256(backend),
        ),
    )
    (wheel,) = tinylib.files
    assert wheel.filename == "tinylib-1.0-py3-none-any.whl"
    assert wheel.url == built_url(_sha256(sdist))
    assert tinylib.hashes == (f"sha256:{wheel.sha256}",)
    assert tinylib.index_url == source_index.simple
    assert tinylib.direct
    text = first.decode()
    assert f"    # built-from: tinylib-1.0.tar.gz sha256:{_sha256(sdist)} " in text
    assert f"    # build-requires: {backend.name} sha256:{_sha256(backend)} " in text
    assert not (tmp_path / "setup-py-ran").exists()
    assert builder.builds == ["tinylib==1.0"]

    # Again: the build cache answers, and the bytes are the same.
    _lock(repo, builder, "tinylib", resolver=resolver)
    assert (repo / LOCK).read_bytes() == first
    assert builder.builds == ["tinylib==1.0"]
    # From a cold cache the wheel is built again, with the same hash: the same bytes.
    (repo / LOCK).unlink()
    _wipe(isolated_pip)
    _lock(repo, builder, "tinylib", resolver=resolver)
    assert (repo / LOCK).read_bytes() == first
    assert builder.builds == ["tinylib==1.0", "tinylib==1.0"]
    assert run_cli(["lock", "--check", "--repo", str(repo)]).exit_code == ExitCode.OK


def test_both_resolvers_write_the_same_lock(
    source_index: Index, tmp_path: Path, isolated_pip: Path
) -> None:
    texts = []
    for resolver in ("uv", "pip"):
        repo = write_repo(tmp_path / resolver, {"demo": ["omega==1.0", "tinylib==1.0"]})
        _lock(repo, ArchiveBuilder(), "tinylib", resolver=resolver)
        texts.append((repo / LOCK).read_text())
    assert texts[0] == texts[1]
    assert "    # via: (direct), omega\n" in texts[0]


def test_approval_with_build_from_source_allows_the_versions_it_covers(
    source_index: Index, tmp_path: Path
) -> None:
    repo = write_repo(tmp_path / "repo", {"demo": ["tinylib==1.0"]})
    approvals = repo / "policy" / "packages"
    approvals.mkdir()
    approval = (
        "approvals:\n  - package: TinyLib\n    versions: '{versions}'\n    min_level: INTERN\n"
        "    approved_by: security-team\n    reason: reviewed sdist\n"
        "    build_from_source: true\n"
    )
    (approvals / "tinylib.yaml").write_text(approval.format(versions="<1.0"))
    report = lock_repo(load_repo(repo), None, check_only=False, builder=ArchiveBuilder())
    assert [f.rule for f in report.findings] == ["lock.sdist-only"]

    (approvals / "tinylib.yaml").write_text(approval.format(versions="==1.0"))
    assert run_cli(["validate", "--repo", str(repo)]).exit_code == ExitCode.OK
    lock = _lock(repo, ArchiveBuilder())
    assert lock.package("tinylib").built_from is not None  # type: ignore[union-attr]


def test_without_permission_the_sdist_is_refused_and_nothing_is_built(
    source_index: Index, tmp_path: Path
) -> None:
    repo = write_repo(tmp_path / "repo", {"demo": ["tinylib==1.0"]})
    builder = ArchiveBuilder()
    report = lock_repo(load_repo(repo), None, check_only=False, builder=builder)
    (finding,) = report.findings
    assert finding.rule == "lock.sdist-only"
    assert finding.message.startswith("tinylib has only source distributions")
    assert "--allow-sdist tinylib" in finding.hint
    assert builder.builds == []
    assert not (repo / LOCK).exists()

    result = run_cli(["lock", "--repo", str(repo)])
    assert result.exit_code == ExitCode.FINDINGS
    assert "error lock.sdist-only tinylib has only source distributions" in result.stdout


def test_an_allowed_transitive_sdist_must_be_pinned_by_the_skill(
    source_index: Index, tmp_path: Path
) -> None:
    repo = write_repo(tmp_path / "repo", {"demo": ["omega==1.0"]})
    builder = ArchiveBuilder()
    report = lock_repo(
        load_repo(repo), None, check_only=False, allow_sdist=["tinylib"], builder=builder
    )
    (finding,) = report.findings
    assert finding.rule == "lock.sdist-only"
    assert "may be built from source, but the skill does not pin it" in finding.message
    assert finding.hint == "add 'tinylib==VERSION' to the requirements in skills/demo/skill.yaml"
    assert builder.builds == []


def test_an_allowed_package_with_a_wheel_is_not_built(index: Index, tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "repo", {"demo": ["alpha==1.0"]})
    builder = ArchiveBuilder()
    lock = _lock(repo, builder, "alpha")
    assert builder.builds == []
    assert all(p.built_from is None for p in lock.packages)


def test_relocking_needs_no_engine_while_the_locked_wheel_is_cached(
    source_index: Index, tmp_path: Path, isolated_pip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = write_repo(tmp_path / "repo", {"demo": ["tinylib==1.0"]})
    _lock(repo, ArchiveBuilder(), "tinylib")
    first = (repo / LOCK).read_bytes()
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    # The default builder (the sandbox's) is never connected: the wheel is in the cache.
    result = run_cli(["lock", "--allow-sdist", "tinylib", "--repo", str(repo)])
    assert result.exit_code == ExitCode.OK, result.stderr
    assert (repo / LOCK).read_bytes() == first
    # A cold cache needs a build, and so the engine: exit 3, one clear line.
    _wipe(isolated_pip)
    result = run_cli(["lock", "--allow-sdist", "tinylib", "--repo", str(repo)])
    assert result.exit_code == ExitCode.UNDECIDED
    assert result.stderr.startswith(
        "Error: building from source needs the Docker engine: Docker engine not reachable: "
        f"no socket at unix://{tmp_path}/no-engine.sock"
    )
    assert (repo / LOCK).read_bytes() == first


def test_a_build_that_is_not_reproducible_is_reported(
    source_index: Index, tmp_path: Path, isolated_pip: Path
) -> None:
    repo = write_repo(tmp_path / "repo", {"demo": ["tinylib==1.0"]})
    _lock(repo, ArchiveBuilder(), "tinylib")
    locked = read_lock(repo / LOCK)
    _wipe(isolated_pip)
    drifting = _DriftingBuilder()
    with pytest.raises(NotReproducibleError) as caught:
        lock_repo(
            load_repo(repo), None, check_only=False, allow_sdist=["tinylib"], builder=drifting
        )
    assert caught.value.exit_code is ExitCode.UNDECIDED
    assert str(caught.value).startswith("tinylib==1.0: the build is not reproducible")
    assert read_lock(repo / LOCK) == locked  # the lock was not touched

    # The image's wheelhouse and the scan rebuild from the lock alone, and refuse too.
    (pkg,) = locked.packages
    with pytest.raises(NotReproducibleError, match="the lock has sha256:"):
        artifacts.fetch_installable([pkg], builder=_DriftingBuilder())
    assert not artifacts.artifact_path(pkg.files[0]).exists()
    paths = artifacts.fetch(pkg, builder=ArchiveBuilder())
    assert [p.name for p in paths] == ["tinylib-1.0-py3-none-any.whl", "tinylib-1.0.tar.gz"]
    assert artifacts.fetch_installable([pkg]) == paths[:1]  # now from the cache


def test_the_scan_reads_the_sdist_and_the_built_wheel(
    source_index: Index, tmp_path: Path, advisory_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = source_index.root / "files"
    hostile = "import socket\nsocket.create_connection(('127.0.0.1', 9))\n"
    payload = "import base64\nexec(base64.b64decode('cHJpbnQoMSk='))\n"
    make_tiny_sdist(files, "tinylib", "2.0", module=payload, setup_py=hostile)
    write_index(source_index.root, sorted(files.iterdir()))
    repo = write_repo(tmp_path / "repo", {"demo": ["tinylib==2.0"]})
    (repo / "policy" / "scanning.yaml").write_text("max_db_age_days: 100000\n")
    _lock(repo, ArchiveBuilder(), "tinylib")
    monkeypatch.setenv("SKILLGATE_VULN_DB", str(advisory_index))
    result = run_cli(["scan", "--repo", str(repo), "--format", "json"])
    assert result.exit_code == ExitCode.FINDINGS, result.stderr
    found = json.loads(result.stdout)["findings"]
    hook = [f for f in found if f["rule"] == "mal.install-hook-network"]
    assert hook, found
    assert hook[0]["severity"] == "error"
    assert hook[0]["file"] == LOCK
    assert hook[0]["line"] == read_lock(repo / LOCK).package("tinylib").line  # type: ignore[union-attr]
    assert hook[0]["message"].startswith(
        "tinylib==2.0: tinylib-2.0.tar.gz!tinylib-2.0/setup.py: install-time code opens a "
        "connection (socket.create_connection)"
    )
    # The built wheel is scanned as well: its module decodes and runs a payload.
    wheel = "tinylib==2.0: tinylib-2.0-py3-none-any.whl!tinylib/__init__.py: "
    assert [f["rule"] for f in found if f["message"].startswith(wheel)] == ["mal.decode-exec"]


def test_lock_format_round_trip_with_built_lines(tmp_path: Path) -> None:
    lock = _built_lock()
    text = render_lock(lock)
    path = tmp_path / "requirements.lock"
    path.write_text(text)
    parsed = read_lock(path)
    assert render_lock(parsed) == text
    assert not parsed.hand_edited
    (pkg,) = parsed.packages
    assert pkg.built_from == lock.packages[0].built_from
    assert pkg.build_requires == lock.packages[0].build_requires
    assert text.splitlines()[6:13] == [
        "tinylib==1.0 \\",
        f"    --hash=sha256:{'b' * 64}",
        "    # via: (direct)",
        "    # index: http://127.0.0.1:1/simple",
        f"    # file: tinylib-1.0-py3-none-any.whl sha256:{'b' * 64} built:sha256:{'a' * 64}",
        f"    # built-from: tinylib-1.0.tar.gz sha256:{'a' * 64} http://127.0.0.1:1/tinylib-1.0.tar.gz",
        f"    # build-requires: tinybuild-1.0-py3-none-any.whl sha256:{'c' * 64} "
        "http://127.0.0.1:1/tinybuild-1.0-py3-none-any.whl",
    ]
    # Editing any of the build lines is a hand edit.
    path.write_text(text.replace(f"sha256:{'c' * 64}", f"sha256:{'d' * 64}"))
    assert read_lock(path).hand_edited


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("    # built-from: ", "    # nothing: ", "a built wheel needs a '# built-from:' line"),
        ("tinylib-1.0.tar.gz sha256", "other-1.0.tar.gz sha256", "is not tinylib==1.0"),
        ("tinylib-1.0.tar.gz sha256", "tinylib-1.0.exe sha256", "is not an sdist"),
        (f"built:sha256:{'a' * 64}", "http://127.0.0.1:1/x.whl", "one '# file:' line, its URL"),
        ("tinybuild-1.0-py3-none-any.whl sha256", "tinybuild.tar.gz sha256", "is not a wheel"),
    ],
)
def test_malformed_build_lines_are_refused(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    path = tmp_path / "requirements.lock"
    text = render_lock(_built_lock())
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(LockError, match=message) as caught:
        read_lock(path)
    assert caught.value.line == 7


def test_pip_installs_a_built_package_from_the_lock(tmp_path: Path) -> None:
    # The pip-facing part is unchanged: the built wheel installs with --require-hashes.
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    sdist = make_tiny_sdist(tmp_path, "tinylib", "1.0", module=MODULE)
    inputs = BuildInputs(
        name="tinylib",
        version="1.0",
        sdist=LockedFile(filename=sdist.name, url="http://127.0.0.1:1/x", sha256=_sha256(sdist)),
        build_requires=(),
        index_url="http://127.0.0.1:1/simple",
    )
    ArchiveBuilder().build(inputs, sdist, [], wheels)
    (wheel,) = wheels.iterdir()
    file = LockedFile(filename=wheel.name, url=built_url(_sha256(sdist)), sha256=_sha256(wheel))
    pkg = LockedPackage(
        name="tinylib",
        version="1.0",
        hashes=(f"sha256:{file.sha256}",),
        parents=(),
        index_url=inputs.index_url,
        files=(file,),
        built_from=inputs.sdist,
    )
    lock = Lock(
        packages=(pkg,),
        requirements_digest=requirements_digest(["tinylib==1.0"], TARGET),
        target=TARGET,
        skill="demo",
    )
    path = tmp_path / "requirements.lock"
    path.write_text(render_lock(lock))
    site = tmp_path / "site"
    completed = subprocess.run(
        [
            *(sys.executable, "-m", "pip", "install", "--no-index", "--find-links", str(wheels)),
            *("--require-hashes", "--no-deps", "--target", str(site), "--isolated"),
            *("-r", str(path)),
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PIP_CONFIG_FILE": os.devnull},
    )
    assert completed.returncode == 0, completed.stderr
    assert (site / "tinylib" / "__init__.py").read_text() == MODULE


def test_cli_refuses_a_bad_allow_sdist_name(index: Index, tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "repo", {"demo": ["alpha==1.0"]})
    result = run_cli(["lock", "--allow-sdist", "no such", "--repo", str(repo)])
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr == "Error: --allow-sdist 'no such': not a package name\n"


def _built_lock() -> Lock:
    pkg = LockedPackage(
        name="tinylib",
        version="1.0",
        hashes=(f"sha256:{'b' * 64}",),
        parents=(),
        index_url="http://127.0.0.1:1/simple",
        files=(
            LockedFile(
                filename="tinylib-1.0-py3-none-any.whl", url=built_url("a" * 64), sha256="b" * 64
            ),
        ),
        built_from=LockedFile(
            filename="tinylib-1.0.tar.gz",
            url="http://127.0.0.1:1/tinylib-1.0.tar.gz",
            sha256="a" * 64,
        ),
        build_requires=(
            LockedFile(
                filename="tinybuild-1.0-py3-none-any.whl",
                url="http://127.0.0.1:1/tinybuild-1.0-py3-none-any.whl",
                sha256="c" * 64,
            ),
        ),
    )
    return Lock(
        packages=(pkg,),
        requirements_digest=requirements_digest(["tinylib==1.0"], TARGET),
        target=TARGET,
        skill="demo",
    )


def _wipe(cache: Path) -> None:
    """Empty the artifacts cache and the build records (a fresh CI machine)."""
    for directory in (cache / "artifacts", cache / source_builds.BUILDS_DIR):
        shutil.rmtree(directory, ignore_errors=True)


class _DriftingBuilder(ArchiveBuilder):
    """Every build embeds something new (like a setup.py that writes the time)."""

    def build(
        self, inputs: BuildInputs, sdist: Path, build_wheels: Sequence[Path], out: Path
    ) -> None:
        super().build(inputs, sdist, build_wheels, out)
        (wheel,) = out.iterdir()
        wheel.write_bytes(wheel.read_bytes() + os.urandom(8))
