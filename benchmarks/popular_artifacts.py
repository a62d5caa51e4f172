"""PyPI artifacts of popular packages for the heuristics benchmarks, and their shared measures.

``fetch_corpus`` downloads (never installs, builds or imports) the latest sdist and the wheel
the sandbox would install of each named package from PyPI's JSON API into a cache directory,
verifying each file's sha256; ``read_and_parse`` is the read+parse baseline the benchmarks
measure the heuristics against; ``percentile`` reads their per-artifact figures.
"""

from __future__ import annotations

import hashlib
import json
import urllib.parse
import urllib.request
from pathlib import Path

# Packages whose honest code looks most like malware (raw sockets, remote code,
# tunnels, bot APIs, pty, namespace .pth files, in-tree build backends, exploit tooling).
TRICKY = (
    *("scapy", "dnspython", "gunicorn", "twisted", "ansible-core", "pexpect", "ipython"),
    *("flit-core", "setuptools-scm", "pyinstaller", "celery", "uvicorn", "fabric", "supervisor"),
    *("pwntools", "pyngrok", "execnet", "rpyc", "distributed", "sh", "invoke"),
    *("python-telegram-bot", "discord-webhook", "impacket", "tornado", "gevent"),
)
DEFAULT_CACHE = Path.home() / ".cache" / "skillgate-fp-corpus"
PYPI_JSON = "https://pypi.org/pypi/{name}/json"
# The wheel the sandbox would install: pure Python first, else CPython 3.11 manylinux x86_64.
WHEEL_PREFERENCE = ("py3-none-any", "py2.py3-none-any", "cp311-cp311-manylinux", "abi3-manylinux")


def _wheel_rank(filename: str) -> int:
    for rank, marker in enumerate(WHEEL_PREFERENCE):
        if marker in filename and ("manylinux" not in marker or "x86_64" in filename):
            return rank
    return len(WHEEL_PREFERENCE)


def _fetch(url: str, dest: Path, sha256: str) -> None:
    with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 (https PyPI only)
        data = response.read()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise RuntimeError(f"sha256 mismatch for {url}: not cached")
    tmp = dest.with_suffix(dest.suffix + ".part")
    tmp.write_bytes(data)
    tmp.replace(dest)


def fetch_corpus(names: list[str], cache: Path) -> list[Path]:
    """Download the latest sdist and best wheel of each name into ``cache``; return all paths."""
    cache.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for name in names:
        marker = cache / f"{name}.files"
        if marker.exists():
            listed = [cache / line for line in marker.read_text().split()]
            if all(path.exists() for path in listed):
                paths.extend(listed)
                continue
        index_url = PYPI_JSON.format(name=name)
        with urllib.request.urlopen(index_url, timeout=60) as response:  # noqa: S310
            release = json.load(response)
        files = release["urls"]
        sdists = [f for f in files if f["packagetype"] == "sdist"]
        wheels = sorted(
            (f for f in files if f["packagetype"] == "bdist_wheel"),
            key=lambda f: _wheel_rank(f["filename"]),
        )
        chosen = sdists[:1] + [w for w in wheels[:1] if _wheel_rank(w["filename"]) < 4]
        for entry in chosen:
            dest = cache / entry["filename"]
            if not dest.exists():
                # The JSON API may answer with URLs relative to itself (a mirror).
                url = urllib.parse.urljoin(index_url, entry["url"])
                _fetch(url, dest, entry["digests"]["sha256"])
            paths.append(dest)
        marker.write_text("\n".join(p.name for p in paths[-len(chosen) :]) + "\n")
    return paths


def percentile(values: list[float], fraction: float) -> float:
    """The value at ``fraction`` (0..1) of the sorted ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def read_and_parse(path: Path) -> None:
    """Read the archive and parse its Python sources: the floor any AST scanner pays."""
    from checker.heuristics.archive import read_archive  # noqa: PLC0415
    from checker.heuristics.artifact import ArtifactView  # noqa: PLC0415

    artifact = ArtifactView(path.name, read_archive(path))
    for member in artifact.python_members():
        artifact.parse(member)
