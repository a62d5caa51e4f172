"""Fixtures for lock tests: an isolated pip configuration and a loopback index."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.lock.local_index import make_wheel, serve, write_index

_PIP_VARIABLES = (
    "PIP_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "PIP_FIND_LINKS",
    "PIP_NO_INDEX",
    "PIP_CONSTRAINT",
    "PIP_REQUIRE_VIRTUALENV",
)


@pytest.fixture
def isolated_pip(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """pip without this machine's pip.conf or PIP_* settings; returns the artifacts cache."""
    for name in _PIP_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    cache = tmp_path / "cache"
    monkeypatch.setenv("SKILLGATE_CACHE", str(cache))
    return cache


@dataclass(frozen=True)
class Index:
    """A loopback index: its root directory (to add files) and its simple URL."""

    root: Path
    url: str

    @property
    def simple(self) -> str:
        return f"{self.url}/simple"


@pytest.fixture
def wheels(tmp_path: Path) -> Path:
    """A directory of tiny wheels: alpha 1.0 -> beta (1.0, 2.0); extras pull gamma."""
    directory = tmp_path / "built"
    directory.mkdir()
    make_wheel(
        directory,
        "alpha",
        "1.0",
        requires=["beta>=1", 'gamma>=1; extra == "fast"', 'delta; python_version < "3"'],
        extras=["fast"],
    )
    make_wheel(directory, "beta", "1.0")
    make_wheel(directory, "beta", "2.0")
    make_wheel(directory, "gamma", "1.0", requires=["beta"])
    make_wheel(directory, "delta", "1.0")
    return directory


@pytest.fixture
def index(
    tmp_path: Path, wheels: Path, isolated_pip: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Index]:
    """The wheels served on 127.0.0.1 as the only index pip knows (``PIP_INDEX_URL``)."""
    root = tmp_path / "index"
    write_index(root, sorted(wheels.iterdir()))
    with serve(root) as url:
        served = Index(root=root, url=url)
        monkeypatch.setenv("PIP_INDEX_URL", served.simple)
        yield served


SKILL_YAML = """\
id: {id}
description: test skill
owner: tests
min_level: INTERN
entrypoint: main.py
requirements:
{requirements}
"""

MATURITY_YAML = """\
levels:
  - name: STUDENT
    packages: false
  - name: INTERN
    packages: true
default_level: STUDENT
"""


def write_repo(root: Path, skills: dict[str, list[str]], bans: str = "") -> Path:
    """A minimal policy repository with ``skills`` (id -> requirements)."""
    (root / "policy").mkdir(parents=True, exist_ok=True)
    (root / "policy" / "maturity.yaml").write_text(MATURITY_YAML)
    if bans:
        (root / "policy" / "bans.yaml").write_text(bans)
    for skill_id, requirements in skills.items():
        write_skill(root, skill_id, requirements)
    return root


def write_skill(root: Path, skill_id: str, requirements: list[str]) -> None:
    """(Re)write ``skills/<id>/skill.yaml``."""
    directory = root / "skills" / skill_id
    directory.mkdir(parents=True, exist_ok=True)
    lines = "\n".join(f"  - {r!r}" for r in requirements) or "  []"
    text = SKILL_YAML.format(id=skill_id, requirements=lines)
    if not requirements:
        text = text.replace("requirements:\n  []", "requirements: []")
    (directory / "skill.yaml").write_text(text)
    (directory / "main.py").write_text("print('hello')\n")
