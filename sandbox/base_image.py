"""The base image: bootstrapped offline from Debian packages, trimmed, imported, content-tagged.

There is no registry to pull from, so the base is made locally with debootstrap from the
host's configured apt mirror. Nothing in the rootfs is executed on the host: the Python
version is read from dpkg's status file. Pip's bundled wheels are trimmed away so that no
layer of any image built on this base contains pip.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from checker.exit_codes import SkillgateError
from checker.policy.sandbox import BaseSpec
from checker.process import run_command
from sandbox.cache import cache_dir
from sandbox.engine import LABEL_MANAGED, LABEL_ROLE

RECIPE_VERSION = "1"
"""Bump when the bootstrap or the trim changes, so that a new base is made."""
REPOSITORY = "skillgate/base"
LABEL_RECIPE = "org.skillgate.base.recipe"
LABEL_CONTENT = "org.skillgate.base.content"
LABEL_PYTHON = "org.skillgate.base.python"
INCLUDE = ("python3", "python3-venv")
STATE_FILE = "base.json"

# Paths removed from the rootfs before import: documentation, caches, apt indexes, and
# pip's own wheels (a final image must not be able to install anything).
_TRIM = (
    "usr/share/doc",
    "usr/share/man",
    "usr/share/info",
    "usr/share/locale",
    "usr/share/python-wheels",
    "var/lib/apt/lists",
    "var/cache/apt",
    "var/cache/debconf",
    "var/log",
)


@dataclass(frozen=True, kw_only=True, slots=True)
class BaseImage:
    """A base image present in the engine, with what skill images record about it."""

    image_id: str
    tag: str
    python_version: str
    content_digest: str
    recipe: str


def host_mirror(sources: Path = Path("/etc/apt/sources.list.d/debian.sources")) -> str:
    """The first Debian mirror the host's apt is configured with (deb822 or one-line format)."""
    candidates = [sources, Path("/etc/apt/sources.list")]
    for path in candidates:
        try:
            text = path.read_text("utf-8")
        except OSError:
            continue
        for line in text.splitlines():
            match = re.match(r"^\s*URIs:\s*(\S+)", line) or re.match(
                r"^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)", line
            )
            if match and "security" not in match.group(1):
                return match.group(1)
    raise SkillgateError("no Debian mirror found in the host's apt sources; set base.mirror")


def recipe_digest(spec: BaseSpec, mirror: str) -> str:
    """sha256 of everything that decides what the bootstrap makes."""
    recipe = {
        "version": RECIPE_VERSION,
        "suite": spec.suite,
        "mirror": mirror,
        "include": INCLUDE,
        "trim": _TRIM,
    }
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()


def find_base(client: Any, spec: BaseSpec) -> BaseImage | None:
    """The base the policy names, when the engine has it; else a bootstrapped one, else None."""
    if spec.image:
        return _named_base(client, spec.image)
    mirror = spec.mirror or host_mirror()
    recipe = recipe_digest(spec, mirror)
    # Skill images inherit the base's labels; only the base itself has role=base.
    wanted = [f"{LABEL_RECIPE}={recipe}", f"{LABEL_ROLE}=base"]
    images = client.images.list(name=REPOSITORY, filters={"label": wanted})
    if not images:
        return None
    return _from_image(images[0], recipe)


def require_base(client: Any, spec: BaseSpec) -> BaseImage:
    """The base image, or SkillgateError saying how to make it (never an implicit pull)."""
    base = find_base(client, spec)
    if base is None:
        raise SkillgateError(
            "no base image in the Docker engine; run `skillgate sandbox base --bootstrap`"
        )
    return base


def bootstrap_base(client: Any, spec: BaseSpec, *, force: bool = False) -> BaseImage:
    """Make the base with debootstrap unless an image with the same recipe exists."""
    if spec.image:
        raise SkillgateError(
            f"policy/sandbox.yaml names base.image {spec.image!r}; --bootstrap makes the "
            "default Debian base, so empty base.image first"
        )
    mirror = spec.mirror or host_mirror()
    recipe = recipe_digest(spec, mirror)
    existing = None if force else find_base(client, spec)
    if existing is not None:
        return existing
    if shutil.which("debootstrap") is None:
        raise SkillgateError("debootstrap is not installed; run scripts/ensure-docker.sh")
    if os.geteuid() != 0:
        raise SkillgateError("bootstrapping the base image needs root (debootstrap)")
    with tempfile.TemporaryDirectory(prefix="skillgate-base-", dir="/var/tmp") as work:
        rootfs = Path(work) / "rootfs"
        run_command(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={','.join(INCLUDE)}",
                spec.suite,
                str(rootfs),
                mirror,
            ],
            timeout=900,
        )
        _trim(rootfs)
        python_version = _python_version(rootfs)
        content = content_digest(rootfs)
        tag = f"{REPOSITORY}:{spec.suite}-{content[:16]}"
        archive = Path(work) / "rootfs.tar"
        run_command(["tar", "--numeric-owner", "-C", str(rootfs), "-cf", str(archive), "."])
        labels = {
            LABEL_MANAGED: "true",
            LABEL_ROLE: "base",
            LABEL_RECIPE: recipe,
            LABEL_CONTENT: content,
            LABEL_PYTHON: python_version,
        }
        changes = [f"LABEL {key}={value}" for key, value in labels.items()]
        changes += ["ENV PATH=/usr/local/bin:/usr/bin:/bin", "ENV LANG=C.UTF-8"]
        args = ["docker", "import"]
        for change in changes:
            args += ["--change", change]
        run_command([*args, str(archive), tag], timeout=600)
    base = _from_image(client.images.get(tag), recipe)
    record_base(base)
    return base


def record_base(base: BaseImage) -> Path:
    """Write the base's digest and Python version to the per-user state file."""
    path = cache_dir() / STATE_FILE
    path.write_text(json.dumps(asdict(base), indent=2, sort_keys=True) + "\n", "utf-8")
    return path


def content_digest(rootfs: Path) -> str:
    """sha256 over every path, its type, mode, owner and content: same tree, same digest."""
    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(rootfs):
        dirnames.sort()
        for name in sorted([*dirnames, *filenames]):
            path = Path(dirpath) / name
            info = path.lstat()
            rel = path.relative_to(rootfs).as_posix()
            digest.update(f"{rel}\0{info.st_mode:o}\0{info.st_uid}\0{info.st_gid}\0".encode())
            if stat.S_ISLNK(info.st_mode):
                digest.update(os.readlink(path).encode())
            elif stat.S_ISREG(info.st_mode):
                with path.open("rb") as handle:
                    digest.update(hashlib.file_digest(handle, "sha256").digest())
            digest.update(b"\n")
    return digest.hexdigest()


def _trim(rootfs: Path) -> None:
    for relative in _TRIM:
        target = rootfs / relative
        if target.is_dir():
            for child in target.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
    # CIS 4.8: no setuid/setgid binaries; no-new-privileges already neuters them, this
    # removes the second line of attack as well.
    for dirpath, _dirnames, filenames in os.walk(rootfs):
        for name in filenames:
            path = Path(dirpath) / name
            mode = path.lstat().st_mode
            if stat.S_ISREG(mode) and mode & (stat.S_ISUID | stat.S_ISGID):
                path.chmod(stat.S_IMODE(mode) & ~(stat.S_ISUID | stat.S_ISGID))


def _python_version(rootfs: Path) -> str:
    """Python's upstream version from dpkg's status file (nothing in the rootfs is run)."""
    status = (rootfs / "var/lib/dpkg/status").read_text("utf-8", "replace")
    for block in status.split("\n\n"):
        if re.search(r"^Package: python3\.\d+-minimal$", block, re.MULTILINE):
            match = re.search(r"^Version: (\d+\.\d+\.\d+)", block, re.MULTILINE)
            if match:
                return match.group(1)
    raise SkillgateError("the bootstrapped rootfs has no python3 package")


def _named_base(client: Any, reference: str) -> BaseImage:
    import docker.errors  # noqa: PLC0415 - imported when a verb needs the engine

    try:
        image = client.images.get(reference)
    except docker.errors.ImageNotFound:
        if "@sha256:" not in reference:
            raise SkillgateError(
                f"base image {reference!r} is not in the engine and is not digest-pinned"
            ) from None
        try:
            image = client.images.pull(reference)
        except docker.errors.APIError as exc:
            raise SkillgateError(f"cannot pull base image {reference!r}: {exc}") from exc
    return _from_image(image, recipe="")


def _from_image(image: Any, recipe: str) -> BaseImage:
    labels: dict[str, str] = image.labels or {}
    tags: list[str] = image.tags or []
    return BaseImage(
        image_id=image.id,
        tag=tags[0] if tags else image.id,
        python_version=labels.get(LABEL_PYTHON, ""),
        content_digest=labels.get(LABEL_CONTENT, ""),
        recipe=recipe or labels.get(LABEL_RECIPE, ""),
    )
