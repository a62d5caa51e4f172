"""Resolve with uv for the sandbox target, wheels only (the default resolver).

``uv pip compile`` resolves for a foreign interpreter natively: ``--python-version`` and
``--python-platform`` give it the target's tags and marker environment whatever the host's OS
and Python are, and ``--only-binary :all:`` means no build backend, so no package code, ever
runs. It writes a PEP 751 ``pylock.toml`` listing every wheel of each chosen version that the
target accepts; the lock records the one the target's interpreter would prefer
(``Target.supported_tags``, pip's order). A second, cached run in requirements format names
the index that served each package (``--emit-index-annotation``; ``pylock.toml`` has no field
for it). The ``via`` edges come from each wheel's own ``METADATA``, read from the verified file.

Index configuration: uv's own (``uv.toml``, ``UV_INDEX_URL``, ``UV_DEFAULT_INDEX``,
``UV_EXTRA_INDEX_URL``, ``UV_FIND_LINKS``) applies; pip's ``PIP_INDEX_URL``,
``PIP_EXTRA_INDEX_URL``, ``PIP_FIND_LINKS`` and ``PIP_NO_INDEX`` are passed on when uv's are not
set, so one configuration serves both resolvers. pip.conf is pip's alone (``--resolver pip``).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from packaging.metadata import parse_email
from packaging.requirements import Requirement
from packaging.tags import Tag
from packaging.utils import canonicalize_name, parse_wheel_filename

from checker.exit_codes import SkillgateError
from checker.lock import artifacts, graph, provenance
from checker.lock.resolution import (
    Chosen,
    Resolution,
    ResolutionError,
    fetch_verified,
    locked_packages,
)
from checker.lock.target import Target
from checker.process import CommandError, run_command

_TIMEOUT_SECONDS = 900
# The manylinux glibc versions uv's --python-platform names (x86_64 and aarch64).
_UV_GLIBC = (17, *range(28, 41))
_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)")
_FROM = re.compile(r"^\s+# from (?P<index>\S+)")
_NO_WHEELS = re.compile(r"Wheels are required for `(?P<name>[^`]+)`")
_NOT_FOUND = re.compile(
    r"Because (?:(?P<name>\S+) was not found in the package registry|there is no version of "
    r"(?P<pin>[^\s,]+))"
)
_UNFETCHED = re.compile(r"Failed to fetch: `?(?P<url>[^`\s]+)`?")


def uv_binary() -> str:
    """The uv executable installed with skillgate (the ``uv`` distribution)."""
    try:
        from uv import find_uv_bin  # noqa: PLC0415 - only the uv resolver needs it
    except ImportError:
        raise SkillgateError("uv is not installed (pip install uv)") from None
    try:
        return str(find_uv_bin())
    except FileNotFoundError as exc:
        raise SkillgateError(f"uv is installed but its binary is missing: {exc}") from None


def resolve_with_uv(
    reqs: Sequence[Requirement],
    target: Target,
    cache: Path | None,
    find_links: Sequence[Path] = (),
) -> Resolution:
    """Resolve ``reqs`` and their dependencies for ``target`` with uv; ``find_links``:
    flat directories of wheels seen beside the indexes."""
    with tempfile.TemporaryDirectory(prefix="skillgate-lock-") as tmp:
        source = Path(tmp) / "requirements.in"
        source.write_text("".join(f"{r}\n" for r in reqs), encoding="utf-8")
        base = [uv_binary(), "pip", "compile", str(source), *_target_args(target)]
        base += ["--only-binary", ":all:", "--no-header", "--quiet"]
        # Nothing is built, but uv still wants an interpreter "for builds": this one, found
        # at once (no search of the host's Pythons, no download of one).
        base += ["--python", sys.executable, "--no-python-downloads"]
        base += ["--cache-dir", str(artifacts.cache_root(cache) / "uv"), *index_args(os.environ)]
        for directory in find_links:
            base += ["--find-links", str(directory)]
        try:
            pylock = run_command([*base, "--format", "pylock.toml"], timeout=_TIMEOUT_SECONDS)
        except CommandError as exc:
            sdist_only = tuple(sorted(set(map(canonicalize_name, _NO_WHEELS.findall(exc.stderr)))))
            if sdist_only:
                return Resolution(sdist_only=sdist_only)
            raise _failure(exc, reqs, target) from None
        try:
            annotated = run_command(
                [*base, "--emit-index-annotation", "--no-annotate"], timeout=_TIMEOUT_SECONDS
            )
        except CommandError as exc:
            raise _failure(exc, reqs, target) from None
    indexes = _indexes(annotated.stdout)
    requested: dict[str, Requirement] = {canonicalize_name(r.name): r for r in reqs}
    tags = {tag: rank for rank, tag in enumerate(target.supported_tags())}
    chosen = [
        _chosen(package, indexes, requested, tags, cache) for package in _packages(pylock.stdout)
    ]
    return Resolution(packages=locked_packages(chosen, target.marker_environment()))


def _target_args(target: Target) -> list[str]:
    """``--python-version`` (the full version: markers may compare it) and the newest
    ``--python-platform`` uv names that the target's glibc accepts."""
    major, minor = target.glibc
    usable = [g for g in _UV_GLIBC if major == 2 and g <= minor]
    if not usable:
        raise SkillgateError(f"uv cannot resolve for {target.platform} (glibc older than 2.17)")
    platform = f"{target.arch}-manylinux_2_{max(usable)}"
    return ["--python-version", target.python_full_version, "--python-platform", platform]


def index_args(env: Mapping[str, str]) -> list[str]:
    """pip's index settings, for uv, where uv's own are not set."""
    args: list[str] = []
    if env.get("PIP_INDEX_URL") and not (env.get("UV_INDEX_URL") or env.get("UV_DEFAULT_INDEX")):
        args += ["--index-url", env["PIP_INDEX_URL"]]
    if env.get("PIP_EXTRA_INDEX_URL") and not env.get("UV_EXTRA_INDEX_URL"):
        for url in env["PIP_EXTRA_INDEX_URL"].split():
            args += ["--extra-index-url", url]
    if env.get("PIP_FIND_LINKS") and not env.get("UV_FIND_LINKS"):
        for url in env["PIP_FIND_LINKS"].split():
            args += ["--find-links", url]
    if env.get("PIP_NO_INDEX", "").lower() in ("1", "true", "yes", "on"):
        args.append("--no-index")
    return args


def _failure(exc: CommandError, reqs: Sequence[Requirement], target: Target) -> ResolutionError:
    log = exc.stderr + exc.stdout
    reasons = [line.strip() for line in log.splitlines() if line.strip()]
    unreachable = tuple(
        dict.fromkeys(
            (provenance.redact(url), reasons[-1].removeprefix("cause: "))
            for url in _UNFETCHED.findall(log)
        )
    )
    return ResolutionError(
        f"uv could not resolve {', '.join(map(str, reqs))} for {target.tag}: {' '.join(reasons)}",
        unmatched=tuple(dict.fromkeys(m["name"] or m["pin"] for m in _NOT_FOUND.finditer(log))),
        unreachable=unreachable,
    )


def _packages(text: str) -> list[dict[str, Any]]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SkillgateError(f"uv wrote an unreadable pylock.toml: {exc}") from None
    packages = data.get("packages")
    if not isinstance(packages, list):
        raise SkillgateError("uv's pylock.toml has no packages list")
    return packages


def _indexes(text: str) -> dict[str, str]:
    """``name -> index URL`` from uv's requirements output with index annotations."""
    found: dict[str, str] = {}
    current: str | None = None
    for line in text.splitlines():
        if pin := _PIN.match(line):
            current = canonicalize_name(pin["name"])
        elif (source := _FROM.match(line)) and current is not None:
            found[current] = provenance.redact(source["index"])
    return found


def _chosen(
    package: dict[str, Any],
    indexes: Mapping[str, str],
    requested: Mapping[str, Requirement],
    tags: Mapping[Tag, int],
    cache: Path | None,
) -> Chosen:
    name = canonicalize_name(str(package.get("name", "")))
    version = str(package.get("version", ""))
    wheel = _preferred_wheel(name, package.get("wheels") or [], tags)
    index = indexes.get(name)
    if index is None:
        raise SkillgateError(f"{name}: uv does not say which index served it")
    expected = (wheel.get("hashes") or {}).get("sha256")
    file, path = fetch_verified(str(wheel["url"]), name, expected, f"{name}=={version}", cache)
    req = requested.get(name)
    node = graph.Node(
        name=name,
        requires=_requires_dist(path, name),
        requested=req is not None,
        extras=frozenset(req.extras) if req is not None else frozenset(),
    )
    return Chosen(node=node, version=version, file=file, index_url=index)


def _preferred_wheel(
    name: str, wheels: Sequence[dict[str, Any]], tags: Mapping[Tag, int]
) -> dict[str, Any]:
    """The wheel whose best tag ranks first for the target (ties: by file name)."""
    ranked = []
    for wheel in wheels:
        filename = str(wheel.get("url", "")).rpartition("/")[2]
        try:
            wheel_tags = parse_wheel_filename(filename)[3]
        except ValueError:
            continue
        ranks = [tags[tag] for tag in wheel_tags if tag in tags]
        if ranks:
            ranked.append((min(ranks), filename, wheel))
    if not ranked:
        raise SkillgateError(f"{name}: uv chose no wheel that the target accepts")
    return min(ranked, key=lambda item: item[:2])[2]


def _requires_dist(wheel: Path, name: str) -> tuple[str, ...]:
    """``Requires-Dist`` of the wheel's ``*.dist-info/METADATA`` (read, never imported)."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            members = [
                m
                for m in archive.namelist()
                if m.count("/") == 1 and m.endswith(".dist-info/METADATA")
            ]
            if len(members) != 1:
                raise SkillgateError(f"{name}: {wheel.name} has {len(members)} METADATA files")
            raw = archive.read(members[0])
    except (zipfile.BadZipFile, OSError) as exc:
        raise SkillgateError(f"{name}: cannot read {wheel.name}: {exc}") from None
    parsed, _ = parse_email(raw)
    return tuple(parsed.get("requires_dist") or ())
