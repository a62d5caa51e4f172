"""Write real sdists (.tar.gz) and wheels (.whl) for tests; their code is never executed."""

from __future__ import annotations

import io
import tarfile
import zipfile
from collections.abc import Mapping
from pathlib import Path

Files = Mapping[str, str | bytes]


def _bytes(content: str | bytes) -> bytes:
    return content.encode() if isinstance(content, str) else content


def write_sdist(
    directory: Path,
    name: str,
    files: Files,
    *,
    version: str = "1.0",
    symlinks: dict[str, str] | None = None,
    raw_names: Files | None = None,
) -> Path:
    """``name-version.tar.gz`` with ``files`` under ``name-version/`` and PKG-INFO.

    ``raw_names`` are written with their path as given (no top directory), for hostile paths.
    """
    root = f"{name}-{version}"
    path = directory / f"{root}.tar.gz"
    members: dict[str, str | bytes] = {
        f"{root}/PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    }
    members.update({f"{root}/{member}": content for member, content in files.items()})
    members.update(raw_names or {})
    with tarfile.open(path, "w:gz") as archive:
        for member, content in members.items():
            data = _bytes(content)
            info = tarfile.TarInfo(member)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for member, target in (symlinks or {}).items():
            info = tarfile.TarInfo(f"{root}/{member}")
            info.type = tarfile.SYMTYPE
            info.linkname = target
            archive.addfile(info)
    return path


def write_wheel(
    directory: Path,
    name: str,
    files: Files,
    *,
    version: str = "1.0",
    tag: str = "py3-none-any",
    compression: int = zipfile.ZIP_DEFLATED,
) -> Path:
    """``name-version-tag.whl`` holding ``files`` plus a minimal dist-info."""
    path = directory / f"{name}-{version}-{tag}.whl"
    info = f"{name}-{version}.dist-info"
    members: dict[str, str | bytes] = {
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{info}/WHEEL": f"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: {tag}\n",
    }
    members.update(files)
    members[f"{info}/RECORD"] = "".join(f"{member},,\n" for member in members)
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for member, content in members.items():
            archive.writestr(member, _bytes(content))
    return path
