"""Build a wheel from an sdist inside a hardened, network-less container of the base image.

This is the :class:`checker.lock.source_builds.WheelBuilder` that ``skillgate lock``,
``scan`` and ``build`` use. The container gets every control of ``sandbox.controls`` (no
network, read-only root, no capabilities, no new privileges, uid 65534, pids, memory and CPU
limits, a sized ``noexec`` tmpfs as the only scratch space) from ``sandbox.hardening``, with
two mounts a skill run never gets: ``/in``, read-only (the sdist, pip's pinned wheel, the
build requirements' wheels and their hash-pinned list, the fixed build script) and ``/out``,
the one writable directory, where the wheel comes back. The command is exec-form (the
build script, ``source_build_script.py``, run by the base image's ``python3 -I``); no shell.

Reproducibility: ``SOURCE_DATE_EPOCH`` is the sdist's newest member time (not before
1980, the first time a zip can hold) and ``PYTHONHASHSEED=0``. The container carries the
sandbox's label (``sandbox gc`` finds it) and is removed on every path.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

from checker.exit_codes import SkillgateError
from checker.lock.sdists import newest_mtime
from checker.lock.source_builds import BuildInputs, SourceBuildError
from checker.lock.target import Target, target_for
from checker.policy.sandbox import Limits, SandboxPolicy
from sandbox.attach import AttachStream
from sandbox.base_image import BaseImage, require_base
from sandbox.engine import LABEL_MANAGED, LABEL_ROLE, connect
from sandbox.hardening import create_kwargs
from sandbox.runner import remove_container
from sandbox.wheelhouse import PIP_SHA256, pip_wheel

RECIPE_VERSION = "1"
"""Bump when the way a wheel is built changes, so that cached builds are not reused."""
ROLE = "source-build"
LABEL_PACKAGE = "org.skillgate.source-build.package"
SANDBOX_UID = 65534
MIN_WALL_SECONDS = 600.0
MIN_CPU_SECONDS = 600
MIN_TMP_MB = 256
MIN_LOG_BYTES = 4 * 1024 * 1024
ZIP_EPOCH = 315532800  # 1980-01-01: a zip cannot hold an earlier time
_KILL_GRACE_SECONDS = 10.0
_TAIL_CHARS = 2000


def script_text() -> str:
    """The build script run inside the container (package data, used verbatim)."""
    return resources.files("sandbox").joinpath("source_build_script.py").read_text("utf-8")


def recipe_digest() -> str:
    """sha256 of what decides how a wheel is built: this recipe, the script, pip's wheel."""
    text = f"{RECIPE_VERSION}\n{PIP_SHA256}\n{script_text()}"
    return hashlib.sha256(text.encode()).hexdigest()


def build_limits(limits: Limits) -> Limits:
    """The sandbox's limits, with the wall clock, CPU time and scratch space a build needs:
    a build does more than one skill call (at least 600 s and 256 MB of tmpfs). Its log is
    read up to 4 MB (only the tail is shown, on failure)."""
    return replace(
        limits,
        timeout_seconds=max(limits.timeout_seconds, MIN_WALL_SECONDS),
        cpu_seconds=max(limits.cpu_seconds, MIN_CPU_SECONDS),
        tmp_mb=max(limits.tmp_mb, MIN_TMP_MB),
        output_bytes=max(limits.output_bytes, MIN_LOG_BYTES),
    )


class ContainerBuilder:
    """Builds wheels in containers of ``base`` for ``target`` under ``limits``."""

    def __init__(self, client: Any, base: BaseImage, target: Target, limits: Limits) -> None:
        self._client = client
        self._base = base
        self._target = target
        self._limits = build_limits(limits)

    @property
    def target(self) -> Target:
        return self._target

    def identity(self) -> str:
        return f"base={self._base.image_id} recipe={recipe_digest()}"

    def build(
        self, inputs: BuildInputs, sdist: Path, build_wheels: Sequence[Path], out: Path
    ) -> None:
        """Build ``sdist`` into ``out``; SourceBuildError naming the package on failure."""
        with tempfile.TemporaryDirectory(prefix="skillgate-source-in-") as tmp:
            staged = Path(tmp) / "in"
            _stage(staged, inputs, sdist, build_wheels, pip_wheel())
            _writable_by_sandbox(out)
            epoch = max(newest_mtime(sdist), ZIP_EPOCH)
            self._run(inputs, staged, out, sdist.name, epoch)

    def _run(self, inputs: BuildInputs, staged: Path, out: Path, sdist: str, epoch: int) -> None:
        import docker.errors  # noqa: PLC0415 - imported when a build needs the engine

        kwargs = create_kwargs(
            image=self._base.image_id,
            command=["/usr/bin/python3", "-I", "/in/build.py", sdist],
            limits=self._limits,
            labels={LABEL_MANAGED: "true", LABEL_ROLE: ROLE, LABEL_PACKAGE: inputs.label},
            working_dir="/tmp",  # noqa: S108 - the container's private tmpfs
        )
        kwargs["environment"] = {
            **kwargs["environment"],
            "SOURCE_DATE_EPOCH": str(epoch),
            "PYTHONHASHSEED": "0",
            "PIP_NO_INPUT": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_NO_CACHE_DIR": "1",
            "TMPDIR": "/tmp",  # noqa: S108 - the container's private tmpfs
        }
        kwargs["volumes"] = {
            str(staged): {"bind": "/in", "mode": "ro"},
            str(out): {"bind": "/out", "mode": "rw"},
        }
        try:
            container = self._client.containers.create(**kwargs)
        except docker.errors.APIError as exc:
            raise SourceBuildError(
                f"{inputs.label}: cannot create the build container: {exc}"
            ) from None
        try:
            code, output = self._wait(container, inputs)
        finally:
            remove_container(container)
        if code != 0:
            _empty(out)
            killed = " (killed: memory or CPU limit)" if code in (137, 152) else ""
            raise SourceBuildError(
                f"{inputs.label}: building {sdist} in the sandbox failed (exit {code}{killed}); "
                f"nothing was kept: {_tail(output)}"
            )

    def _wait(self, container: Any, inputs: BuildInputs) -> tuple[int, str]:
        import docker.errors  # noqa: PLC0415 - imported when a build needs the engine

        stream = AttachStream(self._client, container.id, self._limits.output_bytes)
        try:
            try:
                container.start()
            except docker.errors.APIError as exc:
                raise SourceBuildError(
                    f"{inputs.label}: cannot start the build container: {exc}"
                ) from None
            stream.send(b"")
            started = time.monotonic()
            try:
                status = container.wait(timeout=self._limits.timeout_seconds)
            except Exception as exc:  # noqa: BLE001 - the HTTP timeout; the wall clock decides
                with contextlib.suppress(Exception):
                    container.kill()
                elapsed = time.monotonic() - started
                if elapsed < self._limits.timeout_seconds:
                    raise SourceBuildError(
                        f"{inputs.label}: lost the Docker engine during the build: {exc}"
                    ) from None
                raise SourceBuildError(
                    f"{inputs.label}: the build did not finish within "
                    f"{self._limits.timeout_seconds:.0f} s ({elapsed:.0f} s); nothing was kept"
                ) from None
            output = stream.finish(timeout=_KILL_GRACE_SECONDS)
        finally:
            stream.close()
        text = (bytes(output.stdout) + bytes(output.stderr)).decode("utf-8", "replace")
        return int(status.get("StatusCode", 1)), text


def _stage(
    staged: Path, inputs: BuildInputs, sdist: Path, build_wheels: Sequence[Path], pip: Path
) -> None:
    """The read-only ``/in``: copies, so that nothing in the cache is mounted."""
    (staged / "build").mkdir(parents=True)
    shutil.copyfile(sdist, staged / sdist.name)
    shutil.copyfile(pip, staged / "pip.whl")
    for wheel in build_wheels:
        shutil.copyfile(wheel, staged / "build" / wheel.name)
    (staged / "build-requirements.txt").write_text(inputs.requirements_text(), "utf-8")
    (staged / "build.py").write_text(script_text(), "utf-8")
    for dirpath, _dirnames, filenames in os.walk(staged):
        Path(dirpath).chmod(0o755)
        for name in filenames:
            (Path(dirpath) / name).chmod(0o444)


def _writable_by_sandbox(out: Path) -> None:
    if os.geteuid() == 0:
        os.chown(out, SANDBOX_UID, SANDBOX_UID)
        out.chmod(0o700)
    else:
        out.chmod(0o777)  # a private temporary directory of this process


def _empty(out: Path) -> None:
    for child in out.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def _tail(text: str) -> str:
    text = " ".join(line.strip() for line in text.strip().splitlines() if line.strip())
    return text if len(text) <= _TAIL_CHARS else "..." + text[-_TAIL_CHARS:]


@contextlib.contextmanager
def open_builder(settings: SandboxPolicy) -> Iterator[ContainerBuilder]:
    """A builder on the sandbox policy's base image, with its default limits; the engine
    connection is closed afterwards. SkillgateError when the engine or the base is missing."""
    try:
        client = connect()
    except SkillgateError as exc:
        raise SourceBuildError(f"building from source needs the Docker engine: {exc}") from None
    try:
        base = require_base(client, settings.base)
        yield ContainerBuilder(client, base, target_for(settings.base), settings.defaults)
    finally:
        client.close()
