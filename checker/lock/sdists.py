"""Source distributions, read without running them: where an sdist is served, what it needs.

A package allowed to be built from source is found on the index the way the resolvers
would find it (uv's order: the extra indexes, then the default index; the first index that
lists the project answers; ``--find-links`` pages last), through the PEP 691 JSON simple
API, or the PEP 503 HTML page when an index does not speak JSON. Everything the host needs
to know about the sdist comes from static files inside the archive, read as data:
``PKG-INFO`` (name and version) and ``pyproject.toml``'s ``[build-system] requires``
(``tomllib``), the PEP 517 legacy default (``setuptools>=40.8.0`` and ``wheel``) when it
has none. No ``setup.py``, build backend or other package code runs on the host.
"""

from __future__ import annotations

import datetime
import email.parser
import json
import os
import tarfile
import tomllib
import urllib.error
import urllib.request
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from packaging.tags import Tag
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from checker.exit_codes import SkillgateError
from checker.lock import provenance
from checker.lock.artifacts import tls_context
from checker.lock.target import Target

DEFAULT_INDEX = "https://pypi.org/simple"
LEGACY_BUILD_REQUIRES = ("setuptools>=40.8.0", "wheel")
"""What PEP 517/518 front ends install to build an sdist that declares no build system."""
_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, "
    "text/html;q=0.01"
)
_TIMEOUT_SECONDS = 60
_MAX_PAGE_BYTES = 50_000_000
_MAX_MEMBER_BYTES = 1_000_000
_TRUE = ("1", "true", "yes", "on")


@dataclass(frozen=True, kw_only=True, slots=True)
class IndexFile:
    """A file an index lists: its name, absolute URL and published sha256 (hex, or "")."""

    filename: str
    url: str
    sha256: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Release:
    """What the first index that lists a project offers for one version."""

    index_url: str
    sdist: IndexFile | None
    has_target_wheel: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class SdistInfo:
    """The static facts of an sdist: its name and version (``PKG-INFO``) and what must
    be installed to build it (``[build-system] requires``)."""

    name: str
    version: str
    build_requires: tuple[str, ...]


def index_urls(env: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """(indexes in the order they are asked, find-links pages) from uv's settings, else
    pip's: the same variables the resolvers read (``uv_resolver.index_args``)."""
    default = env.get("UV_DEFAULT_INDEX") or env.get("UV_INDEX_URL") or env.get("PIP_INDEX_URL")
    extras = (env.get("UV_INDEX") or "").split()
    extras += (env.get("UV_EXTRA_INDEX_URL") or env.get("PIP_EXTRA_INDEX_URL") or "").split()
    links = (env.get("UV_FIND_LINKS") or env.get("PIP_FIND_LINKS") or "").split()
    if env.get("PIP_NO_INDEX", "").lower() in _TRUE or env.get("UV_NO_INDEX", "").lower() in _TRUE:
        return [], links
    return [*extras, default or DEFAULT_INDEX], links


def find_release(
    name: str, version: str, target: Target, env: Mapping[str, str] | None = None
) -> Release | None:
    """The sdist of ``name==version`` and whether a wheel for ``target`` exists beside it,
    from the first index that lists ``name``; None when no index lists that version."""
    indexes, links = index_urls(os.environ if env is None else env)
    project = canonicalize_name(name)
    wanted = Version(version)
    tags = set(target.supported_tags())
    for index in indexes:
        files = _project_files(f"{index.rstrip('/')}/{project}/")
        if files is None:
            continue
        return _release(provenance.redact(index.rstrip("/")), files, project, wanted, tags)
    for page in links:
        files = _flat_files(page)
        release = _release(provenance.redact(page), files, project, wanted, tags)
        if release.sdist is not None or release.has_target_wheel:
            return release
    return None


def available_versions(name: str, env: Mapping[str, str] | None = None) -> list[str]:
    """Every version the first index that lists ``name`` offers (wheels and sdists), oldest
    first; empty when no index lists it."""
    indexes, _ = index_urls(os.environ if env is None else env)
    project = canonicalize_name(name)
    for index in indexes:
        files = _project_files(f"{index.rstrip('/')}/{project}/")
        if files is None:
            continue
        versions: set[Version] = set()
        for file in files:
            try:
                versions.add(parse_wheel_filename(file.filename)[1])
            except InvalidWheelFilename:
                try:
                    versions.add(parse_sdist_filename(file.filename)[1])
                except (InvalidSdistFilename, InvalidVersion):
                    continue
        return [str(v) for v in sorted(versions)]
    return []


def _release(
    index: str, files: Sequence[IndexFile], project: str, wanted: Version, tags: set[Tag]
) -> Release:
    sdists = []
    has_wheel = False
    for file in files:
        try:
            name, version, _build, wheel_tags = parse_wheel_filename(file.filename)
        except InvalidWheelFilename:
            pass
        else:
            has_wheel |= name == project and version == wanted and bool(set(wheel_tags) & tags)
            continue
        try:
            name, version = parse_sdist_filename(file.filename)
        except (InvalidSdistFilename, InvalidVersion):
            continue
        if name == project and version == wanted:
            sdists.append(file)
    # Several sdists of one version (.tar.gz and .zip): PEP 625's .tar.gz first, then by name.
    sdists.sort(key=lambda f: (not f.filename.endswith(".tar.gz"), f.filename))
    return Release(index_url=index, sdist=sdists[0] if sdists else None, has_target_wheel=has_wheel)


def _project_files(page: str) -> list[IndexFile] | None:
    """The files a PEP 691/503 project page lists; None when the index does not know it."""
    request = urllib.request.Request(page, headers={"Accept": _ACCEPT, "User-Agent": "skillgate"})  # noqa: S310 - index URLs are http(s) by configuration
    try:
        with urllib.request.urlopen(  # noqa: S310 - see above
            request, timeout=_TIMEOUT_SECONDS, context=tls_context()
        ) as response:
            content_type = str(response.headers.get("Content-Type", ""))
            body = response.read(_MAX_PAGE_BYTES + 1)
            final = str(response.geturl())
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code in (404, 410):
            return None
        raise SkillgateError(f"cannot read {provenance.redact(page)}: HTTP {exc.code}") from None
    except (OSError, urllib.error.URLError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise SkillgateError(f"cannot read {provenance.redact(page)}: {reason}") from None
    if len(body) > _MAX_PAGE_BYTES:
        raise SkillgateError(f"{provenance.redact(page)} is larger than {_MAX_PAGE_BYTES} bytes")
    if "json" in content_type:
        return _json_files(final, body)
    return _html_files(final, body.decode("utf-8", "replace"))


def _flat_files(page: str) -> list[IndexFile]:
    """The files of a ``--find-links`` location: a local directory or an HTML page."""
    parts = urlsplit(page)
    if parts.scheme in ("", "file"):
        directory = Path(unquote(parts.path) if parts.scheme else page)
        if not directory.is_dir():
            return []
        return [
            IndexFile(filename=p.name, url=p.resolve().as_uri(), sha256="")
            for p in sorted(directory.iterdir())
            if p.is_file()
        ]
    return _project_files(page) or []


def _json_files(page: str, body: bytes) -> list[IndexFile]:
    try:
        data = json.loads(body)
        entries = data["files"]
        return [
            IndexFile(
                filename=str(entry["filename"]),
                url=urljoin(page, str(entry["url"])),
                sha256=str((entry.get("hashes") or {}).get("sha256", "")).lower(),
            )
            for entry in entries
        ]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SkillgateError(
            f"{provenance.redact(page)}: not a PEP 691 project page: {exc}"
        ) from None


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def _html_files(page: str, text: str) -> list[IndexFile]:
    parser = _Links()
    parser.feed(text)
    files = []
    for href in parser.hrefs:
        url = urljoin(page, href)
        parts = urlsplit(url)
        fragment = parts.fragment
        sha256 = fragment.removeprefix("sha256=").lower() if fragment.startswith("sha256=") else ""
        filename = unquote(parts.path.rpartition("/")[2])
        files.append(IndexFile(filename=filename, url=url.partition("#")[0], sha256=sha256))
    return files


def read_sdist(path: Path, name: str, version: str) -> SdistInfo:
    """Static facts of the sdist at ``path``, which must be ``name==version``.

    Only ``<root>/PKG-INFO`` and ``<root>/pyproject.toml`` are read, as bytes; nothing
    is extracted or executed. SkillgateError for an archive that is not a readable sdist
    of that release.
    """
    try:
        members = _read_members(path, ("PKG-INFO", "pyproject.toml"))
    except (OSError, tarfile.TarError, zipfile.BadZipFile, EOFError) as exc:
        raise SkillgateError(f"{name}: cannot read the sdist {path.name}: {exc}") from None
    if "PKG-INFO" not in members:
        raise SkillgateError(f"{name}: the sdist {path.name} has no PKG-INFO")
    headers = email.parser.BytesParser().parsebytes(members["PKG-INFO"], headersonly=True)
    found_name, found_version = str(headers.get("Name", "")), str(headers.get("Version", ""))
    try:
        same = canonicalize_name(found_name) == canonicalize_name(name) and Version(
            found_version
        ) == Version(version)
    except InvalidVersion:
        same = False
    if not same:
        raise SkillgateError(
            f"{name}: the sdist {path.name} says it is {found_name}=={found_version}, "
            f"not {name}=={version}"
        )
    return SdistInfo(
        name=canonicalize_name(name),
        version=version,
        build_requires=_build_requires(members.get("pyproject.toml"), name, path.name),
    )


def _build_requires(raw: bytes | None, name: str, filename: str) -> tuple[str, ...]:
    if raw is None:
        return LEGACY_BUILD_REQUIRES
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SkillgateError(f"{name}: {filename}: unreadable pyproject.toml: {exc}") from None
    build = data.get("build-system")
    if build is None:
        return LEGACY_BUILD_REQUIRES
    requires = build.get("requires") if isinstance(build, dict) else None
    if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
        raise SkillgateError(
            f"{name}: {filename}: pyproject.toml [build-system] has no 'requires' list (PEP 518)"
        )
    return tuple(requires)


def _read_members(path: Path, names: Sequence[str]) -> dict[str, bytes]:
    """``{name: bytes}`` of the top-level project files ``<root>/<name>`` of the archive."""
    found: dict[str, bytes] = {}
    if path.name.endswith(".zip"):
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                key = _top_level(info.filename, names)
                if key and key not in found and info.file_size <= _MAX_MEMBER_BYTES:
                    found[key] = archive.read(info)
        return found
    with tarfile.open(path, "r:*") as archive:
        for member in archive:
            key = _top_level(member.name, names)
            if not key or key in found or not member.isfile() or member.size > _MAX_MEMBER_BYTES:
                continue
            handle = archive.extractfile(member)
            if handle is not None:
                found[key] = handle.read(_MAX_MEMBER_BYTES)
    return found


def _top_level(member: str, names: Sequence[str]) -> str:
    parts = member.strip("/").split("/")
    return parts[1] if len(parts) == 2 and parts[1] in names else ""


def newest_mtime(path: Path) -> int:
    """The newest member modification time of the sdist (its SOURCE_DATE_EPOCH)."""
    try:
        if path.name.endswith(".zip"):
            with zipfile.ZipFile(path) as archive:
                stamps = [
                    int(datetime.datetime(*info.date_time, tzinfo=datetime.UTC).timestamp())
                    for info in archive.infolist()
                ]
        else:
            with tarfile.open(path, "r:*") as archive:
                stamps = [int(member.mtime) for member in archive]
    except (OSError, tarfile.TarError, zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise SkillgateError(f"cannot read the sdist {path.name}: {exc}") from None
    return max(stamps, default=0)
