"""Our OSV matcher against the independent reference (``tests/scan/osv_reference.py``) on a
whole advisory snapshot, probing versions at and around every event and listed version.

The test suite runs the same comparison on the vendored subset; this runs it on the full
PyPA snapshot in ``../shared/advisory-db`` (or ``--osv DIR``). Prints the number of probes,
every disagreement grouped by record (none expected: the README documents the one rule where
the spec gives no answer), and both matchers' time per probe, the reference as the baseline.
Usage: python benchmarks/osv_reference.py [--osv DIR] [--show N]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from packaging.version import Version

from checker.vulns.matcher import match_record
from checker.vulns.osv_import import ImportedRecord, load_source

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.scan import osv_reference  # noqa: E402 - the repository root is on the path now

DEFAULT_OSV = ROOT.parent / "shared" / "advisory-db"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--osv", type=Path, default=DEFAULT_OSV)
    parser.add_argument("--show", type=int, default=20, help="disagreements to print")
    args = parser.parse_args()
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as work:
        data = load_source(str(args.osv), work_dir=Path(work))
    cases: list[tuple[ImportedRecord, dict[str, Any], str, str]] = []
    for item in data.records:
        doc = json.loads(item.raw_json)
        for name in sorted(item.record.pypi_names()):
            cases.extend((item, doc, name, v) for v in osv_reference.probes(doc))
    started = time.process_time()
    ours = [match_record(i.record, n, Version(v), now) is not None for i, _, n, v in cases]
    ours_seconds = time.process_time() - started
    started = time.process_time()
    reference = [osv_reference.documented(d, n, v, now) for _, d, n, v in cases]
    reference_seconds = time.process_time() - started
    disagreements: dict[str, list[str]] = defaultdict(list)
    for (item, _, name, version), a, b in zip(cases, ours, reference, strict=True):
        if a != b:
            disagreements[item.record.id].append(f"{name} {version}: ours={a} reference={b}")
    agreed = len(cases) - sum(len(v) for v in disagreements.values())
    print(f"snapshot {data.snapshot} ({data.source}): {len(data.records)} records")
    print(f"probes: {len(cases)}; agree: {agreed} ({100 * agreed / len(cases):.3f}%)")
    print(f"records with a disagreement: {len(disagreements)}")
    for record_id, lines in sorted(disagreements.items())[: args.show]:
        print(f"  {record_id}: {len(lines)} probe(s), e.g. {lines[0]}")
    per_ours = 1e6 * ours_seconds / len(cases)
    per_reference = 1e6 * reference_seconds / len(cases)
    print(
        f"CPU per probe: ours {per_ours:.1f} us, reference {per_reference:.1f} us "
        f"(ratio {per_ours / per_reference:.2f}x the reference)"
    )
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
