"""The HTTP service against the in-process Engine, and execution against ``docker run --rm``.

One run, loopback only, the test suite's team repository (and, for execution, the docker
fixture repository's `plain` skill, built if needed):

1. baseline: ``Engine.check`` in process (repeated query, cache hit);
2. ``GET /api/packages/check`` sequentially over one keep-alive connection (http.client);
3. throughput under concurrency: wrk (Debian's ``wrk`` package) with 50 connections;
4. ``POST /api/skills/plain/execute`` through the warm pool, against
   ``docker run --rm --network none IMAGE python3 -c 'print(1)'``.

    python benchmarks/service.py [--requests 5000] [--runs 30] [--no-execute]
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from checker.runtime import Engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.service.conftest import compiled_bundle, start  # noqa: E402

PATH = "/api/packages/check?package_name=pyyaml&version=6.0.2"


def summary(label: str, samples: list[float], base: float | None = None) -> str:
    ordered = sorted(samples)
    median = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    ratio = f"  x{median / base:.2f} baseline" if base else ""
    return f"  {label:<44} median {median * 1e6:9.1f} us  p99 {p99 * 1e6:9.1f} us{ratio}"


def in_process(bundle: Path, requests: int) -> list[float]:
    engine = Engine.load(bundle)
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        engine.check("intern-7", "pyyaml", "6.0.2")
        samples.append(time.perf_counter() - started)
    return samples


def sequential(port: int, token: str, requests: int) -> list[float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}"}
    samples = []
    for i in range(requests + 200):
        started = time.perf_counter()
        connection.request("GET", PATH, headers=headers)
        response = connection.getresponse()
        response.read()
        if i >= 200:  # the first 200 warm the connection and the caches
            samples.append(time.perf_counter() - started)
        assert response.status == 200
    connection.close()
    return samples


def throughput(port: int, token: str, seconds: int) -> str:
    if shutil.which("wrk") is None:
        return "  wrk is not installed (apt-get install wrk): throughput not measured"
    done = subprocess.run(
        [
            "wrk", "-t", "1", "-c", "50", "-d", f"{seconds}s", "--latency",
            "-H", f"Authorization: Bearer {token}",
            f"http://127.0.0.1:{port}{PATH}",
        ],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    lines = [line.strip() for line in done.stdout.splitlines()]
    keep = [
        line
        for line in lines
        if line.startswith(("Requests/sec", "50%", "99%", "Non-2xx", "Socket errors"))
    ]
    return "  wrk, 1 thread, 50 connections: " + "; ".join(keep)


def execute(root: Path, runs: int) -> None:
    from checker.lock.target import target_for  # noqa: PLC0415
    from checker.policy.load import load_repo  # noqa: PLC0415
    from sandbox.base_image import require_base  # noqa: PLC0415
    from sandbox.build import build_skill  # noqa: PLC0415
    from sandbox.engine import connect  # noqa: PLC0415

    repo = root / "docker-repo"
    shutil.copytree(ROOT / "tests/docker/fixtures/repo", repo)
    loaded = load_repo(repo)
    settings = loaded.sandbox_policy()
    client = connect()
    base = require_base(client, settings.base)
    image = build_skill(
        client, loaded.skills["plain"], base, target_for(settings.base), revision="b"
    )
    baseline = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            ["docker", "run", "--rm", "--network", "none", image.image_id, "python3", "-c",
             "print(1)"],
            check=True, capture_output=True,
        )  # fmt: skip
        baseline.append(time.perf_counter() - started)
    server = start(root / "exec", source=repo, agents=("trusted-bot",), repo=repo)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        headers = {
            "Authorization": f"Bearer {server.tokens['trusted-bot']}",
            "Content-Type": "application/json",
        }
        body = json.dumps({"code": "print(1)"}).encode()
        samples, warm = [], 0
        for i in range(runs + 5):
            started = time.perf_counter()
            connection.request("POST", "/api/skills/plain/execute", body=body, headers=headers)
            response = connection.getresponse()
            reply = json.loads(response.read())
            assert response.status == 200, reply
            if i >= 5:  # the pool fills in the background at start
                samples.append(time.perf_counter() - started)
                warm += bool(reply["warm"])
            time.sleep(0.2)  # let the pool refill, as between an agent's calls
        connection.close()
    finally:
        server.stop()
    base_median = statistics.median(baseline)
    print(f"execution, {runs} runs each (print(1) in the `plain` skill's image):")
    print(summary("docker run --rm (baseline)", baseline))
    print(summary(f"POST execute via service ({warm}/{runs} warm)", samples, base_median))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--no-execute", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="skillgate-bench-") as tmp:
        root = Path(tmp)
        server = start(root / "decide")
        try:
            bundle = root / "decide" / "bundle.json"
            compiled_bundle(root / "decide" / "policy-repo", bundle, "rev-1")
            base = in_process(bundle, args.requests)
            http_samples = sequential(server.port, server.tokens["intern-7"], args.requests)
            print(f"policy check, {args.requests} queries each (team repository bundle):")
            print(summary("Engine.check in process (baseline)", base))
            print(
                summary(
                    "GET /api/packages/check, keep-alive, sequential",
                    http_samples,
                    statistics.median(base),
                )
            )
            print(f"  sequential throughput {1 / statistics.mean(http_samples):,.0f} checks/s")
            print(throughput(server.port, server.tokens["intern-7"], args.seconds))
        finally:
            server.stop()
        if not args.no_execute:
            execute(root, args.runs)


if __name__ == "__main__":
    main()
