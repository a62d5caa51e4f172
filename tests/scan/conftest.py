"""Fixtures for scan tests: the vendored PyPA advisories imported once, repos with real locks."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path

from checker.lock.lockfile import Lock, LockedFile, LockedPackage, render_lock, sha256_text
from tests.conftest import ADVISORY_DB, advisory_index

__all__ = ["ADVISORY_DB", "advisory_index"]  # the session fixture, shared with the CLI tests
VENDORED_RECORDS = sum(1 for _ in (ADVISORY_DB / "vulns").glob("*/*.yaml"))
VENDORED_PACKAGES = sum(1 for _ in (ADVISORY_DB / "vulns").iterdir())
TARGET = "cp311-manylinux_2_36_x86_64"
# The vendored snapshot is from 2024-10; tests that are not about DB age accept it.
OLD_DB_OK = "max_db_age_days: 36500\n"

Pin = tuple[str, str]


def locked(name: str, version: str, artifact: Path | None = None) -> LockedPackage:
    """A locked package; its artifact is ``artifact`` (hashed for real) or a placeholder."""
    if artifact is not None:
        digest = hashlib.sha256(artifact.read_bytes()).hexdigest()
        filename, url = artifact.name, artifact.as_uri()
    else:
        digest = hashlib.sha256(f"{name}=={version}".encode()).hexdigest()
        filename = f"{name.replace('-', '_')}-{version}-py3-none-any.whl"
        url = f"file:///nonexistent/{filename}"
    return LockedPackage(
        name=name,
        version=version,
        hashes=(f"sha256:{digest}",),
        parents=(),
        index_url="https://pypi.org/simple",
        files=(LockedFile(filename=filename, url=url, sha256=digest),),
    )


def lock_text(packages: Sequence[LockedPackage], skill: str = "demo") -> str:
    """A lock file as ``skillgate lock`` writes it."""
    lock = Lock(
        packages=tuple(packages),
        requirements_digest=sha256_text(skill),
        target=TARGET,
        skill=skill,
    )
    return render_lock(lock)


def make_repo(
    root: Path,
    skills: Mapping[str, Sequence[LockedPackage]],
    scanning: str | None = OLD_DB_OK,
) -> Path:
    """A policy repository with one locked skill per entry of ``skills``."""
    (root / "policy").mkdir(parents=True, exist_ok=True)
    if scanning is not None:
        (root / "policy" / "scanning.yaml").write_text(scanning, encoding="utf-8")
    for skill, packages in skills.items():
        directory = root / "skills" / skill
        directory.mkdir(parents=True)
        requirements = "".join(f"  - {p.name}=={p.version}\n" for p in packages)
        (directory / "skill.yaml").write_text(
            f"id: {skill}\ndescription: test\nowner: t\nmin_level: INTERN\n"
            f"entrypoint: main.py\nrequirements:\n{requirements or '  []'}\n",
            encoding="utf-8",
        )
        (directory / "requirements.lock").write_text(lock_text(packages, skill), encoding="utf-8")
    return root


def pin_line(repo: Path, skill: str, pin: str) -> int:
    """The 1-based line of ``pin`` (``name==version``) in a skill's lock."""
    text = (repo / "skills" / skill / "requirements.lock").read_text(encoding="utf-8")
    return next(i for i, line in enumerate(text.splitlines(), 1) if line.startswith(pin))


def pins(items: Sequence[Pin]) -> list[LockedPackage]:
    """Locked packages with placeholder artifacts."""
    return [locked(name, version) for name, version in items]
