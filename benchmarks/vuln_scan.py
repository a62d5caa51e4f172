"""Offline vulnerability scan of a 100+ package lock: our engine vs pip-audit --osv-url.

Both engines read the same OSV data (the advisory-db imported into a temporary index);
pip-audit queries it through our local OSV endpoint on 127.0.0.1. Measured in one run:

- process: ``skillgate scan --no-heuristics`` vs ``pip-audit -r ... --osv-url`` as whole
  processes (interpreter start included on both sides), the baseline being pip-audit;
- in-process: ``OursEngine.audit`` (index open + matching) vs ``PipAuditEngine.audit``.

Prints medians, p95 and the ratio, and whether both engines found the same advisories.
Asserts nothing about time.  Usage: python benchmarks/vuln_scan.py [--runs N] [--osv DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from checker.lock.lockfile import Lock, LockedFile, LockedPackage, render_lock, sha256_text
from checker.vulns.engines import PinnedPackage
from checker.vulns.matcher import clear_caches
from checker.vulns.osv_import import load_source
from checker.vulns.osv_server import OsvQueryServer
from checker.vulns.ours_engine import OursEngine
from checker.vulns.pip_audit_engine import PipAuditEngine, pip_audit_command, requirements_text
from checker.vulns.vuln_index import opened, write_index

ROOT = Path(__file__).resolve().parent.parent
PINS = ROOT / "tests" / "scan" / "data" / "real_pins.txt"
DEFAULT_OSV = ROOT.parent / "shared" / "advisory-db"


def read_pins() -> list[PinnedPackage]:
    out = []
    for line in PINS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.strip().partition("==")
            digest = hashlib.sha256(line.encode()).hexdigest()
            out.append(PinnedPackage(name=name, version=version, hashes=(f"sha256:{digest}",)))
    return out


def write_repo(root: Path, pins: list[PinnedPackage]) -> None:
    packages = tuple(
        LockedPackage(
            name=p.name,
            version=p.version,
            hashes=p.hashes,
            parents=(),
            index_url="https://pypi.org/simple",
            files=(
                LockedFile(
                    filename=f"{p.name}-{p.version}.whl",
                    url="https://files.pythonhosted.org/x",
                    sha256=p.hashes[0].removeprefix("sha256:"),
                ),
            ),
        )
        for p in pins
    )
    skill = root / "skills" / "bench"
    skill.mkdir(parents=True)
    (root / "policy").mkdir()
    (root / "policy" / "scanning.yaml").write_text("max_db_age_days: 36500\n", encoding="utf-8")
    (skill / "skill.yaml").write_text("id: bench\n", encoding="utf-8")
    lock = Lock(
        packages=packages, requirements_digest=sha256_text("bench"), target="t", skill="bench"
    )
    (skill / "requirements.lock").write_text(render_lock(lock), encoding="utf-8")


def timed(action: Callable[[], object], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return samples


def run(command: list[str], ok: tuple[int, ...]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode not in ok:
        raise SystemExit(f"{command[0]} exited {done.returncode}: {done.stderr[-2000:]}")


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def report(label: str, ours: list[float], baseline: list[float]) -> None:
    mo, mb = statistics.median(ours), statistics.median(baseline)
    print(f"{label}:")
    print(f"  ours      median {mo * 1000:9.1f} ms   p95 {p95(ours) * 1000:9.1f} ms")
    print(f"  pip-audit median {mb * 1000:9.1f} ms   p95 {p95(baseline) * 1000:9.1f} ms")
    print(f"  ratio (pip-audit / ours, medians): {mb / mo:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--osv", type=Path, default=DEFAULT_OSV)
    args = parser.parse_args()
    pins = read_pins()
    with tempfile.TemporaryDirectory(prefix="skillgate-bench-") as tmp:
        db = Path(tmp) / "db"
        write_index(db, load_source(str(args.osv), work_dir=db), now=datetime.now(UTC))
        repo = Path(tmp) / "repo"
        write_repo(repo, pins)
        requirements = Path(tmp) / "requirements.txt"
        requirements.write_text(requirements_text(pins), encoding="utf-8")
        print(f"lock: {len(pins)} real pins; OSV data: {args.osv}; runs: {args.runs}")
        with opened(db) as index:
            ours_found = OursEngine(index).audit(pins)
        with OsvQueryServer(db) as server:
            theirs_found = PipAuditEngine(osv_url=server.url).audit(pins)
            scan_cmd = [sys.executable, "-c", "from checker.cli.main import main; main()"]
            scan_args = ["scan", "--repo", str(repo), "--vuln-db", str(db), "--no-heuristics"]
            audit_cmd = [
                *pip_audit_command(),
                *("-r", str(requirements), "--no-deps", "--disable-pip", "--strict"),
                *("-f", "json", "--progress-spinner", "off", "--cache-dir", f"{tmp}/cache"),
                *("-s", "osv", "--osv-url", server.url),
            ]
            # The lock has known advisories: both tools must exit 1, proving they did the work.
            ours_proc = timed(lambda: run([*scan_cmd, *scan_args], (1,)), args.runs)
            audit_proc = timed(lambda: run(audit_cmd, (1,)), args.runs)

            def ours_engine() -> None:
                clear_caches()  # cold: every run parses its versions again
                with opened(db) as index:
                    OursEngine(index).audit(pins)

            ours_mem = timed(ours_engine, args.runs)
            audit_mem = timed(lambda: PipAuditEngine(osv_url=server.url).audit(pins), args.runs)
    same = {n: sorted((m.id, m.fixed) for m in ms) for n, ms in ours_found.items()} == {
        n: sorted((m.id, m.fixed) for m in ms) for n, ms in theirs_found.items()
    }
    advisories = sum(len(ms) for ms in ours_found.values())
    affected = sum(1 for ms in ours_found.values() if ms)
    print(f"findings: {advisories} advisories on {affected} packages; identical: {same}")
    report("whole process (skillgate scan vs pip-audit CLI)", ours_proc, audit_proc)
    report("engine only (in-process)", ours_mem, audit_mem)


if __name__ == "__main__":
    main()
