"""Resolve with pip for the sandbox target, wheels only (``--resolver pip``).

``pip install --dry-run --report`` with ``--only-binary :all:`` and the target's
``--platform/--python-version/--abi`` resolves without installing, building or importing
anything: with wheels only, metadata comes from the index (PEP 658) or from the wheel's
``METADATA`` file, never from running a build backend. pip runs through
``checker.lock.pip_for_target`` so that it evaluates markers in the target's environment,
and its report must say so. pip's own index configuration (``PIP_INDEX_URL``, pip.conf,
``--find-links``) applies unchanged, and its debug log tells which index served each file.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from checker.exit_codes import SkillgateError
from checker.lock import graph, provenance
from checker.lock.resolution import (
    Chosen,
    Resolution,
    ResolutionError,
    fetch_verified,
    locked_packages,
)
from checker.lock.target import Target
from checker.process import CommandError, run_command

_NO_MATCH = re.compile(r"No matching distribution found for (\S+)")
_NO_SOURCES = re.compile(r"Skipping link: No sources permitted for (\S+?):")
_UNFETCHED = re.compile(r"Could not fetch URL (\S+?): (.*?)(?: - skipping)?$", re.MULTILINE)
_NOT_FOUND = ("404 ", "410 ")
_TIMEOUT_SECONDS = 900


def resolve_with_pip(
    reqs: Sequence[Requirement],
    target: Target,
    cache: Path | None,
    find_links: Sequence[Path] = (),
) -> Resolution:
    """Resolve ``reqs`` and their dependencies for ``target`` with pip; ``find_links``:
    flat directories of wheels seen beside the indexes."""
    environment = target.marker_environment()
    with tempfile.TemporaryDirectory(prefix="skillgate-lock-") as tmp:
        report_path = Path(tmp) / "report.json"
        command = [sys.executable, "-m", "checker.lock.pip_for_target", json.dumps(environment)]
        command += ["install", "--dry-run", "--ignore-installed"]
        command += ["--no-input", "--disable-pip-version-check", "-vv"]
        command += ["--report", str(report_path), "--target", str(Path(tmp) / "target")]
        for directory in find_links:
            command += ["--find-links", str(directory)]
        command += [*target.pip_args(), *(str(r) for r in reqs)]
        try:
            completed = run_command(command, timeout=_TIMEOUT_SECONDS)
        except CommandError as exc:
            sdist_only = _sdist_only(exc.stdout + exc.stderr)
            if sdist_only:
                return Resolution(sdist_only=sdist_only)
            raise _failure(exc, reqs, target) from None
        report = _load_report(report_path)
    if report.get("environment") != environment:
        raise SkillgateError(
            "pip did not evaluate markers in the target's environment (its report says "
            f"{report.get('environment')!r}); this pip version is not supported for locking"
        )
    pages = provenance.pages_by_url(completed.stdout + completed.stderr)
    chosen = [_chosen(item, pages, cache) for item in report["install"]]
    return Resolution(packages=locked_packages(chosen, environment))


def _failure(exc: CommandError, reqs: Sequence[Requirement], target: Target) -> ResolutionError:
    log = exc.stdout + exc.stderr
    unreachable = _unreachable(log)
    reached = "".join(f"; cannot fetch {url}: {why}" for url, why in unreachable[:1])
    return ResolutionError(
        f"pip could not resolve {', '.join(map(str, reqs))} for "
        f"{target.tag}: {_pip_errors(exc)}{reached}",
        unmatched=tuple(dict.fromkeys(_NO_MATCH.findall(log))),
        unreachable=unreachable,
    )


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
    except ValueError:
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


def _chosen(item: dict[str, Any], pages: dict[str, str | None], cache: Path | None) -> Chosen:
    metadata = item.get("metadata") or {}
    node = graph.Node(
        name=canonicalize_name(str(metadata.get("name", ""))),
        requires=tuple(str(r) for r in metadata.get("requires_dist") or ()),
        requested=bool(item.get("requested")),
        extras=frozenset(str(e) for e in item.get("requested_extras") or ()),
    )
    version = str(metadata["version"])
    info = item.get("download_info") or {}
    if item.get("is_direct") or "archive_info" not in info:
        raise SkillgateError(f"{node.name}: pip chose a direct reference, not an index file")
    url = provenance.redact(str(info["url"]))
    index = provenance.index_for(url, node.name, pages)
    if index is None:
        raise SkillgateError(f"{node.name}: pip's log does not say which index served {url}")
    expected = (info["archive_info"].get("hashes") or {}).get("sha256")
    file, _ = fetch_verified(url, node.name, expected, f"{node.name}=={version}", cache)
    return Chosen(node=node, version=version, file=file, index_url=index)
