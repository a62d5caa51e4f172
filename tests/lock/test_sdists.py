"""Finding an sdist on an index (PEP 691 JSON, PEP 503 HTML) and reading it as data only."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from checker.exit_codes import SkillgateError
from checker.lock.sdists import LEGACY_BUILD_REQUIRES, find_release, index_urls, read_sdist
from checker.lock.target import Target
from tests.lock.conftest import Index
from tests.lock.local_index import make_project_sdist, make_wheel, write_index
from tests.lock.source_packages import BUILD_SYSTEM, make_tiny_sdist

JSON_TYPE = "application/vnd.pypi.simple.v1+json"


class _Pep691(BaseHTTPRequestHandler):
    """A project page in PEP 691 JSON (relative URLs), 404 for every other project."""

    files: ClassVar[list[dict[str, object]]] = []

    def do_GET(self) -> None:
        if self.path.rstrip("/") != "/simple/tinylib" or JSON_TYPE not in str(
            self.headers.get("Accept")
        ):
            self.send_error(404)
            return
        body = json.dumps({"meta": {"api-version": "1.0"}, "files": self.files}).encode()
        self.send_response(200)
        self.send_header("Content-Type", JSON_TYPE)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def json_index() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pep691)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/simple"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_pep_691_json_page(json_index: str) -> None:
    _Pep691.files = [
        {"filename": "tinylib-1.0.zip", "url": "../../f/tinylib-1.0.zip", "hashes": {}},
        {"filename": "tinylib-1.0.tar.gz", "url": "../../f/a.tgz", "hashes": {"sha256": "AB"}},
        {"filename": "tinylib-2.0-py3-none-any.whl", "url": "/f/x.whl", "hashes": {}},
        {"filename": "tinylib-1.0-cp39-cp39-win_amd64.whl", "url": "/f/w.whl", "hashes": {}},
    ]
    release = find_release("TinyLib", "1.0", Target(), {"PIP_INDEX_URL": json_index})
    assert release is not None
    assert release.index_url == json_index
    assert not release.has_target_wheel  # 2.0 has one; the windows wheel does not fit
    assert release.sdist is not None
    # .tar.gz is preferred over .zip; relative URLs are resolved against the page.
    assert release.sdist.filename == "tinylib-1.0.tar.gz"
    assert release.sdist.url == f"{json_index.removesuffix('/simple')}/f/a.tgz"
    assert release.sdist.sha256 == "ab"
    assert find_release("other", "1.0", Target(), {"PIP_INDEX_URL": json_index}) is None


def test_pep_503_page_and_the_order_of_indexes(index: Index) -> None:
    sdist = make_tiny_sdist(index.root / "files", "tinylib", "1.0", module="x = 1\n")
    make_wheel(index.root / "files", "tinylib", "2.0")
    write_index(index.root, sorted((index.root / "files").iterdir()))
    env = {"PIP_INDEX_URL": index.simple}
    release = find_release("tinylib", "1.0", Target(), env)
    assert release is not None
    assert release.sdist is not None
    assert release.sdist.url == f"{index.url}/files/tinylib-1.0.tar.gz"
    assert release.sdist.sha256 == hashlib.sha256(sdist.read_bytes()).hexdigest()
    newer = find_release("tinylib", "2.0", Target(), env)
    assert newer is not None
    assert (newer.has_target_wheel, newer.sdist) == (True, None)
    # Extra indexes are asked first (uv's order), then the default one.
    assert index_urls({"PIP_INDEX_URL": "a", "PIP_EXTRA_INDEX_URL": "b c"}) == (["b", "c", "a"], [])
    assert index_urls({"UV_DEFAULT_INDEX": "u", "PIP_INDEX_URL": "p"}) == (["u"], [])
    assert index_urls({"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": "d"}) == ([], ["d"])
    assert index_urls({}) == (["https://pypi.org/simple"], [])


def test_find_links_directory(tmp_path: Path) -> None:
    links = tmp_path / "links"
    links.mkdir()
    make_tiny_sdist(links, "tinylib", "1.0", module="x = 1\n")
    release = find_release(
        "tinylib", "1.0", Target(), {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(links)}
    )
    assert release is not None
    assert release.sdist is not None
    assert release.sdist.url == (links / "tinylib-1.0.tar.gz").resolve().as_uri()


def test_unreachable_index_cannot_decide(tmp_path: Path) -> None:
    with pytest.raises(
        SkillgateError, match=re.escape("cannot read http://127.0.0.1:9/simple/tinylib/")
    ):
        find_release("tinylib", "1.0", Target(), {"PIP_INDEX_URL": "http://127.0.0.1:9/simple"})


def test_static_metadata_of_an_sdist(tmp_path: Path) -> None:
    declared = make_tiny_sdist(tmp_path, "tinylib", "1.0", module="x = 1\n")
    info = read_sdist(declared, "TinyLib", "1.0.0")
    assert (info.name, info.version) == ("tinylib", "1.0.0")
    assert info.build_requires == ("tinybuild==1.0",)
    # No pyproject.toml, or one without [build-system]: PEP 517's legacy default.
    legacy = make_tiny_sdist(tmp_path, "old", "2", module="", build_system=None)
    assert read_sdist(legacy, "old", "2").build_requires == LEGACY_BUILD_REQUIRES
    tool_only = make_tiny_sdist(
        tmp_path, "tool", "3", module="", build_system="[tool.black]\nline-length = 1\n"
    )
    assert read_sdist(tool_only, "tool", "3").build_requires == LEGACY_BUILD_REQUIRES


@pytest.mark.parametrize(
    ("build_system", "message"),
    [
        ("[build-system]\nbuild-backend = 'x'\n", "has no 'requires' list"),
        ("[build-system\n", "unreadable pyproject.toml"),
    ],
)
def test_bad_build_system_is_refused(tmp_path: Path, build_system: str, message: str) -> None:
    sdist = make_tiny_sdist(tmp_path, "tinylib", "1.0", module="", build_system=build_system)
    with pytest.raises(SkillgateError, match=message):
        read_sdist(sdist, "tinylib", "1.0")


def test_an_sdist_of_another_release_is_refused(tmp_path: Path) -> None:
    sdist = make_project_sdist(tmp_path, "tinylib", "1.0", {}, build_system=BUILD_SYSTEM)
    with pytest.raises(
        SkillgateError, match=re.escape("says it is tinylib==1.0, not tinylib==2.0")
    ):
        read_sdist(sdist, "tinylib", "2.0")
    broken = tmp_path / "broken-1.0.tar.gz"
    broken.write_bytes(b"not an archive")
    with pytest.raises(SkillgateError, match=re.escape("cannot read the sdist broken-1.0.tar.gz")):
        read_sdist(broken, "broken", "1.0")
