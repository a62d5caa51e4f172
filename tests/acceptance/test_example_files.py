"""Walk the example corpus: every valid example validates, every invalid one names its finding.

Each example is an overlay on ``tests/examples/base`` (a small valid repository):
its files replace or add to the base; ``expect.yaml`` lists the findings ``validate``
must print (rule, file, line) and optionally files to ``delete`` from the base or a
file to ``generate`` (name and size in bytes, for limits a committed file should not
carry).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import run_cli

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
INVALID = sorted(p for p in (EXAMPLES / "invalid").iterdir() if p.is_dir())
VALID = (
    sorted(p for p in (EXAMPLES / "valid").iterdir() if p.is_dir())
    if (EXAMPLES / "valid").is_dir()
    else []
)


def assemble(example: Path, target: Path) -> dict[str, Any]:
    """Base repository + the example's files; returns the example's expectations."""
    shutil.copytree(EXAMPLES / "base", target)
    expect_file = example / "expect.yaml"
    expect: dict[str, Any] = (
        yaml.safe_load(expect_file.read_text()) if expect_file.is_file() else {}
    )
    for rel in expect.get("delete", []):
        path = target / rel
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    for source in sorted(example.rglob("*")):
        rel = source.relative_to(example)
        if source.is_file() and rel.as_posix() != "expect.yaml":
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target / rel)
    generate = expect.get("generate")
    if generate:
        path = target / generate["file"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(generate.get("prefix", "a: ").encode() + b"x" * int(generate["bytes"]))
    return expect


def test_base_is_valid(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES / "base", tmp_path / "repo")
    result = run_cli(["validate", "--repo", str(tmp_path / "repo")])
    assert result.exit_code == 0, result.stdout


@pytest.mark.parametrize("example", INVALID, ids=[p.name for p in INVALID])
def test_invalid_example(example: Path, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    expect = assemble(example, repo)
    result = run_cli(["validate", "--repo", str(repo), "--format", "json"])
    assert result.exit_code == 1, result.stdout
    found = {(f["rule"], f["file"], f["line"]) for f in json.loads(result.stdout)["findings"]}
    for wanted in expect["findings"]:
        assert (wanted["rule"], wanted["file"], wanted["line"]) in found, found
    text = run_cli(["validate", "--repo", str(repo)])
    first = expect["findings"][0]
    where = f"{first['file']}:{first['line']}:" if first["line"] else f"{first['file']}: "
    assert where in text.stdout
    assert first["rule"] in text.stdout


@pytest.mark.parametrize("example", VALID, ids=[p.name for p in VALID])
def test_valid_example(example: Path, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    assemble(example, repo)
    result = run_cli(["validate", "--repo", str(repo)])
    assert result.exit_code == 0, result.stdout
