"""What a resolver returns, and what both resolvers share.

``pip_resolver`` and ``uv_resolver`` each decide which distributions and which files a skill
needs for the sandbox target; they share the rest: every chosen file downloaded into the
artifacts cache with its sha256 checked against the index's (:func:`fetch_verified`), and
the ``via`` edges computed from the distributions' own metadata in the target's marker
environment (:func:`locked_packages`, through ``checker.lock.graph``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import InvalidWheelFilename, parse_wheel_filename

from checker.exit_codes import SkillgateError
from checker.lock import artifacts, graph, provenance
from checker.lock.lockfile import LockedFile, LockedPackage


class ResolutionError(SkillgateError):
    """The resolver could not resolve (exit 3). ``unmatched``: the requirements no index file
    satisfies; ``unreachable``: (url, reason) of index pages that could not be fetched for
    another reason than "not found", so an unmatched requirement may exist after all."""

    def __init__(
        self,
        message: str,
        *,
        unmatched: tuple[str, ...] = (),
        unreachable: tuple[tuple[str, str], ...] = (),
    ) -> None:
        super().__init__(message)
        self.unmatched = unmatched
        self.unreachable = unreachable


@dataclass(frozen=True, kw_only=True, slots=True)
class Resolution:
    """The locked packages, or the requirements that only have sdists for the target."""

    packages: tuple[LockedPackage, ...] = ()
    sdist_only: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class Chosen:
    """One distribution a resolver chose: its file (downloaded and verified) and the index
    that served it."""

    node: graph.Node
    version: str
    file: LockedFile
    index_url: str


def requirement(text: str) -> Requirement:
    """A requirement a skill may lock: parseable, from an index (no direct URL)."""
    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        raise SkillgateError(f"invalid requirement {text!r}: {exc}") from None
    if req.url:
        raise SkillgateError(f"{text!r}: direct URL requirements cannot be locked from an index")
    return req


def locked_packages(
    chosen: Sequence[Chosen], environment: Mapping[str, str]
) -> tuple[LockedPackage, ...]:
    """The lock's packages, with ``via`` edges from their metadata in ``environment``."""
    edges = graph.dependents([c.node for c in chosen], environment)
    packages = []
    for item in chosen:
        node = item.node
        parents = tuple(sorted(edges[node.name]))
        if not node.requested and not parents:
            raise SkillgateError(f"{node.name} was resolved, but no locked package requires it")
        packages.append(
            LockedPackage(
                name=node.name,
                version=item.version,
                hashes=(f"sha256:{item.file.sha256}",),
                parents=() if node.requested else parents,
                required_by=parents if node.requested else (),
                index_url=item.index_url,
                files=(item.file,),
            )
        )
    return tuple(sorted(packages, key=lambda p: p.name))


def fetch_verified(
    url: str, name: str, expected: str | None, label: str, cache: Path | None
) -> tuple[LockedFile, Path]:
    """Download the wheel at ``url`` into the cache (credentials never recorded); its digest
    must equal the index's when the index publishes one, else it is trusted on first use
    and recorded in the lock for review."""
    url = provenance.redact(url)
    filename = wheel_filename(url, name)
    if expected:
        file = LockedFile(filename=filename, url=url, sha256=expected.lower())
        return file, artifacts.fetch_file(file, cache, label=label)
    sha256 = artifacts.fetch_unpinned(url, filename, cache, label=label)
    file = LockedFile(filename=filename, url=url, sha256=sha256)
    return file, artifacts.artifact_path(file, cache)


def wheel_filename(url: str, name: str) -> str:
    """The file name at the end of ``url``; SkillgateError unless it names a wheel."""
    filename = unquote(urlsplit(url).path.rpartition("/")[2])
    try:
        parse_wheel_filename(filename)
    except InvalidWheelFilename:
        raise SkillgateError(f"{name}: {filename!r} is not a wheel") from None
    return filename
