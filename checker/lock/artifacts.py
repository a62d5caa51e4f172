"""The artifacts cache: the exact locked files, content-addressed, hash-verified, inert.

Files are downloaded from the URL the lock records (the index pip chose when
locking) with the standard library, streamed through sha256 and kept only when the
digest matches the lock. They are stored read-only under
``<cache>/artifacts/sha256/<hex>/<filename>`` and never imported, unpacked into a
``sys.path`` or executed. A cached file is re-hashed on every use, so a tampered
cache is caught like a tampered index.

A package built from source (``built-from`` in its lock) has two artifacts: the sdist,
downloaded like any file, and the wheel built from it, which no index serves. The wheel is
found in the cache by its hash, or built again in the sandbox (``checker.lock.source_builds``)
and refused unless it comes out with the locked hash. :func:`fetch` returns both (what the
scan reads); :func:`fetch_installable` only the wheels (what an image installs).
"""

from __future__ import annotations

import hashlib
import os
import ssl
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from checker.exit_codes import SkillgateError
from checker.lock.lockfile import LockedFile, LockedPackage, is_built_url

if TYPE_CHECKING:
    from checker.lock.source_builds import WheelBuilder

CACHE_ENV = "SKILLGATE_CACHE"
_CHUNK = 1 << 16
_TIMEOUT_SECONDS = 60
_SCHEMES = ("https", "http", "file")


class ArtifactError(SkillgateError):
    """An artifact could not be downloaded or does not match its locked hash (exit 3)."""


def cache_root(cache: Path | None = None) -> Path:
    """The skillgate cache: ``cache``, else ``$SKILLGATE_CACHE``, else XDG's cache home."""
    if cache is not None:
        return cache
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "skillgate"


def artifact_path(file: LockedFile, cache: Path | None = None) -> Path:
    """Where ``file`` lives in the content-addressed cache (it may not be there yet)."""
    if "/" in file.filename or "\\" in file.filename or file.filename.startswith("."):
        raise ArtifactError(f"refusing artifact file name {file.filename!r}")
    if len(file.sha256) != 64 or not all(c in "0123456789abcdef" for c in file.sha256):
        raise ArtifactError(f"{file.filename}: malformed sha256 {file.sha256!r}")
    return cache_root(cache) / "artifacts" / "sha256" / file.sha256 / file.filename


def sha256_file(path: Path) -> str:
    """Hex sha256 of the file at ``path``."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def fetch(
    pkg: LockedPackage, cache: Path | None = None, *, builder: WheelBuilder | None = None
) -> list[Path]:
    """Make every locked file of ``pkg`` present in the cache and return their paths: for a
    package built from source, the built wheel and the sdist it came from.

    Raises :class:`ArtifactError` (exit 3) when a file cannot be downloaded or its
    sha256 is not the one locked; nothing unverified is left in the cache. A built wheel
    missing from the cache is built again by ``builder`` (default: the sandbox's).
    """
    if pkg.built_from is not None:
        from checker.lock.source_builds import fetch_built  # noqa: PLC0415 - it imports this

        wheel, sdist = fetch_built(pkg, cache, builder)
        return [wheel, sdist]
    paths: list[Path] = []
    label = f"{pkg.name}=={pkg.version}"
    for file in pkg.files:
        if f"sha256:{file.sha256}" not in pkg.hashes:
            raise ArtifactError(f"{label}: {file.filename} is not hash-pinned")
        paths.append(fetch_file(file, cache, label=label))
    return paths


def fetch_all(
    packages: Iterable[LockedPackage],
    cache: Path | None = None,
    *,
    builder: WheelBuilder | None = None,
) -> list[Path]:
    """:func:`fetch` for every package, in order."""
    return [path for pkg in packages for path in fetch(pkg, cache, builder=builder)]


def fetch_installable(
    packages: Iterable[LockedPackage],
    cache: Path | None = None,
    *,
    builder: WheelBuilder | None = None,
) -> list[Path]:
    """The files pip installs from the lock (every ``file:``; never an sdist), in order."""
    paths: list[Path] = []
    for pkg in packages:
        if pkg.built_from is None:
            paths += fetch(pkg, cache)
            continue
        from checker.lock.source_builds import fetch_built  # noqa: PLC0415 - it imports this

        paths.append(fetch_built(pkg, cache, builder)[0])
    return paths


def fetch_file(file: LockedFile, cache: Path | None = None, *, label: str = "") -> Path:
    """The cached, verified copy of ``file``, downloaded when missing or corrupt."""
    path = artifact_path(file, cache)
    if path.is_file():
        if sha256_file(path) == file.sha256:
            return path
        # A cached file that no longer matches was tampered with or truncated: replace it.
        path.unlink()
    if is_built_url(file.url):
        raise ArtifactError(
            f"{label or file.filename}: {file.filename} was built from source; "
            "it is not downloaded but built again (fetch the package, not the file)"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = download(file.url, path, label=label)
    if digest != file.sha256:
        path.unlink()
        raise ArtifactError(
            f"{label or file.filename}: {file.filename} from {file.url} has sha256 {digest}, "
            f"but the lock pins {file.sha256}; refusing it"
        )
    return path


def fetch_unpinned(url: str, filename: str, cache: Path | None = None, *, label: str = "") -> str:
    """Download a file whose hash is not known yet into the cache; return its hex sha256."""
    incoming = cache_root(cache) / "artifacts" / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=incoming) as tmp:
        digest = download(url, Path(tmp) / filename, label=label)
        path = artifact_path(LockedFile(filename=filename, url=url, sha256=digest), cache)
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(Path(tmp) / filename, path)
    return digest


def download(url: str, dest: Path, *, label: str = "") -> str:
    """Download ``url`` to ``dest`` (atomically, read-only) and return its hex sha256.

    Raises :class:`ArtifactError` when the URL is not http(s)/file or the transfer fails.
    """
    if urlsplit(url).scheme not in _SCHEMES:
        raise ArtifactError(f"{label or url}: refusing to download from {url!r}")
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=".part-")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            request = urllib.request.Request(url, headers={"User-Agent": "skillgate"})  # noqa: S310 - scheme checked above
            with urllib.request.urlopen(  # noqa: S310 - scheme checked above
                request, timeout=_TIMEOUT_SECONDS, context=tls_context()
            ) as response:
                total = int(response.headers.get("Content-Length") or 0)
                done = 0
                while chunk := response.read(_CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    _progress(label or dest.name, done, total)
        _progress_end()
        tmp.chmod(0o444)
        os.replace(tmp, dest)
    except (OSError, urllib.error.URLError, ValueError) as exc:
        _progress_end()
        tmp.unlink(missing_ok=True)
        reason = getattr(exc, "reason", None) or exc
        if isinstance(exc, urllib.error.HTTPError):
            reason = f"HTTP {exc.code} {exc.reason}"
            exc.close()  # an HTTPError holds the open response
        raise ArtifactError(f"{label or url}: cannot download {url}: {reason}") from None
    return digest.hexdigest()


def tls_context() -> ssl.SSLContext:
    """TLS for downloads from the index: pip's CA bundle setting, else the system's."""
    # pip's own CA bundle setting (PIP_CERT) applies to what pip resolved from.
    return ssl.create_default_context(cafile=os.environ.get("PIP_CERT") or None)


def _progress(label: str, done: int, total: int) -> None:
    # Progress only on a terminal, on stderr: piped and --json output stay clean.
    if not sys.stderr.isatty():
        return
    size = f"{done / 1e6:.1f}/{total / 1e6:.1f} MB" if total else f"{done / 1e6:.1f} MB"
    sys.stderr.write(f"\r  downloading {label} {size}")
    sys.stderr.flush()


def _progress_end() -> None:
    if sys.stderr.isatty():
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()
