"""Bundles the service trusts: signed ones only (with --public-key), swapped atomically, a bad
new one refused while the last good one keeps serving; from a file or a URL with ETag."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from checker.bundle.build import render_bundle
from checker.bundle.signing import generate_keys, sign_bundle
from tests.service.conftest import Server, compiled_bundle, start, wait_until

CHECK = "/api/packages/check?package_name=pyyaml&version=6.0.2"


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, Path]:
    paths = {}
    for name in ("good", "other"):
        paths[name] = tmp_path / f"{name}.key"
        paths[f"{name}.pub"] = tmp_path / f"{name}.pub"
        generate_keys(paths[name], paths[f"{name}.pub"])
    return paths


def signed(bundle: dict[str, Any], key: Path, revision: str) -> str:
    return render_bundle(sign_bundle({**bundle, "revision": revision}, key))


def replace(path: Path, text: str) -> None:
    """Atomically, as a deploy would (write beside, then rename)."""
    partial = path.with_name(path.name + ".new")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def revision(server: Server) -> str:
    return str(server.get(CHECK, server.tokens["intern-7"]).body["revision"])


def test_an_unsigned_bundle_is_refused_at_start(tmp_path: Path, keys: dict[str, Path]) -> None:
    server = start(tmp_path, extra=["--public-key", str(keys["good.pub"])], wait=False)
    assert server.process.wait(timeout=60) == 3
    assert "the bundle is not signed" in server.stderr()


def test_a_bundle_signed_by_another_key_is_refused_at_start(
    tmp_path: Path, keys: dict[str, Path]
) -> None:
    start(tmp_path, wait=False).stop()  # lays out the policy repository and tokens
    bundle = compiled_bundle(tmp_path / "policy-repo", tmp_path / "b.json", "rev-1")
    (tmp_path / "b.json").write_text(signed(bundle, keys["other"], "rev-1"), encoding="utf-8")
    server = start(
        tmp_path,
        bundle=tmp_path / "b.json",
        extra=["--public-key", str(keys["good.pub"])],
        wait=False,
    )
    assert server.process.wait(timeout=60) == 3
    assert "signed by key" in server.stderr()


def test_reloads_swap_good_bundles_and_refuse_bad_ones(
    tmp_path: Path, keys: dict[str, Path]
) -> None:
    start(tmp_path, wait=False).stop()
    path = tmp_path / "served.json"
    bundle = compiled_bundle(tmp_path / "policy-repo", path, "rev-1")
    path.write_text(signed(bundle, keys["good"], "rev-1"), encoding="utf-8")
    server = start(tmp_path, bundle=path, extra=["--public-key", str(keys["good.pub"])])
    try:
        assert revision(server) == "rev-1"
        assert server.get("/health/ready").body["bundle"]["signed"] is True

        replace(path, signed(bundle, keys["good"], "rev-2"))
        wait_until(lambda: revision(server) == "rev-2", "rev-2 was not served", server)

        for bad, why in (
            ("{ corrupt", "not valid JSON"),
            (signed(bundle, keys["other"], "rev-evil"), "signed by key"),
            (render_bundle({**bundle, "revision": "rev-unsigned"}), "the bundle is not signed"),
        ):
            failures = server.get("/health/ready").body["bundle_reload_failures"]
            replace(path, bad)
            wait_until(
                lambda f=failures: server.get("/health/ready").body["bundle_reload_failures"] > f,
                f"the bad bundle ({why}) was not noticed",
                server,
            )
            ready = server.get("/health/ready")
            assert ready.status == 200  # the last good bundle still serves
            assert why in ready.body["bundle_error"]
            assert revision(server) == "rev-2"

        metrics = server.get("/metrics", server.tokens["operator"]).body
        assert "skillgate_bundle_reload_failures_total 3.0" in metrics
        replace(path, signed(bundle, keys["good"], "rev-3"))
        wait_until(lambda: revision(server) == "rev-3", "rev-3 was not served", server)
        assert server.get("/health/ready").body["bundle_error"] is None
    finally:
        server.stop()


class _BundleHandler(http.server.BaseHTTPRequestHandler):
    """Serves one bundle with a strong ETag and answers 304 to a matching If-None-Match."""

    body = b""
    requests: ClassVar[list[str | None]] = []

    def do_GET(self) -> None:
        etag = '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'
        asked = self.headers.get("If-None-Match")
        type(self).requests.append(asked)
        if asked == etag:
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("ETag", etag)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture
def bundle_url() -> Iterator[tuple[str, type[_BundleHandler]]]:
    handler = type("Handler", (_BundleHandler,), {"body": b"", "requests": []})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/bundle.json", handler
    httpd.shutdown()
    httpd.server_close()


def test_a_bundle_url_is_polled_with_etag(
    tmp_path: Path, bundle_url: tuple[str, type[_BundleHandler]]
) -> None:
    url, handler = bundle_url
    start(tmp_path, wait=False).stop()
    bundle = compiled_bundle(tmp_path / "policy-repo", tmp_path / "b.json", "rev-1")
    handler.body = json.dumps(bundle).encode()
    server = start(tmp_path, extra=["--bundle", url])
    try:
        assert revision(server) == "rev-1"
        wait_until(lambda: handler.requests.count(None) < len(handler.requests), "no ETag sent")
        handler.body = json.dumps({**bundle, "revision": "rev-2"}).encode()
        wait_until(lambda: revision(server) == "rev-2", "the new bundle was not fetched", server)
    finally:
        server.stop()
