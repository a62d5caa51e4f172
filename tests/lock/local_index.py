"""A real PEP 503 index on 127.0.0.1, serving tiny wheels and sdists the tests write.

The wheels are genuine zip files with ``*.dist-info/METADATA``, ``WHEEL`` and
``RECORD``; pip resolves them exactly as it would files from PyPI. Nothing in them is
ever executed: an sdist's ``setup.py`` writes a marker file if run, so tests can prove
it was not.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import tarfile
import threading
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode()


def make_wheel(
    directory: Path,
    name: str,
    version: str,
    *,
    requires: Sequence[str] = (),
    extras: Sequence[str] = (),
    tag: str = "py3-none-any",
    code: str | None = None,
) -> Path:
    """Write ``<name>-<version>-<tag>.whl`` into ``directory`` and return its path;
    ``code`` is the package's ``__init__.py`` (a docstring by default)."""
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    metadata = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    metadata += [f"Provides-Extra: {e}" for e in extras]
    metadata += [f"Requires-Dist: {r}" for r in requires]
    init = code if code is not None else f'"""{name} {version} (test package)."""\n'
    files = {
        f"{dist}/__init__.py": init.encode(),
        f"{info}/METADATA": ("\n".join(metadata) + "\n").encode(),
        f"{info}/WHEEL": (
            f"Wheel-Version: 1.0\nGenerator: skillgate-tests\nRoot-Is-Purelib: true\nTag: {tag}\n"
        ).encode(),
    }
    record = [f"{path},{_record_hash(data)},{len(data)}" for path, data in files.items()]
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    path = directory / f"{dist}-{version}-{tag}.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in files.items():
            # A fixed timestamp keeps the bytes (and so the hash) identical between runs.
            archive.writestr(zipfile.ZipInfo(member, (2020, 1, 1, 0, 0, 0)), data)
    return path


def make_sdist(directory: Path, name: str, version: str, marker: Path) -> Path:
    """Write an sdist whose ``setup.py`` would create ``marker`` if anything ran it."""
    base = f"{name}-{version}"
    setup = (
        "import pathlib\n"
        f"pathlib.Path({str(marker)!r}).write_text('setup.py ran')\n"
        "from setuptools import setup\n"
        f"setup(name={name!r}, version={version!r})\n"
    ).encode()
    pkg_info = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
    path = directory / f"{base}.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for member, data in ((f"{base}/setup.py", setup), (f"{base}/PKG-INFO", pkg_info)):
            entry = tarfile.TarInfo(member)
            entry.size = len(data)
            archive.addfile(entry, io.BytesIO(data))
    return path


def make_project_sdist(
    directory: Path,
    name: str,
    version: str,
    files: Mapping[str, str],
    *,
    build_system: str | None,
    requires: Sequence[str] = (),
    mtime: int = 1_600_000_000,
) -> Path:
    """Write a real sdist ``<name>-<version>.tar.gz``: ``PKG-INFO``, a ``pyproject.toml``
    holding ``build_system`` (a TOML ``[build-system]`` table; no pyproject.toml when None)
    and ``files`` (relative path -> text) under ``<name>-<version>/``."""
    base = f"{name}-{version}"
    pkg_info = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    pkg_info += [f"Requires-Dist: {r}" for r in requires]
    members = {"PKG-INFO": "\n".join(pkg_info) + "\n", **files}
    if build_system is not None:
        members["pyproject.toml"] = build_system
    path = directory / f"{base}.tar.gz"
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as archive:
        for member, text in sorted(members.items()):
            data = text.encode()
            entry = tarfile.TarInfo(f"{base}/{member}")
            entry.size = len(data)
            entry.mtime = mtime
            archive.addfile(entry, io.BytesIO(data))
    return path


def write_index(root: Path, files: Sequence[Path], *, hashes: bool = True) -> None:
    """Lay out ``root/simple/<project>/index.html`` linking ``root/files/<file>``."""
    (root / "files").mkdir(parents=True, exist_ok=True)
    projects: dict[str, list[Path]] = {}
    for file in files:
        target = root / "files" / file.name
        if file != target:
            target.write_bytes(file.read_bytes())
        project = canonicalize_name(file.name.split("-")[0])
        projects.setdefault(project, []).append(target)
    for name, members in projects.items():
        page = root / "simple" / name
        page.mkdir(parents=True, exist_ok=True)
        links = []
        for member in sorted(members):
            fragment = (
                f"#sha256={hashlib.sha256(member.read_bytes()).hexdigest()}" if hashes else ""
            )
            href = html.escape(f"../../files/{member.name}{fragment}")
            links.append(f'<a href="{href}">{html.escape(member.name)}</a><br>')
        body = "\n".join(links)
        (page / "index.html").write_text(f"<!DOCTYPE html><html><body>\n{body}\n</body></html>\n")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output clean."""


@contextmanager
def serve(root: Path) -> Iterator[str]:
    """Serve ``root`` over HTTP on 127.0.0.1 (ephemeral port); yield the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
