"""Refresh the popular-package list shipped with skillgate (typosquat detection).

Reads a ``rank<TAB>name`` list (a file, or an https:// URL of one) of the most downloaded
PyPI projects and writes the top N to ``checker/heuristics/data/popular-packages.tsv``:

    python scripts/refresh_popular_packages.py --from ../shared/popular-packages.tsv
"""

from __future__ import annotations

import argparse
import sys
import urllib.request
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "checker/heuristics/data/popular-packages.tsv"


def read(source: str) -> str:
    if source.startswith("https://"):
        with urllib.request.urlopen(source, timeout=60) as response:  # noqa: S310 - https only
            return str(response.read().decode("utf-8"))
    return Path(source).read_text(encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", required=True, help="rank<TAB>name list")
    parser.add_argument("--top", type=int, default=5000, help="how many names to ship")
    args = parser.parse_args()
    ranked = []
    for raw in read(args.source).splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        rank, _, name = line.partition("\t")
        if not rank.strip().isdigit() or not name.strip():
            print(f"error: expected 'rank<TAB>name', got {raw[:60]!r}", file=sys.stderr)
            return 1
        ranked.append((int(rank), name.strip()))
    ranked.sort()
    lines = [f"# rank<TAB>name: the {min(args.top, len(ranked))} most downloaded PyPI projects"]
    lines.append(
        f"# refreshed by scripts/refresh_popular_packages.py from {Path(args.source).name}"
    )
    lines += [f"{rank}\t{name}" for rank, name in ranked[: args.top]]
    TARGET.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines) - 2} names to {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
