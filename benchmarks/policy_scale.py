"""Policy at scale: validate+compile time, bundle load time, and ``check`` latency.

Generates (in a temporary directory) a policy repository with 10,000 approvals over
3,000 packages (one file per package), 1,000 agents and 200 skills whose exact-pin
requirements are all allowed, then prints:

* validate+compile wall time: the real ``validate_repo`` + ``build_bundle`` (median of runs);
* bundle load time (``Engine.load``);
* ``check`` latency per call (``time.perf_counter_ns`` around each call), median/p99/p99.9,
  for repeated queries (cache hits) and first-seen queries (cache misses), next to a
  baseline measured the same way in the same run (a function doing one dict lookup);
* single-thread throughput (checks per second on one core) for both workloads.

Usage: ``python benchmarks/policy_scale.py [--calls N] [--runs N] [--seed N]``.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from checker.bundle.build import build_bundle, render_bundle
from checker.policy.validate import validate_repo
from checker.runtime import Engine

PACKAGES = 3_000
APPROVALS = 10_000
AGENTS = 1_000
SKILLS = 200
LEVELS = ("STUDENT", "INTERN", "SUPERVISED", "AUTONOMOUS")
Query = tuple[str, str, str]

MATURITY = """\
levels:
  - name: STUDENT
    packages: false
  - name: INTERN
    packages: true
    exact_pins_only: true
  - name: SUPERVISED
    packages: true
  - name: AUTONOMOUS
    packages: true
default_level: STUDENT
enabled: true
"""


def package_name(i: int) -> str:
    return f"pkg-{i:04d}"


def approvals_per_package() -> list[int]:
    """How many approvals each package gets: 10,000 spread over 3,000 packages."""
    base, extra = divmod(APPROVALS, PACKAGES)
    return [base + (1 if i < extra else 0) for i in range(PACKAGES)]


def approval_yaml(name: str, count: int) -> str:
    """``count`` approvals: exact pins for INTERN, then non-overlapping ranges above it."""
    entries = [(f"==1.{k}.0", "INTERN") for k in range(max(1, count - 2))]
    ranges = [(">=2.0,<3", "SUPERVISED"), (">=3.0,<4", "AUTONOMOUS")]
    entries += ranges[: count - len(entries)]
    lines = ["approvals:"]
    for versions, level in entries:
        lines += [
            f"  - package: {name}",
            f'    versions: "{versions}"',
            f"    min_level: {level}",
            "    approved_by: security-team",
            "    reason: generated for the scale benchmark",
            "    ticket: SEC-1",
        ]
    return "\n".join(lines) + "\n"


def generate(root: Path, rng: random.Random) -> None:
    """Write the repository: maturity, agents, packages/*.yaml, bans, skills/*."""
    policy = root / "policy"
    (policy / "packages").mkdir(parents=True)
    (policy / "maturity.yaml").write_text(MATURITY, encoding="utf-8")
    agents = ["agents:"]
    for i in range(AGENTS):
        agents += [f"  - id: agent-{i:04d}", f"    level: {LEVELS[i % 4]}", "    owner: team"]
    (policy / "agents.yaml").write_text("\n".join(agents) + "\n", encoding="utf-8")
    for i, count in enumerate(approvals_per_package()):
        name = package_name(i)
        (policy / "packages" / f"{name}.yaml").write_text(
            approval_yaml(name, count), encoding="utf-8"
        )
    bans = ["bans:"]
    for i in range(50):
        bans += [f"  - package: banned-{i:02d}", "    reason: generated ban"]
    (policy / "bans.yaml").write_text("\n".join(bans) + "\n", encoding="utf-8")
    for s in range(SKILLS):
        directory = root / "skills" / f"skill-{s:03d}"
        directory.mkdir(parents=True)
        picks = rng.sample(range(PACKAGES), rng.randint(1, 5))
        requirements = "".join(f"  - {package_name(p)}==1.0.0\n" for p in sorted(picks))
        (directory / "skill.yaml").write_text(
            f"id: skill-{s:03d}\ndescription: generated\nowner: team\nmin_level: INTERN\n"
            f"entrypoint: main.py\nrequirements:\n{requirements}",
            encoding="utf-8",
        )
        (directory / "main.py").write_text("print('{}')\n", encoding="utf-8")


def validate_and_compile(root: Path) -> dict[str, object]:
    loaded, findings = validate_repo(root)
    errors = [f for f in findings if f.severity.label == "error"]
    if errors:
        raise SystemExit(f"the generated policy has {len(errors)} error(s), first: {errors[0]}")
    return build_bundle(loaded, revision="benchmark")


def random_queries(rng: random.Random, count: int) -> list[Query]:
    """Distinct queries: known and unknown agents, approved and unapproved versions."""
    versions = ("1.0.0", "1.1.0", "2.5.1", "3.0.2", "4.0", "1.0.0rc1", "2.0.post1")
    seen: set[Query] = set()
    while len(seen) < count:
        agent = f"agent-{rng.randrange(AGENTS + 100):04d}"
        version = rng.choice(versions) if rng.random() < 0.5 else f"2.{rng.randrange(10**6)}"
        seen.add((agent, package_name(rng.randrange(PACKAGES + 200)), version))
    queries = list(seen)
    rng.shuffle(queries)
    return queries


def per_call_ns(fn: Callable[[str, str, str], object], queries: Sequence[Query]) -> list[int]:
    """Latency of each call, timed individually; GC off so pauses are not attributed."""
    clock = time.perf_counter_ns
    samples = [0] * len(queries)
    gc.disable()
    try:
        for i, (agent, package, version) in enumerate(queries):
            start = clock()
            fn(agent, package, version)
            samples[i] = clock() - start
    finally:
        gc.enable()
    return samples


def throughput(fn: Callable[[str, str, str], object], queries: Sequence[Query]) -> float:
    start = time.perf_counter()
    for agent, package, version in queries:
        fn(agent, package, version)
    return len(queries) / (time.perf_counter() - start)


def quantile(samples: list[int], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1000


def report(label: str, samples: list[int], baseline: list[int], rate: float) -> None:
    median, p99 = quantile(samples, 0.5), quantile(samples, 0.99)
    print(
        f"  {label:<30} median {median:6.2f} us  p99 {p99:6.2f} us  "
        f"p99.9 {quantile(samples, 0.999):7.2f} us  "
        f"(x{median / max(quantile(baseline, 0.5), 1e-3):.1f} / "
        f"x{p99 / max(quantile(baseline, 0.99), 1e-3):.1f} baseline)  "
        f"{rate:,.0f} checks/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--calls", type=int, default=200_000, help="timed calls per workload")
    parser.add_argument("--runs", type=int, default=5, help="validate+compile repetitions")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="skillgate-scale-") as tmp:
        root = Path(tmp)
        generate(root, rng)
        print(
            f"policy: {APPROVALS:,} approvals over {PACKAGES:,} package files, "
            f"{AGENTS:,} agents, {SKILLS} skills"
        )
        times: list[float] = []
        cpu: list[float] = []
        bundle: dict[str, object] = {}
        for _ in range(args.runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            bundle = validate_and_compile(root)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        # CPU time next to wall time: on a shared machine the difference is other load.
        print(
            f"validate+compile: median {statistics.median(times):.2f} s wall, "
            f"{statistics.median(cpu):.2f} s CPU "
            f"(wall runs: {', '.join(f'{t:.2f}' for t in times)}; target < 3 s)"
        )
        path = root / "bundle.json"
        path.write_text(render_bundle(bundle), encoding="utf-8")
        loads: list[float] = []
        load_cpu: list[float] = []
        for _ in range(args.runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            engine = Engine.load(path)
            loads.append(time.perf_counter() - start)
            load_cpu.append(time.process_time() - start_cpu)
        print(
            f"bundle load: median {statistics.median(loads) * 1000:.0f} ms wall, "
            f"{statistics.median(load_cpu) * 1000:.0f} ms CPU ({path.stat().st_size / 1e6:.1f} MB)"
        )
        run_latency(engine, path, rng, args.calls)


def run_latency(engine: Engine, path: Path, rng: random.Random, calls: int) -> None:
    hot = random_queries(rng, 1_000)
    table = {q: engine.check(*q) for q in hot}

    def baseline(agent: str, package: str, version: str) -> object:
        return table.get((agent, package, version))

    repeated = [hot[i % len(hot)] for i in range(calls)]
    base = per_call_ns(baseline, repeated)
    allowed = sum(table[q].allowed for q in hot)
    print(f"check latency over {calls:,} calls each ({allowed} of {len(hot)} hot queries allow):")
    print(
        f"  {'baseline (one dict lookup)':<30} median {quantile(base, 0.5):6.2f} us  "
        f"p99 {quantile(base, 0.99):6.2f} us"
    )
    hits = per_call_ns(engine.check, repeated)
    report("repeated (cache hits)", hits, base, throughput(engine.check, repeated))
    fresh = random_queries(rng, calls * 2)
    misses_engine = Engine.load(path)
    misses = per_call_ns(misses_engine.check, fresh[:calls])
    report(
        "first-seen (cache misses)", misses, base, throughput(misses_engine.check, fresh[calls:])
    )
    info = misses_engine.cache_info()
    print(f"  cache after misses: {info.size:,}/{info.maxsize:,} entries, {info.misses:,} misses")
    print("  targets: hits p99 < 5 us, misses p99 < 50 us")


if __name__ == "__main__":
    main()
