"""What recording costs: per decision with and without the audit trail, and each store's
write throughput, in one run.

1. a package decision through the service's ``Service.check_package`` (engine, metrics,
   decision id, the audit event), with no recorder (baseline) and with the journal recorder
   in front of SQLite and of PostgreSQL;
2. each store's write throughput: batches of 1,000 (the journal shipper's way) and one record
   per transaction (``record_now``, an execution's way).

PostgreSQL comes from ``scripts/ensure-postgres.sh`` (``$SKILLGATE_TEST_POSTGRES`` or the
default test URL); without it the PostgreSQL rows are skipped.

    python benchmarks/audit.py [--decisions 20000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checker.audit.journal import JournalRecorder  # noqa: E402
from checker.audit.recorders import NoRecorder, Recorder  # noqa: E402
from checker.audit.store import AuditStore, open_store  # noqa: E402
from checker.service.bundle_source import BundleSource  # noqa: E402
from checker.service.settings import ServeSettings  # noqa: E402
from checker.service.state import Service  # noqa: E402
from checker.service.tokens import WatchedTokens, add_token  # noqa: E402
from tests.service.conftest import compiled_bundle  # noqa: E402

POSTGRES = os.environ.get(
    "SKILLGATE_TEST_POSTGRES", "postgresql://skillgate:skillgate@127.0.0.1:5432/skillgate"
)


def postgres_location() -> str | None:
    try:
        import psycopg  # noqa: PLC0415 - optional: the PostgreSQL rows need it

        with psycopg.connect(POSTGRES, connect_timeout=3, autocommit=True) as conn:
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            conn.execute(f"CREATE SCHEMA {schema}")
    except Exception:  # noqa: BLE001 - no server: the PostgreSQL rows are skipped
        return None
    return f"{POSTGRES}?options=-c%20search_path%3D{schema}"


def service(root: Path, recorder: Recorder) -> Service:
    bundle = root / "bundle.json"
    compiled_bundle(ROOT / "tests/fixtures/team-repo", bundle, "bench")
    tokens = root / "tokens.json"
    if not tokens.exists():
        add_token(tokens, "intern-7", "agent")
    settings = ServeSettings(bundle=str(bundle), tokens=tokens)
    source = BundleSource(str(bundle))
    source.load()
    return Service(settings, source, WatchedTokens(tokens), recorder)


def decisions(svc: Service, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        svc.check_package("intern-7", "pyyaml", "6.0.2")
        samples.append(time.perf_counter() - started)
    return samples


def line(label: str, samples: list[float], base: float | None = None) -> str:
    ordered = sorted(samples)
    median = statistics.median(ordered)
    p99 = ordered[int(len(ordered) * 0.99)]
    extra = f"  +{(median - base) * 1e6:.1f} us over baseline" if base is not None else ""
    return f"  {label:<38} median {median * 1e6:7.1f} us  p99 {p99 * 1e6:7.1f} us{extra}"


def throughput(store: AuditStore, batches: int, singles: int) -> tuple[float, float]:
    started = time.perf_counter()
    for b in range(batches):
        store.append([{"event_id": f"b{b}-{i}", "kind": "bench"} for i in range(1000)])
    batched = batches * 1000 / (time.perf_counter() - started)
    started = time.perf_counter()
    for i in range(singles):
        store.append([{"event_id": f"s{i}", "kind": "bench"}])
    single = singles / (time.perf_counter() - started)
    return batched, single


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=20000)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--singles", type=int, default=300)
    args = parser.parse_args()
    pg = postgres_location()
    with tempfile.TemporaryDirectory(prefix="skillgate-audit-bench-") as tmp:
        root = Path(tmp)
        locations: dict[str, str | None] = {
            "SQLite": str(root / "audit.sqlite3"),
            "PostgreSQL": pg,
        }
        base = statistics.median(decisions(service(root, NoRecorder()), args.decisions))
        print(f"package decision inside the service, {args.decisions} each:")
        print(
            line(
                "no audit trail (baseline)", decisions(service(root, NoRecorder()), args.decisions)
            )
        )
        results: dict[str, Any] = {}
        for name, location in locations.items():
            if location is None:
                print(f"  {name}: not reachable, skipped")
                continue
            recorder = JournalRecorder(open_store(location), root / f"journal-{name}")
            samples = decisions(service(root, recorder), args.decisions)
            recorder.close(timeout=300)
            print(line(f"journal -> {name}", samples, base))
            results[name] = location
        print("store write throughput:")
        for name, location in results.items():
            store = open_store(location)
            batched, single = throughput(store, args.batches, args.singles)
            print(
                f"  {name:<11} {batched:10,.0f} records/s in batches of 1,000;"
                f" {single:8,.0f} records/s one per transaction"
            )


if __name__ == "__main__":
    main()
