"""False positives and speed of the malicious-package heuristics on real popular packages.

Downloads (never installs, builds or imports) the latest sdist and one wheel of each package
in ``POPULAR`` from PyPI's JSON API into a cache directory, verifies their sha256, scans every
artifact with ``checker.heuristics`` and prints:

* gating (ERROR) findings, which must be zero, and non-gating ones by rule;
* heuristics CPU time per MB of artifact (median, p95, p99 over artifacts; total MB/s), and
  the same for a baseline measured in the same run: reading the archive and parsing its Python
  sources only, the floor of any AST-based scanner. CPU time keeps the figures stable on a
  shared CI machine.

Usage: ``python benchmarks/heuristics_fp.py [--cache DIR] [--tricky] [--fetch-only]
[--show-notices]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

POPULAR = (
    *("requests", "urllib3", "setuptools", "pip", "django", "flask", "jinja2", "numpy"),
    *("pandas", "boto3", "botocore", "pyyaml", "cryptography", "certifi", "charset-normalizer"),
    *("idna", "six", "attrs", "click", "pytest", "rich", "pydantic", "sqlalchemy", "aiohttp"),
    *("httpx", "paramiko", "psutil", "pillow", "virtualenv", "tqdm", "colorama", "werkzeug"),
    *("docutils", "pygments", "packaging", "wheel"),
)
# With --tricky: packages whose honest code looks most like malware (raw sockets, remote code,
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


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _baseline(path: Path) -> None:
    """Read the archive and parse its Python sources: the floor any AST scanner pays."""
    from checker.heuristics.archive import read_archive  # noqa: PLC0415
    from checker.heuristics.artifact import ArtifactView  # noqa: PLC0415

    artifact = ArtifactView(path.name, read_archive(path))
    for member in artifact.python_members():
        artifact.parse(member)


def main() -> int:
    """Scan the corpus; print false positives and speed; exit 1 on any gating finding."""
    from checker.findings import Severity  # noqa: PLC0415
    from checker.heuristics import scan_artifact  # noqa: PLC0415

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--fetch-only", action="store_true")
    parser.add_argument("--show-notices", action="store_true")
    parser.add_argument("--tricky", action="store_true", help="add the TRICKY packages")
    args = parser.parse_args()
    paths = fetch_corpus([*POPULAR, *(TRICKY if args.tricky else ())], args.cache)
    if args.fetch_only:
        print(f"{len(paths)} artifacts in {args.cache}")
        return 0
    gating: list[str] = []
    by_rule: Counter[str] = Counter()
    per_mb: list[float] = []
    base_per_mb: list[float] = []
    total_mb = total_s = base_s = 0.0
    wall_start = time.perf_counter()
    for path in paths:
        megabytes = path.stat().st_size / 1e6
        start = time.process_time()
        _baseline(path)
        middle = time.process_time()
        findings = scan_artifact(path)
        end = time.process_time()
        base_s += middle - start
        total_s += end - middle
        total_mb += megabytes
        per_mb.append((end - middle) / megabytes)
        base_per_mb.append((middle - start) / megabytes)
        for finding in findings:
            if finding.severity is Severity.ERROR:
                gating.append(f"{finding.rule} {finding.location} {finding.message}")
            else:
                by_rule[f"{finding.rule} ({finding.severity.label})"] += 1
                if args.show_notices:
                    print(f"  {finding.severity.label} {finding.rule} {finding.location}")
    packages = len({p.name.split("-")[0].lower().replace("_", "-") for p in paths})
    print(f"corpus: {packages} packages, {len(paths)} artifacts, {total_mb:.1f} MB ({args.cache})")
    print(f"gating (ERROR) findings: {len(gating)}")
    for line in gating:
        print(f"  {line}")
    print(f"non-gating findings: {sum(by_rule.values())}")
    for rule, count in sorted(by_rule.items()):
        print(f"  {count:5d}  {rule}")
    for label, values in (("heuristics", per_mb), ("baseline read+parse only", base_per_mb)):
        median = statistics.median(values)
        p95, p99 = _percentile(values, 0.95), _percentile(values, 0.99)
        print(f"{label:>26} CPU s/MB: median {median:.3f}  p95 {p95:.3f}  p99 {p99:.3f}")
    print(
        f"total: {total_s:.1f} CPU s for {total_mb:.1f} MB = {total_mb / total_s:.2f} MB/s; "
        f"{total_s / base_s:.2f}x the read+parse baseline ({base_s:.1f} CPU s); "
        f"wall {time.perf_counter() - wall_start:.1f} s for both"
    )
    return 1 if gating else 0


if __name__ == "__main__":
    sys.exit(main())
