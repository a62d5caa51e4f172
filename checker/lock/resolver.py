"""Resolve a skill's requirements for the sandbox target with pip, wheels only.

``pip install --dry-run --report`` with ``--only-binary :all:`` and the target's
``--platform/--python-version/--abi`` resolves without installing, building or
importing anything: with wheels only, metadata comes from the index (PEP 658) or from
the wheel's ``METADATA`` file, never from running a build backend. pip's own index
configuration applies unchanged, and its debug log tells which index served each file.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from checker.exit_codes import SkillgateError
from checker.lock import artifacts, graph, provenance
from checker.lock.lockfile import LockedFile, LockedPackage
from checker.lock.target import Target
from checker.process import CommandError, run_command

_NO_MATCH = re.compile(r"No matching distribution found for (\S+)")
_NO_SOURCES = re.compile(r"Skipping link: No sources permitted for (\S+?):")
_UNFETCHED = re.compile(r"Could not fetch URL (\S+?): (.*?)(?: - skipping)?$", re.MULTILINE)
_NOT_FOUND = ("404 ", "410 ")
_TIMEOUT_SECONDS = 900


class ResolutionError(SkillgateError):
    """pip could not resolve (exit 3). ``unmatched``: the requirements no index file satisfies
    (pip's "No matching distribution found for ..."); ``unreachable``: (url, reason) of index
    pages pip could not fetch for another reason than "not found", so an unmatched requirement
    may exist after all."""

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


def resolve(requirements: Sequence[str], target: Target, cache: Path | None = None) -> Resolution:
    """Resolve ``requirements`` (exact pins) and their dependencies for ``target``.

    Every chosen file is downloaded into the artifacts cache and its sha256 checked
    against the index's; an index that publishes no hash gets the downloaded file's.
    Raises SkillgateError (exit 3) when pip fails for any reason other than sdist-only
    requirements, or when the resolution cannot be explained.
    """
    reqs = [_requirement(text) for text in requirements]
    if not reqs:
        return Resolution()
    target.check_host()
    with tempfile.TemporaryDirectory(prefix="skillgate-lock-") as tmp:
        report_path = Path(tmp) / "report.json"
        command = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed"]
        command += ["--no-input", "--disable-pip-version-check", "-vv"]
        command += ["--report", str(report_path), "--target", str(Path(tmp) / "target")]
        command += [*target.pip_args(), *(str(r) for r in reqs)]
        try:
            completed = run_command(command, timeout=_TIMEOUT_SECONDS)
        except CommandError as exc:
            sdist_only = _sdist_only(exc.stdout + exc.stderr)
            if sdist_only:
                return Resolution(sdist_only=sdist_only)
            log = exc.stdout + exc.stderr
            unreachable = _unreachable(log)
            reached = "".join(f"; cannot fetch {url}: {why}" for url, why in unreachable[:1])
            raise ResolutionError(
                f"pip could not resolve {', '.join(requirements)} for "
                f"{target.tag}: {_pip_errors(exc)}{reached}",
                unmatched=tuple(dict.fromkeys(_NO_MATCH.findall(log))),
                unreachable=unreachable,
            ) from None
        report = _load_report(report_path)
    pages = provenance.pages_by_url(completed.stdout + completed.stderr)
    return Resolution(packages=_packages(report, pages, cache))


def _requirement(text: str) -> Requirement:
    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        raise SkillgateError(f"invalid requirement {text!r}: {exc}") from None
    if req.url:
        raise SkillgateError(f"{text!r}: direct URL requirements cannot be locked from an index")
    return req


def _sdist_only(log: str) -> tuple[str, ...]:
    unmatched = {
        canonicalize_name(Requirement(m).name) for m in _NO_MATCH.findall(log) if _parses(m)
    }
    sdists = {canonicalize_name(name) for name in _NO_SOURCES.findall(log)}
    return tuple(sorted(unmatched & sdists))


def _unreachable(log: str) -> tuple[tuple[str, str], ...]:
    """Index pages pip could not fetch (connection, TLS, server errors), "not found" aside."""
    found = (
        (url, reason.strip())
        for url, reason in _UNFETCHED.findall(log)
        if not reason.strip().startswith(_NOT_FOUND)
    )
    return tuple(dict.fromkeys(found))


def _parses(text: str) -> bool:
    try:
        Requirement(text)
    except InvalidRequirement:
        return False
    return True


def _pip_errors(exc: CommandError) -> str:
    lines = [line.strip() for line in (exc.stderr + exc.stdout).splitlines()]
    errors = [line for line in lines if line.startswith("ERROR:")]
    return " ".join(errors) or str(exc)


def _load_report(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SkillgateError(f"pip wrote no readable installation report: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("install"), list):
        raise SkillgateError("pip's installation report has no 'install' list")
    return data


def _packages(
    report: dict[str, Any], pages: dict[str, str | None], cache: Path | None
) -> tuple[LockedPackage, ...]:
    items = report["install"]
    environment = {str(k): str(v) for k, v in (report.get("environment") or {}).items()}
    nodes = [_node(item) for item in items]
    edges = graph.dependents(nodes, environment)
    packages: list[LockedPackage] = []
    for item, node in zip(items, nodes, strict=True):
        parents = tuple(sorted(edges[node.name]))
        if not node.requested and not parents:
            raise SkillgateError(f"pip resolved {node.name}, but no locked package requires it")
        packages.append(_package(item, node, parents, pages, cache))
    return tuple(sorted(packages, key=lambda p: p.name))


def _node(item: dict[str, Any]) -> graph.Node:
    metadata = item.get("metadata") or {}
    return graph.Node(
        name=canonicalize_name(str(metadata.get("name", ""))),
        requires=tuple(str(r) for r in metadata.get("requires_dist") or ()),
        requested=bool(item.get("requested")),
        extras=frozenset(str(e) for e in item.get("requested_extras") or ()),
    )


def _package(
    item: dict[str, Any],
    node: graph.Node,
    parents: tuple[str, ...],
    pages: dict[str, str | None],
    cache: Path | None,
) -> LockedPackage:
    version = str(item["metadata"]["version"])
    info = item.get("download_info") or {}
    if item.get("is_direct") or "archive_info" not in info:
        raise SkillgateError(f"{node.name}: pip chose a direct reference, not an index file")
    url = provenance.redact(str(info["url"]))
    filename = unquote(urlsplit(url).path.rpartition("/")[2])
    try:
        parse_wheel_filename(filename)
    except InvalidWheelFilename:
        raise SkillgateError(f"{node.name}: {filename!r} is not a wheel") from None
    index = provenance.index_for(url, node.name, pages)
    if index is None:
        raise SkillgateError(f"{node.name}: pip's log does not say which index served {url}")
    expected = (info["archive_info"].get("hashes") or {}).get("sha256")
    sha256 = _verified_sha256(url, filename, expected, f"{node.name}=={version}", cache)
    return LockedPackage(
        name=node.name,
        version=version,
        hashes=(f"sha256:{sha256}",),
        parents=() if node.requested else parents,
        required_by=parents if node.requested else (),
        index_url=index,
        files=(LockedFile(filename=filename, url=url, sha256=sha256),),
    )


def _verified_sha256(
    url: str, filename: str, expected: str | None, label: str, cache: Path | None
) -> str:
    """Download the file into the cache; its digest must equal the index's when given."""
    if expected:
        artifacts.fetch_file(
            LockedFile(filename=filename, url=url, sha256=expected.lower()), cache, label=label
        )
        return expected.lower()
    # No published hash: trust on first use, recorded in the lock for review.
    return artifacts.fetch_unpinned(url, filename, cache, label=label)
