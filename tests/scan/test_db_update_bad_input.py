"""A poisoned mirror or a corrupted download cannot take CI down: ``skillgate db update`` on
hostile advisory data exits 3 with a clear message, in bounded memory, and the previous DB
keeps answering.

Each case runs the real command in a child process whose address space is capped
(``RLIMIT_AS``): an import that grew without bound would die of ``MemoryError`` (exit 1 and a
traceback) instead of refusing the input.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from checker.vulns.osv_import import MAX_RECORD_BYTES
from checker.vulns.vuln_index import VulnIndex
from tests.scan.conftest import ADVISORY_DB, VENDORED_RECORDS

CLI = (sys.executable, "-m", "checker.cli.main")
ADDRESS_SPACE_BYTES = 2 << 30  # the whole interpreter with its imports fits well inside
GOOD = "id: GOOD-1\nmodified: '2024-01-01T00:00:00Z'\naffected: []\n"
BILLION_LAUGHS = (
    "id: BOMB-1\nmodified: '2024-01-01T00:00:00Z'\n"
    + "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 10))
    + "affected: *a9\n"
)


def _directory(files: dict[str, bytes]) -> Callable[[Path], Path]:
    def make(root: Path) -> Path:
        source = root / "src"
        source.mkdir()
        for name, data in files.items():
            (source / name).write_bytes(data)
        return source

    return make


def _zip(entries: dict[str, bytes]) -> Callable[[Path], Path]:
    def make(root: Path) -> Path:
        archive = root / "all.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
            for name, data in entries.items():
                out.writestr(name, data)
        return archive

    return make


def _oversized(root: Path) -> Path:
    source = root / "src"
    source.mkdir()
    padding = b"#" * (MAX_RECORD_BYTES + 1)
    (source / "HUGE-1.yaml").write_bytes(GOOD.encode() + padding)
    return source


CASES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "alias bomb": (
        _directory({"BOMB-1.yaml": BILLION_LAUGHS.encode()}),
        r"invalid OSV record .*BOMB-1\.yaml: .*alias",
    ),
    "deeply nested yaml": (
        _directory({"DEEP-1.yaml": (GOOD + "x: " + "[" * 100_000 + "]" * 100_000).encode()}),
        r"invalid OSV record .*DEEP-1\.yaml: .*nest",
    ),
    "deeply nested json": (
        _directory({"DEEP-2.json": b'{"id": "DEEP-2", "x": ' + b"[" * 100_000 + b"]" * 100_000}),
        r"invalid OSV record .*DEEP-2\.json",
    ),
    "oversized file": (_oversized, rf"HUGE-1\.yaml: larger than {MAX_RECORD_BYTES} bytes"),
    "invalid utf-8": (
        _directory({"BAD-1.yaml": GOOD.encode() + b"summary: caf\xe9\n"}),
        r"invalid OSV record .*BAD-1\.yaml: .*UTF-8",
    ),
    "zip entry with ..": (
        _zip({"GOOD-1.yaml": GOOD.encode(), "../../escape.yaml": GOOD.encode()}),
        r"refusing zip entry '\.\./\.\./escape\.yaml' \(a path out\)",
    ),
    "alias bomb in a zip": (
        _zip({"BOMB-1.yaml": BILLION_LAUGHS.encode()}),
        r"invalid OSV record .*all\.zip!BOMB-1\.yaml: .*alias",
    ),
}


def _limit_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_BYTES, ADDRESS_SPACE_BYTES))


def _db_update(db: Path, source: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "db", "update", "--vuln-db", str(db), "--from", str(source)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        preexec_fn=_limit_address_space,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


@pytest.fixture(scope="module")
def previous_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DB imported from the vendored advisories: what must survive every bad update."""
    db = tmp_path_factory.mktemp("previous-db")
    result = _db_update(db, ADVISORY_DB)
    assert result.returncode == 0, result.stderr
    return db


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_advisory_data_is_refused_and_the_previous_db_answers(
    case: str, tmp_path: Path, previous_db: Path
) -> None:
    make, message = CASES[case]
    source = make(tmp_path)
    result = _db_update(previous_db, source)
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Error: ")
    assert re.search(message, line), line
    index = VulnIndex.open(previous_db)
    try:
        assert index.info.records == VENDORED_RECORDS
        assert [r.id for r in index.records("pyyaml")]  # still answers for a vendored package
    finally:
        index.close()
    info = subprocess.run(
        [*CLI, "db", "info", "--json", "--vuln-db", str(previous_db)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(info.stdout)["records"] == VENDORED_RECORDS
    assert not (tmp_path.parent / "escape.yaml").exists()
