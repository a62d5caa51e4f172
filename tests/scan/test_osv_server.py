"""The local OSV query endpoint: loopback only, OSV API answers, errors as HTTP errors."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from checker.vulns.osv_server import OsvQueryServer


def post(url: str, body: bytes) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def query(name: str, version: str, ecosystem: str = "PyPI") -> bytes:
    return json.dumps(
        {"package": {"name": name, "ecosystem": ecosystem}, "version": version}
    ).encode()


def test_answers_like_the_osv_api(advisory_index: Path) -> None:
    with OsvQueryServer(advisory_index) as server:
        assert server.url.startswith("http://127.0.0.1:")
        assert not server.url.endswith(":0/v1/query")
        status, body = post(server.url, query("Requests", "2.28.0"))
        assert status == 200
        assert [v["id"] for v in body["vulns"]] == ["PYSEC-2023-74"]
        # Dates stay RFC 3339 strings: pip-audit parses them with strptime.
        assert body["vulns"][0]["published"] == "2023-05-26T18:15:00Z"
        assert post(server.url, query("requests", "2.32.3")) == (200, {})
        assert post(server.url, query("requests", "2.28.0", "npm")) == (200, {})


@pytest.mark.parametrize(
    "body",
    [b"{not json", json.dumps({"version": "1.0"}).encode(), query("requests", "not a version")],
)
def test_bad_queries_are_400(advisory_index: Path, body: bytes) -> None:
    with OsvQueryServer(advisory_index) as server:
        status, _ = post(server.url, body)
    assert status == 400


def test_other_paths_are_404(advisory_index: Path) -> None:
    with OsvQueryServer(advisory_index) as server:
        status, _ = post(server.url.replace("/v1/query", "/v1/querybatch"), query("a", "1"))
    assert status == 404
