"""Read wheels and sdists in memory, with limits, never extracting or executing anything.

Only members the heuristics parse (Python sources, ``.pth`` files, ``pyproject.toml``) are read
in full; of every other member only the first bytes are kept, enough to recognise a native
binary. Limits on member count, member size, total size and compression ratio stop archive
bombs; hostile member paths (absolute, ``..``, links leaving the archive, devices) are reported.
"""

from __future__ import annotations

import posixpath
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from checker.exit_codes import SkillgateError

HEAD_BYTES = 64
# Suffixes of the members whose whole content the rules read.
TEXT_SUFFIXES = (".py", ".pyw", ".pth")
TEXT_NAMES = frozenset({"pyproject.toml"})
WHEEL_SUFFIXES = (".whl", ".egg")
ZIP_SDIST_SUFFIXES = (".zip",)
TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")


class ArtifactError(SkillgateError):
    """The artifact could not be read at all: the scan cannot decide (exit 3)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ArchiveLimits:
    """Bounds that keep a hostile archive from exhausting memory or time."""

    max_members: int = 100_000
    max_text_member_bytes: int = 16 * 1024 * 1024
    max_total_bytes: int = 4 * 1024 * 1024 * 1024
    # A member (zip) or the whole stream (tar) may expand at most this much...
    max_ratio: float = 200.0
    # ...once it is larger than this: small, very repetitive files are honest.
    ratio_floor_bytes: int = 8 * 1024 * 1024


@dataclass(frozen=True, kw_only=True, slots=True)
class Member:
    """One file of an artifact: its path, size, first bytes and, for text members, content."""

    path: str
    size: int
    head: bytes
    data: bytes | None


@dataclass(frozen=True, kw_only=True, slots=True)
class ArchiveProblem:
    """Why (part of) an archive was not read: a hostile path, a bomb, a limit."""

    rule: str
    member: str
    message: str


@dataclass(frozen=True, kw_only=True, slots=True)
class ArchiveContents:
    """What was read from one artifact."""

    kind: str  # "wheel" or "sdist"
    members: tuple[Member, ...]
    problems: tuple[ArchiveProblem, ...]


def artifact_kind(path: Path) -> str:
    """``wheel`` or ``sdist`` from the file name; ArtifactError for anything else."""
    name = path.name.lower()
    if name.endswith(WHEEL_SUFFIXES):
        return "wheel"
    if name.endswith(ZIP_SDIST_SUFFIXES + TAR_SUFFIXES):
        return "sdist"
    raise ArtifactError(f"{path.name}: not a wheel or an sdist (.whl, .tar.gz, .zip expected)")


def unsafe_path_reason(name: str) -> str | None:
    """Why a member path could escape an extraction directory, or None when it cannot."""
    if not name or "\x00" in name:
        return "empty path or NUL byte"
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "absolute path"
    parts = name.replace("\\", "/").split("/")
    if ".." in parts:
        return "parent-directory component"
    return None


def _wants_text(name: str) -> bool:
    return name.endswith(TEXT_SUFFIXES) or posixpath.basename(name) in TEXT_NAMES


def _read_bounded(stream: IO[bytes], limit: int) -> bytes:
    # Never trust a declared size: read at most one byte past the limit.
    return stream.read(limit + 1)


def read_archive(path: Path, limits: ArchiveLimits | None = None) -> ArchiveContents:
    """Read ``path`` (wheel or sdist) in memory; raise ArtifactError when it is unreadable."""
    limits = limits or ArchiveLimits()
    kind = artifact_kind(path)
    if not path.is_file():
        raise ArtifactError(f"{path}: artifact not found")
    problems: list[ArchiveProblem] = []
    try:
        if path.name.lower().endswith(TAR_SUFFIXES):
            members = list(_read_tar(path, limits, problems))
        else:
            members = list(_read_zip(path, limits, problems))
    except (OSError, EOFError, zipfile.BadZipFile, tarfile.TarError, ValueError) as exc:
        raise ArtifactError(f"{path.name}: cannot read artifact: {exc}") from exc
    return ArchiveContents(kind=kind, members=tuple(members), problems=tuple(problems))


def _read_zip(
    path: Path, limits: ArchiveLimits, problems: list[ArchiveProblem]
) -> Iterator[Member]:
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        if len(infos) > limits.max_members:
            problems.append(_too_many(len(infos), limits))
            return
        declared = sum(info.file_size for info in infos)
        if declared > limits.max_total_bytes:
            problems.append(_too_big("", declared, limits))
            return
        for info in infos:
            if info.is_dir():
                continue
            reason = unsafe_path_reason(info.filename)
            if reason:
                problems.append(_unsafe(info.filename, reason))
                continue
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > limits.ratio_floor_bytes and ratio > limits.max_ratio:
                problems.append(_bomb(info.filename, ratio, limits))
                continue
            yield from _zip_member(archive, info, limits, problems)


def _zip_member(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    limits: ArchiveLimits,
    problems: list[ArchiveProblem],
) -> Iterator[Member]:
    wants_text = _wants_text(info.filename)
    with archive.open(info) as stream:
        data = _read_bounded(stream, limits.max_text_member_bytes if wants_text else HEAD_BYTES)
    if wants_text and len(data) > limits.max_text_member_bytes:
        problems.append(_too_big(info.filename, info.file_size, limits))
        return
    yield Member(
        path=info.filename,
        size=info.file_size,
        head=data[:HEAD_BYTES],
        data=data if wants_text else None,
    )


def _read_tar(
    path: Path, limits: ArchiveLimits, problems: list[ArchiveProblem]
) -> Iterator[Member]:
    compressed = max(path.stat().st_size, 1)
    total = 0
    count = 0
    # Stream mode: members are read in order, nothing is written to disk.
    with tarfile.open(path, mode="r|*") as archive:
        for info in archive:
            count += 1
            if count > limits.max_members:
                problems.append(_too_many(count, limits))
                return
            reason = unsafe_path_reason(info.name)
            if reason is None and (info.issym() or info.islnk()):
                reason = _link_escapes(info)
            if reason is None and (info.ischr() or info.isblk() or info.isfifo()):
                reason = "device or FIFO member"
            if reason:
                problems.append(_unsafe(info.name, reason))
                continue
            if not info.isfile():
                continue
            total += info.size
            if total > limits.max_total_bytes or (
                total > limits.ratio_floor_bytes and total / compressed > limits.max_ratio
            ):
                problems.append(_bomb(info.name, total / compressed, limits))
                return
            yield from _tar_member(archive, info, limits, problems)


def _link_escapes(info: tarfile.TarInfo) -> str | None:
    """Why a symbolic or hard link points outside the archive, or None."""
    link = info.linkname
    if unsafe_path_reason(link) == "absolute path" or not link:
        return f"link to {link!r} leaves the archive"
    # Symlinks resolve from their own directory, hard links from the archive root.
    base = posixpath.dirname(info.name) if info.issym() else ""
    target = posixpath.normpath(posixpath.join(base, link))
    if target == ".." or target.startswith("../"):
        return f"link to {link!r} leaves the archive"
    return None


def _tar_member(
    archive: tarfile.TarFile,
    info: tarfile.TarInfo,
    limits: ArchiveLimits,
    problems: list[ArchiveProblem],
) -> Iterator[Member]:
    wants_text = _wants_text(info.name)
    if wants_text and info.size > limits.max_text_member_bytes:
        problems.append(_too_big(info.name, info.size, limits))
        return
    stream = archive.extractfile(info)
    if stream is None:
        return
    with stream:
        data = _read_bounded(stream, limits.max_text_member_bytes if wants_text else HEAD_BYTES)
    yield Member(
        path=info.name, size=info.size, head=data[:HEAD_BYTES], data=data if wants_text else None
    )


def _unsafe(member: str, reason: str) -> ArchiveProblem:
    return ArchiveProblem(
        rule="heuristics.unsafe-path",
        member=member,
        message=f"member path could escape the install directory ({reason})",
    )


def _too_many(count: int, limits: ArchiveLimits) -> ArchiveProblem:
    return ArchiveProblem(
        rule="heuristics.archive-limit",
        member="",
        message=f"more than {limits.max_members} members ({count}); not scanned",
    )


def _too_big(member: str, size: int, limits: ArchiveLimits) -> ArchiveProblem:
    limit = limits.max_text_member_bytes if member else limits.max_total_bytes
    return ArchiveProblem(
        rule="heuristics.archive-limit",
        member=member,
        message=f"{size} bytes exceed the scan limit of {limit} bytes; not scanned",
    )


def _bomb(member: str, ratio: float, limits: ArchiveLimits) -> ArchiveProblem:
    return ArchiveProblem(
        rule="heuristics.archive-bomb",
        member=member,
        message=f"expands {ratio:.0f}x (limit {limits.max_ratio:.0f}x): archive bomb; not scanned",
    )
