"""Sandbox latency: plain ``docker run`` as the baseline, our cold run, our warm-pool run.

Everything is measured in one run on the same machine, with the same image (the chosen
skill's), executing ``print(1)``:

* baseline: ``docker run --rm --network none IMAGE python3 -c 'print(1)'`` (the CLI);
* cold: ``SkillSandbox.run`` (policy decision, hardened create, start, wait, remove);
* cold CLI: ``skillgate run SKILL --code 'print(1)'`` as a subprocess (adds CLI start-up);
* warm: ``SkillSandbox.run`` with a warm pool, waiting for the pool to refill between
  executions (that wait is not counted).

Then the cold build time of every example skill (its image removed first) and the
no-op rebuild time. Prints medians, p95 and p99 and ratios to the baseline.

Usage: ``python benchmarks/sandbox_latency.py [--repo .] [--runs 30] [--skill word-stats]
[--agent new-hire] [--no-builds]``. Needs a Docker engine and a built base image.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docker.errors

from checker.bundle.revision import git_revision
from checker.lock.target import Target, target_for
from checker.policy.load import load_repo
from sandbox.base_image import BaseImage, require_base
from sandbox.build import build_key, build_skill, image_tag
from sandbox.engine import connect
from sandbox.skill_sandbox import SkillSandbox


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def measure(
    runs: int, action: Callable[[], None], before: Callable[[], None] | None = None
) -> list[float]:
    timings = []
    for _ in range(runs):
        if before is not None:
            before()
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return timings


def report(name: str, timings: list[float], baseline: float | None) -> None:
    median = statistics.median(timings)
    ratio = f"{median / baseline:6.2f}x" if baseline else "  1.00x"
    p95 = percentile(timings, 0.95) * 1000
    p99 = percentile(timings, 0.99) * 1000
    print(
        f"{name:<28} median {median * 1000:8.1f} ms   p95 {p95:8.1f} ms"
        f"   p99 {p99:8.1f} ms   vs baseline {ratio}"
    )


def check(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{command} failed ({done.returncode}): {done.stderr}")


def latencies(args: argparse.Namespace, image: str) -> None:
    docker_run = ["docker", "run", "--rm", "--network", "none", image, "python3", "-c", "print(1)"]
    check(docker_run)  # warm the page cache before anything is timed
    baseline = measure(args.runs, lambda: check(docker_run))
    base_median = statistics.median(baseline)
    report("baseline docker run", baseline, None)

    with SkillSandbox(args.repo) as cold_sandbox:

        def cold() -> None:
            result = cold_sandbox.run(agent=args.agent, skill=args.skill, code="print(1)")
            assert result.stdout == b"1\n", result

        cold()
        report("skillgate cold (in-process)", measure(args.runs, cold), base_median)

    cli = [sys.executable, "-m", "checker.cli.main", "run", args.skill, "--agent", args.agent]
    cli = [sys.executable, "-c", "from checker.cli.main import main; main()", *cli[3:]]
    cli += ["--code", "print(1)", "--repo", str(args.repo)]
    report("skillgate cold (CLI)", measure(args.runs, lambda: check(cli)), base_median)

    with SkillSandbox(args.repo, pool_size=2) as warm_sandbox:
        warm_sandbox.warm(agent=args.agent, skill=args.skill, code=True)
        hits: list[bool] = []

        def refilled() -> None:
            pool = warm_sandbox._pool
            deadline = time.monotonic() + 10
            while pool is not None and time.monotonic() < deadline:
                if all(len(queue) >= 2 for queue in pool._ready.values()):
                    return
                time.sleep(0.01)

        def warm() -> None:
            result = warm_sandbox.run(agent=args.agent, skill=args.skill, code="print(1)")
            assert result.stdout == b"1\n", result
            hits.append(result.warm)

        warm_timings = measure(args.runs, warm, before=refilled)
        report("skillgate warm pool", warm_timings, base_median)
        print(f"warm hits: {sum(hits)}/{len(hits)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=Path())
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--skill", default="word-stats")
    parser.add_argument("--agent", default="new-hire")
    parser.add_argument("--no-builds", action="store_true", help="Skip the build timings.")
    args = parser.parse_args()

    client = connect()
    loaded = load_repo(args.repo)
    policy = loaded.sandbox_policy()
    base = require_base(client, policy.base)
    target = target_for(policy.base)
    revision = git_revision(args.repo)
    skill = loaded.skills[args.skill]
    image = build_skill(client, skill, base, target, revision=revision).tag
    print(f"image {image}; {args.runs} executions each; engine {client.version()['Version']}")

    latencies(args, image)

    if not args.no_builds:
        print()
        build_times(client, loaded.skills, base, target, revision)


def build_times(
    client: Any, skills: dict[str, Any], base: BaseImage, target: Target, revision: str
) -> None:
    for skill_id, example in sorted(skills.items()):
        tag = image_tag(example, build_key(example, base, target))
        with contextlib.suppress(docker.errors.ImageNotFound):
            client.images.remove(tag)
        started = time.perf_counter()
        build_skill(client, example, base, target, revision=revision)
        cold_build = time.perf_counter() - started

        def rebuild(example: Any = example) -> None:
            result = build_skill(client, example, base, target, revision=revision)
            assert not result.built, result

        noop = measure(5, rebuild)
        print(
            f"build {skill_id:<18} cold {cold_build:6.2f} s   no-op rebuild median "
            f"{statistics.median(noop) * 1000:6.1f} ms"
        )


if __name__ == "__main__":
    main()
