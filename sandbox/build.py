"""Hermetic build of a skill image, content-addressed so an unchanged skill is not rebuilt.

The tag is derived from the base image id, the lock (or pins), the skill's code and the
build template: when an image with that tag exists the engine's builder is not called.
Otherwise the verified wheelhouse, pip's wheel, the skill code (root-owned, read-only),
the fixed template and its root-filesystem script go into a context that ``docker build``
uses with the network disabled. The final stage is ``FROM scratch`` with only what a skill
needs to run (``templates/rootfs.py``): no shell, no package manager, no pip, no wheels,
no compiler, no perl.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from checker.exit_codes import SkillgateError
from checker.lock.target import Target
from sandbox import wheelhouse
from sandbox.base_image import BaseImage
from sandbox.engine import LABEL_MANAGED, LABEL_ROLE, LABEL_SKILL

BUILD_VERSION = "2"
LABEL_BUILD_KEY = "org.skillgate.build.key"
LABEL_ENTRYPOINT = "org.skillgate.entrypoint"
LABEL_LOCK_DIGEST = "org.skillgate.lock.digest"
LABEL_REVISION = "org.opencontainers.image.revision"
_SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}$")
_SAFE_ENTRYPOINT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*\.py$")
_SKIPPED_NAMES = frozenset({"__pycache__", ".git", ".venv", ".mypy_cache", ".pytest_cache"})

Log = Callable[[str], None]


@dataclass(frozen=True, kw_only=True, slots=True)
class BuildResult:
    """A skill image: its content tag and id, and whether this call built it."""

    skill: str
    tag: str
    image_id: str
    built: bool
    duration_seconds: float


def template_text() -> str:
    """The Dockerfile every skill image is built from (package data, used verbatim)."""
    return resources.files("sandbox").joinpath("templates/Dockerfile").read_text("utf-8")


def rootfs_script_text() -> str:
    """The script the build stage runs to assemble the final image's files (package data)."""
    return resources.files("sandbox").joinpath("templates/rootfs.py").read_text("utf-8")


def template_digest() -> str:
    """sha256 (hex) of the Dockerfile."""
    return hashlib.sha256(template_text().encode()).hexdigest()


def rootfs_script_digest() -> str:
    """sha256 (hex) of the root-filesystem script."""
    return hashlib.sha256(rootfs_script_text().encode()).hexdigest()


def check_entrypoint(skill: Any) -> str:
    """The skill's entry point, refused unless it is a plain relative .py file in the skill."""
    entrypoint = str(skill.entrypoint)
    if not _SAFE_ENTRYPOINT.fullmatch(entrypoint) or ".." in entrypoint.split("/"):
        raise SkillgateError(f"skill {skill.id}: entrypoint {entrypoint!r} is not a safe path")
    path = Path(skill.directory) / entrypoint
    if path.is_symlink() or not path.is_file():
        raise SkillgateError(f"skill {skill.id}: entrypoint {entrypoint} is not a file")
    return entrypoint


def skill_files(directory: Path) -> list[Path]:
    """The files of a skill that go into its image, sorted; symlinks are refused."""
    files: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIPPED_NAMES)
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if name.endswith(".pyc"):
                continue
            if path.is_symlink():
                raise SkillgateError(f"{path}: symbolic links are not allowed in a skill")
            files.append(path)
        for name in dirnames:
            if (Path(dirpath) / name).is_symlink():
                raise SkillgateError(f"{Path(dirpath) / name}: symbolic links are not allowed")
    return files


def code_digest(directory: Path) -> str:
    """sha256 over the relative path and content of every file of the skill."""
    digest = hashlib.sha256()
    for path in skill_files(directory):
        digest.update(path.relative_to(directory).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def build_key(skill: Any, base: BaseImage, target: Target) -> str:
    """The content address of a skill image: same inputs, same tag."""
    inputs = {
        "version": BUILD_VERSION,
        "base": base.image_id,
        "lock": wheelhouse.lock_digest(skill, target),
        "code": code_digest(Path(skill.directory)),
        "entrypoint": check_entrypoint(skill),
        "template": template_digest(),
        "rootfs": rootfs_script_digest(),
        "pip": wheelhouse.PIP_SHA256,
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def image_tag(skill: Any, key: str) -> str:
    """``skillgate/skill-<id>:<key prefix>``."""
    if not _SAFE_ID.fullmatch(str(skill.id)):
        raise SkillgateError(f"skill id {skill.id!r} cannot name an image")
    return f"skillgate/skill-{skill.id}:{key[:24]}"


def find_image(client: Any, skill: Any, base: BaseImage, target: Target) -> Any | None:
    """The built image of ``skill`` as it is now, or None when it needs a build."""
    import docker.errors  # noqa: PLC0415 - imported when a verb needs the engine

    try:
        return client.images.get(image_tag(skill, build_key(skill, base, target)))
    except docker.errors.ImageNotFound:
        return None


def build_skill(
    client: Any,
    skill: Any,
    base: BaseImage,
    target: Target,
    *,
    revision: str,
    log: Log | None = None,
) -> BuildResult:
    """Build ``skill`` unless its content tag exists; return the image."""
    started = time.monotonic()
    key = build_key(skill, base, target)
    tag = image_tag(skill, key)
    existing = find_image(client, skill, base, target)
    if existing is not None:
        return BuildResult(
            skill=skill.id, tag=tag, image_id=existing.id, built=False, duration_seconds=0.0
        )
    house = wheelhouse.collect(skill, target)
    labels = {
        LABEL_MANAGED: "true",
        LABEL_ROLE: "skill",
        LABEL_SKILL: str(skill.id),
        LABEL_BUILD_KEY: key,
        LABEL_ENTRYPOINT: check_entrypoint(skill),
        LABEL_LOCK_DIGEST: wheelhouse.lock_digest(skill, target),
        LABEL_REVISION: revision,
        "org.opencontainers.image.title": str(skill.id),
        "org.opencontainers.image.version": str(getattr(skill, "version", "") or ""),
        "org.opencontainers.image.base.digest": base.image_id,
        "org.opencontainers.image.base.name": base.tag,
    }
    with tempfile.TemporaryDirectory(prefix="skillgate-build-") as tmp:
        context = Path(tmp)
        _stage_context(context, skill, house)
        image_id = _docker_build(client, context, tag, base, labels, log)
    return BuildResult(
        skill=skill.id,
        tag=tag,
        image_id=image_id,
        built=True,
        duration_seconds=time.monotonic() - started,
    )


def _stage_context(context: Path, skill: Any, house: wheelhouse.Wheelhouse) -> None:
    (context / "Dockerfile").write_text(template_text(), "utf-8")
    (context / "rootfs.py").write_text(rootfs_script_text(), "utf-8")
    shutil.copyfile(wheelhouse.pip_wheel(), context / "pip.whl")
    (context / "requirements.txt").write_text(house.requirements, "utf-8")
    wheels = context / "wheels"
    wheels.mkdir()
    for wheel in house.wheels:
        shutil.copyfile(wheel, wheels / wheel.name)
    source = Path(skill.directory)
    code = context / "skill"
    code.mkdir()
    for path in skill_files(source):
        dest = code / path.relative_to(source)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)
    # COPY keeps these modes and makes root the owner: the sandbox user can read the
    # code but never change it, even on a writable root.
    for dirpath, _dirnames, filenames in os.walk(code, topdown=False):
        for name in filenames:
            (Path(dirpath) / name).chmod(0o444)
        Path(dirpath).chmod(0o555)


def _docker_build(
    client: Any,
    context: Path,
    tag: str,
    base: BaseImage,
    labels: dict[str, str],
    log: Log | None,
) -> str:
    import docker.errors  # noqa: PLC0415 - imported when a verb needs the engine

    tail: list[str] = []
    try:
        stream = client.api.build(
            path=str(context),
            tag=tag,
            buildargs={"BASE_IMAGE": base.image_id},
            network_mode="none",
            labels=labels,
            rm=True,
            forcerm=True,
            pull=False,
            decode=True,
        )
        for chunk in stream:
            if "error" in chunk:
                detail = str(chunk.get("error", "")).strip()
                raise SkillgateError(f"docker build of {tag} failed: {detail}; " + "".join(tail))
            text = str(chunk.get("stream", ""))
            if text:
                tail = [*tail, text][-20:]
                if log is not None:
                    log(text.rstrip("\n"))
    except docker.errors.APIError as exc:
        raise SkillgateError(f"docker build of {tag} failed: {exc}") from exc
    image_id: str = client.images.get(tag).id
    return image_id
