"""Wheels built from sdists in the sandbox: the inputs, the build cache, and rebuilds.

Nothing of a package runs on the host. A :class:`WheelBuilder` (the hardened, network-less
container of ``sandbox.source_builds``) turns an sdist and the wheels of its build
requirements (:class:`BuildInputs`, all hash-pinned) into one wheel, which must be the only
thing the build leaves and a wheel of that release for the target.

Builds are cached by content: the key covers the sdist's sha256, the build requirements'
files, the target and the builder's identity (base image id, build recipe); the wheel is
kept in the artifacts cache by its own sha256 and ``<cache>/source-builds/<key>.json`` maps
the key to it. A lock records the wheel's hash and the sdist's. When a locked wheel must be
built again (a cold cache, as in CI) and comes out with another hash than the lock's, the
build is not reproducible: :class:`NotReproducibleError` (exit 3), and nothing is kept.
Which packages are built when locking is ``checker.lock.source_locks``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import Version

from checker.exit_codes import SkillgateError
from checker.lock import artifacts
from checker.lock.lockfile import LockedFile, LockedPackage, built_url
from checker.lock.target import Target

if TYPE_CHECKING:
    from checker.policy.sandbox import SandboxPolicy

BUILDS_DIR = "source-builds"
_RECORD_VERSION = 1


class SourceBuildError(SkillgateError):
    """A wheel could not be built from an sdist (exit 3); nothing was kept."""


class NotReproducibleError(SourceBuildError):
    """Building the same sdist with the same build requirements gave another wheel (exit 3)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class BuildInputs:
    """Everything a build depends on besides the builder: the sdist (with the URL and index
    it came from) and the wheels of its build requirements, all hash-pinned."""

    name: str
    version: str
    sdist: LockedFile
    build_requires: tuple[LockedFile, ...]
    index_url: str

    @property
    def label(self) -> str:
        return f"{self.name}=={self.version}"

    def requirements_text(self) -> str:
        """The hash-pinned requirements file the build installs before building."""
        lines = []
        for wheel in sorted(self.build_requires, key=lambda f: f.filename):
            name, version, _build, _tags = parse_wheel_filename(wheel.filename)
            lines.append(f"{name}=={version} --hash=sha256:{wheel.sha256}\n")
        return "".join(lines)


class WheelBuilder(Protocol):
    """Builds one wheel from an sdist where its code cannot hurt (``sandbox.source_builds``)."""

    @property
    def target(self) -> Target:
        """The interpreter and platform the wheel is built for."""
        ...

    def identity(self) -> str:
        """What the built wheel depends on besides its inputs (base image, recipe)."""
        ...

    def build(
        self, inputs: BuildInputs, sdist: Path, build_wheels: Sequence[Path], out: Path
    ) -> None:
        """Build ``sdist`` into a wheel written to the empty directory ``out``; raise
        SourceBuildError (naming the package) when the build fails."""
        ...


@dataclass(frozen=True, kw_only=True, slots=True)
class BuiltWheel:
    """A wheel built from ``inputs``: its lock entry (URL ``built:sha256:<sdist>``) and path."""

    inputs: BuildInputs
    file: LockedFile
    path: Path


def cache_key(inputs: BuildInputs, builder: WheelBuilder) -> str:
    """The content address of a build: same sdist, build requirements, target and builder."""
    payload = {
        "sdist": inputs.sdist.sha256,
        "build_requires": sorted((f.filename, f.sha256) for f in inputs.build_requires),
        "target": builder.target.tag,
        "builder": builder.identity(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def build(inputs: BuildInputs, builder: WheelBuilder, cache: Path | None) -> BuiltWheel:
    """The wheel of ``inputs``: from the build cache when this build was made before,
    else built by ``builder``, checked, and cached."""
    key = cache_key(inputs, builder)
    cached = _cached(key, inputs, cache)
    if cached is not None:
        return cached
    with _fresh_build(inputs, builder, cache) as (filename, fresh):
        built = _store(inputs, filename, fresh, cache)
    _write_record(key, built, cache)
    return built


def rebuild(pkg: LockedPackage, builder: WheelBuilder, cache: Path | None) -> Path:
    """The locked wheel of ``pkg`` (built from source), made again when the cache lacks it.

    Raises NotReproducibleError when the new wheel's sha256 is not the lock's.
    """
    (locked,) = pkg.files
    return build_expecting(inputs_of(pkg), builder, cache, locked).path


def build_expecting(
    inputs: BuildInputs, builder: WheelBuilder, cache: Path | None, expected: LockedFile
) -> BuiltWheel:
    """The wheel a lock recorded for ``inputs`` (``expected``): from the cache when it is
    there (no builder needed), else built, and refused unless it has the expected hash."""
    path = artifacts.artifact_path(expected, cache)
    if path.is_file() and artifacts.sha256_file(path) == expected.sha256:
        return BuiltWheel(inputs=inputs, file=expected, path=path)
    key = cache_key(inputs, builder)
    cached = _cached(key, inputs, cache)
    if cached is not None and cached.file.sha256 == expected.sha256:
        return cached
    with _fresh_build(inputs, builder, cache) as (filename, fresh):
        digest = artifacts.sha256_file(fresh)
        if digest != expected.sha256:
            raise NotReproducibleError(
                f"{inputs.label}: the build is not reproducible: building "
                f"{inputs.sdist.filename} (sha256:{inputs.sdist.sha256}) again with the same "
                f"build requirements gave {filename} sha256:{digest}, the lock has "
                f"sha256:{expected.sha256}; nothing was kept",
            )
        built = _store(inputs, filename, fresh, cache)
    _write_record(key, built, cache)
    return built


def inputs_of(pkg: LockedPackage) -> BuildInputs:
    """The build inputs a lock records for a package built from source."""
    if pkg.built_from is None:
        raise SkillgateError(f"{pkg.name}=={pkg.version} was not built from source")
    return BuildInputs(
        name=pkg.name,
        version=pkg.version,
        sdist=pkg.built_from,
        build_requires=pkg.build_requires,
        index_url=pkg.index_url,
    )


def fetch_built(
    pkg: LockedPackage, cache: Path | None, builder: WheelBuilder | None
) -> tuple[Path, Path]:
    """(the built wheel, the sdist) of ``pkg``, verified; the wheel rebuilt in the sandbox
    when the cache does not have it (``builder``, else one for the default sandbox)."""
    if pkg.built_from is None or len(pkg.files) != 1:
        raise SkillgateError(f"{pkg.name}=={pkg.version}: not a package built from source")
    label = f"{pkg.name}=={pkg.version}"
    sdist = artifacts.fetch_file(pkg.built_from, cache, label=label)
    (wheel,) = pkg.files
    path = artifacts.artifact_path(wheel, cache)
    if path.is_file() and artifacts.sha256_file(path) == wheel.sha256:
        return path, sdist
    if builder is not None:
        return rebuild(pkg, builder, cache), sdist
    with contextlib.closing(SandboxBuilder(None)) as default:
        return rebuild(pkg, default, cache), sdist


@contextlib.contextmanager
def _fresh_build(
    inputs: BuildInputs, builder: WheelBuilder, cache: Path | None
) -> Iterator[tuple[str, Path]]:
    """Build in a private directory; yield (wheel file name, path) after checking that the
    build made exactly one wheel of ``inputs`` for the target. The directory (and anything
    the build left in it) is removed afterwards, whatever happened."""
    sdist = artifacts.fetch_file(inputs.sdist, cache, label=inputs.label)
    wheels = [artifacts.fetch_file(f, cache, label=inputs.label) for f in inputs.build_requires]
    work = Path(tempfile.mkdtemp(prefix="skillgate-source-build-"))
    try:
        out = work / "out"
        out.mkdir()
        builder.build(inputs, sdist, wheels, out)
        filename = _single_wheel(inputs, builder.target, out)
        yield filename, out / filename
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _single_wheel(inputs: BuildInputs, target: Target, out: Path) -> str:
    entries = sorted(os.listdir(out))
    if len(entries) != 1:
        raise SourceBuildError(
            f"{inputs.label}: the build must leave exactly one wheel, it left "
            f"{', '.join(entries) or 'nothing'}; nothing was kept"
        )
    filename = entries[0]
    if not stat.S_ISREG((out / filename).lstat().st_mode):
        raise SourceBuildError(f"{inputs.label}: the build left {filename!r}, not a file")
    try:
        name, version, _build, tags = parse_wheel_filename(filename)
    except InvalidWheelFilename:
        raise SourceBuildError(
            f"{inputs.label}: the build left {filename!r}, not a wheel"
        ) from None
    if name != inputs.name or version != Version(inputs.version):
        raise SourceBuildError(
            f"{inputs.label}: the build made {filename}, a wheel of another release"
        )
    if not set(tags) & set(target.supported_tags()):
        raise SourceBuildError(f"{inputs.label}: the built {filename} does not fit {target.tag}")
    return filename


def _store(inputs: BuildInputs, filename: str, fresh: Path, cache: Path | None) -> BuiltWheel:
    digest = artifacts.sha256_file(fresh)
    file = LockedFile(filename=filename, url=built_url(inputs.sdist.sha256), sha256=digest)
    path = artifacts.artifact_path(file, cache)
    if not (path.is_file() and artifacts.sha256_file(path) == digest):
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".part-{os.getpid()}-{filename}")
        shutil.copyfile(fresh, partial)
        partial.chmod(0o444)
        os.replace(partial, path)
    return BuiltWheel(inputs=inputs, file=file, path=path)


def _record_path(key: str, cache: Path | None) -> Path:
    return artifacts.cache_root(cache) / BUILDS_DIR / f"{key}.json"


def _cached(key: str, inputs: BuildInputs, cache: Path | None) -> BuiltWheel | None:
    try:
        record: Any = json.loads(_record_path(key, cache).read_text("utf-8"))
        file = LockedFile(
            filename=str(record["wheel"]),
            url=built_url(inputs.sdist.sha256),
            sha256=str(record["sha256"]),
        )
        path = artifacts.artifact_path(file, cache)
    except (OSError, ValueError, KeyError, TypeError, SkillgateError):
        return None
    if record.get("version") != _RECORD_VERSION or not path.is_file():
        return None
    if artifacts.sha256_file(path) != file.sha256:
        return None
    return BuiltWheel(inputs=inputs, file=file, path=path)


def _write_record(key: str, built: BuiltWheel, cache: Path | None) -> None:
    record = {
        "version": _RECORD_VERSION,
        "package": built.inputs.label,
        "sdist": built.inputs.sdist.filename,
        "sdist_sha256": built.inputs.sdist.sha256,
        "wheel": built.file.filename,
        "sha256": built.file.sha256,
    }
    path = _record_path(key, cache)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{key}.{os.getpid()}.part")
    partial.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", "utf-8")
    os.replace(partial, path)


class SandboxBuilder:
    """The hardened container builder (``sandbox.source_builds``) for a sandbox policy
    (None: the defaults), connected to the Docker engine only when a build is needed."""

    def __init__(self, settings: SandboxPolicy | None) -> None:
        from checker.lock.target import target_for  # noqa: PLC0415
        from checker.policy.sandbox import SandboxPolicy  # noqa: PLC0415

        self._settings = settings or SandboxPolicy()
        self._target = target_for(self._settings.base)
        self._stack = contextlib.ExitStack()
        self._builder: WheelBuilder | None = None

    @property
    def target(self) -> Target:
        return self._target

    def identity(self) -> str:
        return self._open().identity()

    def build(
        self, inputs: BuildInputs, sdist: Path, build_wheels: Sequence[Path], out: Path
    ) -> None:
        self._open().build(inputs, sdist, build_wheels, out)

    def close(self) -> None:
        """Disconnect from the engine (if a build connected)."""
        self._stack.close()
        self._builder = None

    def _open(self) -> WheelBuilder:
        if self._builder is None:
            from sandbox.source_builds import open_builder  # noqa: PLC0415 - needs the engine

            self._builder = self._stack.enter_context(open_builder(self._settings))
            if self._builder.target != self._target:
                raise SourceBuildError(
                    f"the sandbox base builds for {self._builder.target.tag}, the locks target "
                    f"{self._target.tag}"
                )
        return self._builder
