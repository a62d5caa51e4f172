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
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

# The shared downloader sits beside this file; the tests load this file by its path.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from popular_artifacts import (
    DEFAULT_CACHE,
    TRICKY,
    fetch_corpus,
    percentile,
    read_and_parse,
)

POPULAR = (
    *("requests", "urllib3", "setuptools", "pip", "django", "flask", "jinja2", "numpy"),
    *("pandas", "boto3", "botocore", "pyyaml", "cryptography", "certifi", "charset-normalizer"),
    *("idna", "six", "attrs", "click", "pytest", "rich", "pydantic", "sqlalchemy", "aiohttp"),
    *("httpx", "paramiko", "psutil", "pillow", "virtualenv", "tqdm", "colorama", "werkzeug"),
    *("docutils", "pygments", "packaging", "wheel"),
)


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
        read_and_parse(path)
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
        p95, p99 = percentile(values, 0.95), percentile(values, 0.99)
        print(f"{label:>26} CPU s/MB: median {median:.3f}  p95 {p95:.3f}  p99 {p99:.3f}")
    print(
        f"total: {total_s:.1f} CPU s for {total_mb:.1f} MB = {total_mb / total_s:.2f} MB/s; "
        f"{total_s / base_s:.2f}x the read+parse baseline ({base_s:.1f} CPU s); "
        f"wall {time.perf_counter() - wall_start:.1f} s for both"
    )
    return 1 if gating else 0


if __name__ == "__main__":
    sys.exit(main())
