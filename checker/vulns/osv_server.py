"""A local OSV query endpoint over our index, for pip-audit's ``--osv-url``.

It answers ``POST /v1/query`` with ``{"package": {"name", "ecosystem"}, "version"}`` like
api.osv.dev does: ``{"vulns": [record, ...]}``, or ``{}`` when nothing matches. It binds
127.0.0.1 on an ephemeral port only: it exists for one audit on this machine.
"""

from __future__ import annotations

import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from checker.vulns.matcher import match_record
from checker.vulns.osv_model import ECOSYSTEM_PYPI, OsvRecord
from checker.vulns.vuln_index import VulnIndex

QUERY_PATH = "/v1/query"
MAX_BODY_BYTES = 65_536


class OsvQueryServer:
    """``with OsvQueryServer(db_dir) as server:`` serves ``server.url`` until the block ends."""

    def __init__(self, db_dir: Path) -> None:
        self._index = VulnIndex.open(db_dir, shared=True)
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The query URL to hand to ``pip-audit --osv-url``."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}{QUERY_PATH}"

    def __enter__(self) -> OsvQueryServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()
        self._index.close()

    def answer(self, query: Any) -> tuple[HTTPStatus, dict[str, Any]]:
        """The OSV API answer to one decoded query body."""
        try:
            package = query["package"]
            ecosystem, name, text = package["ecosystem"], package["name"], query["version"]
            version = Version(text)
        except (KeyError, TypeError, InvalidVersion):
            return HTTPStatus.BAD_REQUEST, {"message": "expected package.name, ecosystem, version"}
        if ecosystem != ECOSYSTEM_PYPI:
            return HTTPStatus.OK, {}
        name = canonicalize_name(name)
        with self._lock:
            raw = self._index.raw_records(name)
        vulns = [
            _servable(body)
            for body in raw
            if match_record(OsvRecord.from_dict(body, str(body.get("id"))), name, version)
        ]
        return HTTPStatus.OK, ({"vulns": vulns} if vulns else {})


def _servable(body: dict[str, Any]) -> dict[str, Any]:
    """The record without range events whose version is not PEP 440 (``fixed: 2019-09-12``):
    pip-audit crashes on them. It reports ids and fix versions only; the match was ours."""
    out = dict(body)
    affected = []
    for entry in body.get("affected") or []:
        ranges = [
            {**vrange, "events": [e for e in vrange.get("events") or [] if _parseable(e)]}
            for vrange in entry.get("ranges") or []
        ]
        affected.append({**entry, "ranges": ranges})
    out["affected"] = affected
    return out


def _parseable(event: Any) -> bool:
    if not isinstance(event, dict):
        return False
    for value in event.values():
        if value == "0":
            continue
        try:
            Version(str(value))
        except InvalidVersion:
            return False
    return True


def _make_handler(server: OsvQueryServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            if self.path != QUERY_PATH:
                self._send(HTTPStatus.NOT_FOUND, {"message": "not found"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"message": "too large"})
                return
            try:
                query = json.loads(self.rfile.read(length))
            except (json.JSONDecodeError, UnicodeDecodeError):
                self._send(HTTPStatus.BAD_REQUEST, {"message": "invalid JSON"})
                return
            try:
                status, body = server.answer(query)
            except Exception as exc:  # noqa: BLE001 - a 500 makes pip-audit fail, never pass
                status, body = HTTPStatus.INTERNAL_SERVER_ERROR, {"message": str(exc)}
            self._send(status, body)

        def _send(self, status: HTTPStatus, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Requests are not logged: stderr belongs to the CLI's own messages."""

    return Handler
