"""Which of a skill's packages a lock builds from source, and how they enter the lock.

A requirement that has only an sdist for the target may be built when the team allowed it
(``lock --allow-sdist NAME``, or ``build_from_source: true`` on an approval that covers the
pinned version) and the skill pins it exactly: the pin says which sdist. For each one, the
sdist is found on the index and hash-checked, its static build requirements are resolved
for the target (wheels only, hash-pinned) (``checker.lock.sdists``), and the wheel is built
in the sandbox or found in the build cache (``checker.lock.source_builds``). The resolvers
then see the built wheels beside the indexes (a ``--find-links`` directory), and the lock
records each one with the sdist and build requirements it came from. Re-locking the same
sdist with the same build requirements must reproduce the hash the lock holds.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from checker.lock import artifacts, sdists, source_builds
from checker.lock.lockfile import LockedFile, LockedPackage, LockError, read_lock
from checker.lock.resolution import Resolution
from checker.lock.resolver import resolve
from checker.lock.source_builds import BuildInputs, BuiltWheel, SourceBuildError, WheelBuilder
from checker.lock.target import Target
from checker.runtime.specs import parse_specifier

if TYPE_CHECKING:
    from checker.policy.model import Approval


def allowed_names(
    approvals: Iterable[Approval], requirements: Sequence[str], cli_names: Iterable[str]
) -> set[str]:
    """The skill's packages that may be built from source: named on the command line, or
    pinned by the skill to a version an approval with ``build_from_source: true`` covers."""
    allowed: set[str] = {canonicalize_name(n) for n in cli_names}
    pins = exact_pins(requirements)
    for approval in approvals:
        name = canonicalize_name(approval.package)
        if not approval.build_from_source or name not in pins:
            continue
        try:
            spec = parse_specifier(approval.versions)
        except ValueError:
            continue  # validate reports the unreadable specifier
        if spec is None or spec.contains(Version(pins[name]), prereleases=True):
            allowed.add(name)
    return allowed


def exact_pins(
    requirements: Sequence[str], environment: Mapping[str, str] | None = None
) -> dict[str, str]:
    """``name -> version`` of the requirements that pin one version with ``==`` (and whose
    marker holds in ``environment``, when one is given)."""
    pins: dict[str, str] = {}
    for text in requirements:
        try:
            req = Requirement(text)
        except InvalidRequirement:
            continue
        if not _applies(req, environment):
            continue
        specs = list(req.specifier)
        if len(specs) == 1 and specs[0].operator == "==" and "*" not in specs[0].version:
            pins[canonicalize_name(req.name)] = specs[0].version
    return pins


def _applies(req: Requirement, environment: Mapping[str, str] | None) -> bool:
    if environment is None or req.marker is None:
        return True
    return req.marker.evaluate({**environment, "extra": ""})


def prepare(
    name: str, version: str, target: Target, cache: Path | None, *, resolver: str | None
) -> BuildInputs | None:
    """The inputs of building ``name==version``; None when the index has a wheel for the
    target after all (nothing to build). The sdist is downloaded and verified, its build
    requirements resolved for the target, wheels only."""
    label = f"{name}=={version}"
    release = sdists.find_release(name, version, target)
    if release is None:
        raise SourceBuildError(f"{label}: no configured index lists this release")
    if release.has_target_wheel:
        return None
    if release.sdist is None:
        raise SourceBuildError(f"{label}: {release.index_url} has neither a wheel nor an sdist")
    sdist, path = _fetch_sdist(release.sdist, label, cache)
    info = sdists.read_sdist(path, name, version)
    resolution = resolve(info.build_requires, target, cache, resolver=resolver)
    if resolution.sdist_only:
        raise SourceBuildError(
            f"{label}: its build requirement(s) {', '.join(resolution.sdist_only)} have only "
            "sdists too; build requirements must be wheels"
        )
    return BuildInputs(
        name=canonicalize_name(name),
        version=version,
        sdist=sdist,
        build_requires=_build_wheels(resolution),
        index_url=release.index_url,
    )


def _fetch_sdist(file: sdists.IndexFile, label: str, cache: Path | None) -> tuple[LockedFile, Path]:
    if file.sha256:
        locked = LockedFile(filename=file.filename, url=file.url, sha256=file.sha256)
        return locked, artifacts.fetch_file(locked, cache, label=label)
    digest = artifacts.fetch_unpinned(file.url, file.filename, cache, label=label)
    locked = LockedFile(filename=file.filename, url=file.url, sha256=digest)
    return locked, artifacts.artifact_path(locked, cache)


def _build_wheels(resolution: Resolution) -> tuple[LockedFile, ...]:
    return tuple(
        sorted((f for p in resolution.packages for f in p.files), key=lambda f: f.filename)
    )


def build_allowed(
    requirements: Sequence[str],
    allowed: set[str],
    previous_lock: Path,
    target: Target,
    cache: Path | None,
    *,
    resolver: str | None,
    builder: WheelBuilder,
) -> dict[str, BuiltWheel]:
    """Build the allowed, exactly pinned requirements that have no wheel for the target.

    A package the lock at ``previous_lock`` built from the same sdist and build
    requirements must come out with the hash it recorded (NotReproducibleError otherwise);
    while that wheel is in the cache, nothing is built at all.
    """
    if builder.target != target:
        raise SourceBuildError(
            f"the sandbox builds wheels for {builder.target.tag}, the lock targets {target.tag}"
        )
    previous = _previous_packages(previous_lock)
    pins = exact_pins(requirements, target.marker_environment())
    built: dict[str, BuiltWheel] = {}
    for name in sorted(allowed & set(pins)):
        inputs = prepare(name, pins[name], target, cache, resolver=resolver)
        if inputs is None:
            continue  # the index has a wheel for the target: nothing to build
        expected = previous_wheel(previous.get(name), inputs)
        if expected is None:
            built[name] = source_builds.build(inputs, builder, cache)
        else:
            built[name] = source_builds.build_expecting(inputs, builder, cache, expected)
    return built


def previous_wheel(previous: LockedPackage | None, inputs: BuildInputs) -> LockedFile | None:
    """The wheel a previous lock recorded for building exactly ``inputs`` (same sdist, same
    build requirements), else None: a re-lock must reproduce it."""
    if previous is None or previous.built_from is None or len(previous.files) != 1:
        return None
    same_sdist = previous.built_from.sha256 == inputs.sdist.sha256
    same_requires = sorted(f.sha256 for f in previous.build_requires) == sorted(
        f.sha256 for f in inputs.build_requires
    )
    return previous.files[0] if same_sdist and same_requires else None


def _previous_packages(path: Path) -> dict[str, LockedPackage]:
    """The packages of the lock being replaced (none when it is missing or unreadable)."""
    try:
        lock = read_lock(path) if path.is_file() else None
    except LockError:
        return {}
    return {p.name: p for p in lock.packages} if lock is not None else {}


@contextlib.contextmanager
def find_links(built: Iterable[BuiltWheel]) -> Iterator[list[Path]]:
    """A flat directory holding copies of the built wheels (none when nothing was built),
    for the resolvers' ``--find-links``."""
    wheels = list(built)
    if not wheels:
        yield []
        return
    with tempfile.TemporaryDirectory(prefix="skillgate-built-") as tmp:
        for wheel in wheels:
            shutil.copyfile(wheel.path, Path(tmp) / wheel.file.filename)
        yield [Path(tmp)]


def with_builds(
    packages: Sequence[LockedPackage], built: Mapping[str, BuiltWheel]
) -> tuple[LockedPackage, ...]:
    """The resolved packages, those built from source recorded as such (the wheel's hash,
    the sdist, the build requirements, the sdist's index). The resolver must have chosen
    the built wheel itself."""
    result = []
    for pkg in packages:
        wheel = built.get(pkg.name)
        if wheel is None:
            result.append(pkg)
            continue
        if [f.sha256 for f in pkg.files] != [wheel.file.sha256]:
            raise SourceBuildError(
                f"{wheel.inputs.label}: the resolver chose {pkg.files[0].filename}, not the "
                f"wheel built from {wheel.inputs.sdist.filename}"
            )
        result.append(
            replace(
                pkg,
                hashes=(f"sha256:{wheel.file.sha256}",),
                files=(wheel.file,),
                index_url=wheel.inputs.index_url,
                built_from=wheel.inputs.sdist,
                build_requires=wheel.inputs.build_requires,
            )
        )
    return tuple(result)
