"""The wheels a skill image installs, fetched on the host and never executed there.

From the skill's lock (``requirements.lock``) every file is downloaded into the artifact
cache and hash-verified (``checker.lock.artifacts``). A package the lock says was built
from source contributes its built wheel, never its sdist: from the build cache, else
built again in the sandbox's source-build container and refused unless it has the locked
hash (``checker.lock.source_builds``). A skill without a lock falls back to its exact pins:
``pip download --only-binary :all:`` for the sandbox target, and a hash-pinned requirements
file is written from what was downloaded. Either way the image installs with
``--no-index --require-hashes``; no sdist is ever built on the host or in the image.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.utils import InvalidWheelFilename, parse_wheel_filename

from checker.exit_codes import SkillgateError
from checker.lock.artifacts import fetch_installable, sha256_file
from checker.lock.lockfile import read_lock, requirements_digest
from checker.lock.source_builds import SandboxBuilder, WheelBuilder
from checker.lock.target import Target, parse_tag
from checker.process import run_command
from sandbox.cache import cache_dir

LOCK_FILE = "requirements.lock"
PIP_VERSION = "24.3.1"
PIP_WHEEL = f"pip-{PIP_VERSION}-py3-none-any.whl"
PIP_SHA256 = "3790624780082365f47549d032f3770eeb2b1e8bd1f7b2e02dace1afa361b4ed"


@dataclass(frozen=True, kw_only=True, slots=True)
class Wheelhouse:
    """Verified wheels plus the hash-pinned requirements file pip installs them from."""

    wheels: tuple[Path, ...]
    requirements: str


def lock_digest(skill: Any, target: Target) -> str:
    """Digest of what the skill installs, known before anything is downloaded.

    The lock's bytes when there is a lock; the pins and the target otherwise.
    """
    lock_path = Path(skill.directory) / LOCK_FILE
    if lock_path.is_file():
        return "sha256:" + sha256_file(lock_path)
    return requirements_digest(tuple(skill.requirements), target.tag)


def collect(skill: Any, target: Target, *, builder: WheelBuilder | None = None) -> Wheelhouse:
    """Fetch and verify the skill's wheels; SkillgateError when anything does not add up.

    ``builder`` rebuilds wheels built from source that the cache lacks (default: the
    sandbox of the skill's repository, connected only when a rebuild is needed).
    """
    lock_path = Path(skill.directory) / LOCK_FILE
    if lock_path.is_file():
        return _from_lock(skill, lock_path, builder)
    if not skill.requirements:
        return Wheelhouse(wheels=(), requirements="")
    return _from_pins(tuple(skill.requirements), target)


def pip_wheel() -> Path:
    """pip's own wheel (pinned and hash-checked) for the network-less build stage only."""
    directory = cache_dir() / "pip"
    path = directory / PIP_WHEEL
    if not (path.is_file() and sha256_file(path) == PIP_SHA256):
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=directory) as tmp:
            spec = Path(tmp) / "pip.txt"
            spec.write_text(f"pip=={PIP_VERSION} --hash=sha256:{PIP_SHA256}\n", "utf-8")
            run_command(
                [
                    *(sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"),
                    *("--only-binary", ":all:", "--require-hashes", "-r", str(spec), "-d", tmp),
                ],
                timeout=300,
            )
            shutil.move(Path(tmp) / PIP_WHEEL, path)
    return path


def _from_lock(skill: Any, lock_path: Path, builder: WheelBuilder | None) -> Wheelhouse:
    lock = read_lock(lock_path)
    if lock.hand_edited:
        raise SkillgateError(f"{lock_path}: the lock was edited by hand; run `skillgate lock`")
    target = parse_tag(lock.target)
    if lock.requirements_digest != requirements_digest(tuple(skill.requirements), target.tag):
        raise SkillgateError(f"{lock_path}: the lock is stale; run `skillgate lock {skill.id}`")
    with contextlib.ExitStack() as stack:
        if builder is None and any(p.built_from is not None for p in lock.packages):
            builder = stack.enter_context(contextlib.closing(_repo_builder(skill)))
        paths = fetch_installable(lock.packages, builder=builder)
    wheels = tuple(p for p in paths if p.name.endswith(".whl"))
    if len(wheels) != len(paths):
        raise SkillgateError(f"{lock_path}: the lock names files that are not wheels")
    # pip reads only the pins and hashes of the lock; the comments are for reviewers.
    return Wheelhouse(wheels=wheels, requirements=lock_path.read_text("utf-8"))


def _repo_builder(skill: Any) -> SandboxBuilder:
    """The source-build sandbox of the repository ``skills/<id>/`` belongs to."""
    from checker.policy.load import load_repo  # noqa: PLC0415 - only when a rebuild may be needed

    return SandboxBuilder(load_repo(Path(skill.directory).parents[1]).sandbox_policy())


def _from_pins(pins: tuple[str, ...], target: Target) -> Wheelhouse:
    key = hashlib.sha256(json.dumps([sorted(pins), target.tag]).encode()).hexdigest()
    directory = cache_dir() / "wheelhouse" / key
    marker = directory / "requirements.txt"
    if not marker.is_file():
        with tempfile.TemporaryDirectory(dir=cache_dir()) as tmp:
            run_command(
                [
                    *(sys.executable, "-m", "pip", "download", "--quiet", "--no-input"),
                    *target.pip_args(),
                    *("-d", tmp, *pins),
                ],
                timeout=900,
            )
            wheels = sorted(Path(tmp).iterdir())
            text = _requirements_for(wheels)
            directory.mkdir(parents=True, exist_ok=True)
            for wheel in wheels:
                shutil.move(wheel, directory / wheel.name)
            marker.write_text(text, "utf-8")
    kept = tuple(sorted(p for p in directory.iterdir() if p.suffix == ".whl"))
    return Wheelhouse(wheels=kept, requirements=marker.read_text("utf-8"))


def _requirements_for(wheels: list[Path]) -> str:
    lines = []
    for wheel in wheels:
        try:
            name, version, _build, _tags = parse_wheel_filename(wheel.name)
        except InvalidWheelFilename as exc:
            raise SkillgateError(f"pip downloaded something that is not a wheel: {exc}") from exc
        lines.append(f"{name}=={version} --hash=sha256:{sha256_file(wheel)}")
    return "\n".join(sorted(lines)) + ("\n" if lines else "")
