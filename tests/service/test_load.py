"""100 concurrent clients for 60 s on loopback while the bundle is replaced several times (once
with a corrupt file, once with a wrongly signed one): no error, and every response carries
a revision that was live while the request was in flight.

Bounded by the request count it makes, never by how fast it goes: nothing asserts a time.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from checker.bundle.signing import generate_keys
from tests.service.conftest import compiled_bundle, start, wait_until
from tests.service.test_bundles import replace, signed

CLIENTS = 100
DURATION_SECONDS = 60.0
PATHS = (
    "/api/packages/check?package_name=pyyaml&version=6.0.2",
    "/api/packages/check?package_name=requests&version=2.32.3",
    "/api/packages/check?package_name=ctx&version=0.2.6",
    "/api/skills/yaml-normalize/check",
)


@dataclass(frozen=True)
class Sample:
    sent: float
    received: float
    status: int
    revision: str


def client(
    port: int, token: str, stop: threading.Event, out: list[Sample], errors: list[str]
) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": f"Bearer {token}"}
    i = 0
    while not stop.is_set():
        path = PATHS[i % len(PATHS)]
        i += 1
        sent = time.monotonic()
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = json.loads(response.read())
        except (OSError, http.client.HTTPException, ValueError) as exc:
            errors.append(f"{path}: {type(exc).__name__}: {exc}")
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            continue
        out.append(Sample(sent, time.monotonic(), response.status, str(body.get("revision"))))
    connection.close()


def test_load_with_bundle_replacements(tmp_path: Path) -> None:
    key, public, other, other_public = (tmp_path / n for n in ("k", "k.pub", "o", "o.pub"))
    generate_keys(key, public)
    generate_keys(other, other_public)
    start(tmp_path, wait=False).stop()
    path = tmp_path / "served.json"
    bundle = compiled_bundle(tmp_path / "policy-repo", path, "rev-1")
    path.write_text(signed(bundle, key, "rev-1"), encoding="utf-8")
    server = start(tmp_path, bundle=path, extra=["--public-key", str(public)])
    stop = threading.Event()
    samples: list[list[Sample]] = [[] for _ in range(CLIENTS)]
    errors: list[str] = []
    threads = [
        threading.Thread(
            target=client, args=(server.port, server.tokens["intern-7"], stop, samples[i], errors)
        )
        for i in range(CLIENTS)
    ]
    # Each step: (what is written, the revision live once the service noticed it).
    steps = [
        (signed(bundle, key, "rev-2"), "rev-2"),
        ("{ this is not a bundle", None),
        (signed(bundle, other, "rev-forged"), None),
        (signed(bundle, key, "rev-3"), "rev-3"),
        (signed(bundle, key, "rev-4"), "rev-4"),
    ]
    # Live windows: a revision may answer from the moment its file is written until the
    # service was seen answering with the next one.
    windows: dict[str, list[float]] = {"rev-1": [float("-inf"), float("inf")]}
    live = "rev-1"
    try:
        for thread in threads:
            thread.start()
        started = time.monotonic()
        for i, (text, new) in enumerate(steps):
            while time.monotonic() < started + (i + 1) * DURATION_SECONDS / (len(steps) + 1):
                time.sleep(0.1)
            failures = server.get("/health/ready").body["bundle_reload_failures"]
            written = time.monotonic()
            replace(path, text)
            if new is None:
                wait_until(
                    lambda f=failures: (
                        server.get("/health/ready").body["bundle_reload_failures"] > f
                    ),
                    "the bad bundle was not refused",
                    server,
                )
                continue
            windows[new] = [written, float("inf")]
            wait_until(
                lambda n=new: server.get("/health/ready").body["bundle"]["revision"] == n,
                f"{new} was not served",
                server,
            )
            windows[live][1] = time.monotonic()
            live = new
        while time.monotonic() < started + DURATION_SECONDS:
            time.sleep(0.1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        server.stop()
    assert errors == []
    flat = [s for per_client in samples for s in per_client]
    assert len(flat) > CLIENTS * 10
    assert {s.status for s in flat} == {200}
    assert {s.revision for s in flat} <= set(windows)
    for sample in flat:
        first, last = windows[sample.revision]
        assert first <= sample.received, sample  # not answered before its bundle was written
        assert sample.sent <= last, sample  # not sent after the next one was seen serving
    assert {s.revision for s in flat} == {"rev-1", "rev-2", "rev-3", "rev-4"}
