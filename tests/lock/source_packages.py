"""Source-only packages for the tests: real sdists, a tiny PEP 517 backend, a host-free builder.

``BACKEND`` is a complete build backend (``tinybuild``), served as a wheel by the loopback
index so that it is resolved and hash-pinned like any build requirement. Like setuptools, it
runs the project's ``setup.py`` when there is one, then packs the project's packages into a
reproducible wheel (``SOURCE_DATE_EPOCH``). It runs only inside the sandbox's build container.

``ArchiveBuilder`` implements ``checker.lock.source_builds.WheelBuilder`` without Docker for
the lock tests: it reads the sdist as an archive and packs the same wheel, running nothing
(the sdists' ``setup.py`` write a marker file if anything runs them).
"""

from __future__ import annotations

import base64
import email.parser
import hashlib
import io
import tarfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

from checker.lock.source_builds import BuildInputs
from checker.lock.target import Target
from tests.lock.local_index import make_project_sdist, make_wheel

BACKEND_NAME = "tinybuild"
BACKEND_VERSION = "1.0"
BUILD_SYSTEM = (
    f'[build-system]\nrequires = ["{BACKEND_NAME}=={BACKEND_VERSION}"]\n'
    f'build-backend = "{BACKEND_NAME}"\n'
)
SETUPTOOLS_BUILD_SYSTEM = (
    '[build-system]\nrequires = ["setuptools>=70.1"]\nbuild-backend = "setuptools.build_meta"\n'
)
BACKEND = '''"""tinybuild: a minimal PEP 517 backend (tests only)."""
import base64
import email.parser
import hashlib
import os
import runpy
import time
import zipfile


def get_requires_for_build_wheel(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    if os.path.exists("setup.py"):
        runpy.run_path("setup.py", run_name="__main__")
    with open("PKG-INFO", "rb") as handle:
        raw = handle.read()
    headers = email.parser.BytesParser().parsebytes(raw, headersonly=True)
    name, version = headers["Name"], headers["Version"]
    dist = name.replace("-", "_")
    files = {}
    for root, dirs, names in os.walk("."):
        dirs.sort()
        for each in sorted(names):
            path = os.path.join(root, each)[2:]
            if "/" in path and path.endswith(".py"):
                with open(path, "rb") as handle:
                    files[path] = handle.read()
    info = dist + "-" + version + ".dist-info"
    files[info + "/METADATA"] = raw
    files[info + "/WHEEL"] = (
        b"Wheel-Version: 1.0\\nGenerator: tinybuild\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
    )
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        record.append(path + ",sha256=" + digest.decode() + "," + str(len(data)))
    record.append(info + "/RECORD,,")
    files[info + "/RECORD"] = ("\\n".join(record) + "\\n").encode()
    epoch = max(int(os.environ.get("SOURCE_DATE_EPOCH", "0")), 315532800)
    stamp = time.gmtime(epoch)[:6]
    filename = dist + "-" + version + "-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w") as archive:
        for path in sorted(files):
            archive.writestr(zipfile.ZipInfo(path, stamp), files[path])
    return filename
'''


def make_backend_wheel(directory: Path) -> Path:
    """``tinybuild-1.0-py3-none-any.whl``: the backend above as an installable wheel."""
    return make_wheel(directory, BACKEND_NAME, BACKEND_VERSION, code=BACKEND)


def make_tiny_sdist(
    directory: Path,
    name: str,
    version: str,
    *,
    module: str,
    setup_py: str | None = None,
    build_system: str | None = BUILD_SYSTEM,
    requires: Sequence[str] = (),
) -> Path:
    """An sdist of package ``name`` whose ``<name>/__init__.py`` is ``module``."""
    files = {f"{name.replace('-', '_')}/__init__.py": module}
    if setup_py is not None:
        files["setup.py"] = setup_py
    return make_project_sdist(
        directory, name, version, files, build_system=build_system, requires=requires
    )


def marker_setup(marker: Path) -> str:
    """A ``setup.py`` that proves it ran by writing ``marker``."""
    return f"import pathlib\npathlib.Path({str(marker)!r}).write_text('setup.py ran')\n"


def setuptools_wheel() -> Path | None:
    """A setuptools wheel on this machine that builds wheels by itself (>= 70.1), or None.

    virtualenv (a dependency of pre-commit, one of the test extras) embeds one; Debian and
    the interpreter's ensurepip ship older ones.
    """
    candidates: list[Path] = []
    try:
        from virtualenv.seed.wheels import embed
    except ImportError:
        pass
    else:
        candidates += sorted(Path(embed.BUNDLE_FOLDER).glob("setuptools-*.whl"))
    candidates += sorted(Path("/usr/share/python-wheels").glob("setuptools-*.whl"))
    found = []
    for wheel in candidates:
        version = tuple(int(p) for p in wheel.name.split("-")[1].split(".")[:2])
        if version >= (70, 1):
            found.append((version, wheel))
    return max(found)[1] if found else None


class ArchiveBuilder:
    """A WheelBuilder for tests without Docker: packs the sdist's modules, runs nothing."""

    def __init__(self, target: Target | None = None, identity: str = "archive-builder") -> None:
        self._target = target or Target()
        self._identity = identity
        self.builds: list[str] = []

    @property
    def target(self) -> Target:
        return self._target

    def identity(self) -> str:
        return self._identity

    def build(
        self, inputs: BuildInputs, sdist: Path, build_wheels: Sequence[Path], out: Path
    ) -> None:
        self.builds.append(inputs.label)
        files: dict[str, bytes] = {}
        with tarfile.open(sdist, "r:gz") as archive:
            for member in archive.getmembers():
                handle = archive.extractfile(member)
                if handle is not None:
                    files[member.name.split("/", 1)[1]] = handle.read()
        raw = files["PKG-INFO"]
        headers = email.parser.BytesParser().parsebytes(raw, headersonly=True)
        dist = str(headers["Name"]).replace("-", "_")
        info = f"{dist}-{headers['Version']}.dist-info"
        wheel = {p: d for p, d in files.items() if "/" in p and p.endswith(".py")}
        wheel[f"{info}/METADATA"] = raw
        wheel[f"{info}/WHEEL"] = b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        record = [f"{p},{_record_hash(d)},{len(d)}" for p, d in wheel.items()]
        wheel[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for path in sorted(wheel):
                archive.writestr(zipfile.ZipInfo(path, (1980, 1, 1, 0, 0, 0)), wheel[path])
        (out / f"{dist}-{headers['Version']}-py3-none-any.whl").write_bytes(buffer.getvalue())


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode()
