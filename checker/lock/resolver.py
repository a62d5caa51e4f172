"""Resolve a skill's requirements for the sandbox target, from any host, wheels only.

Two resolvers decide which distributions and files a lock holds, both for the target (never
the host) and neither running package code: ``uv`` (the default: it resolves for foreign
targets natively and is the fastest, see benchmarks/lock_speed.py) and ``pip`` (pip with
the target's tags and marker environment; it reads pip.conf). Choose with ``--resolver`` or
``SKILLGATE_RESOLVER``. Both give the same lock for the same index configuration (pip.conf
is pip's alone); the tests hold them to it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from checker.exit_codes import UsageError
from checker.lock.resolution import Resolution, ResolutionError, requirement
from checker.lock.target import Target

__all__ = ["RESOLVERS", "Resolution", "ResolutionError", "resolve", "resolver_name"]

RESOLVERS = ("uv", "pip")
RESOLVER_ENV = "SKILLGATE_RESOLVER"


def resolve(
    requirements: Sequence[str],
    target: Target,
    cache: Path | None = None,
    *,
    resolver: str | None = None,
    find_links: Sequence[Path] = (),
) -> Resolution:
    """Resolve ``requirements`` (exact pins) and their dependencies for ``target``.

    Every chosen file is downloaded into the artifacts cache and its sha256 checked
    against the index's; an index that publishes no hash gets the downloaded file's.
    ``find_links`` are flat directories of wheels seen beside the indexes (the wheels
    built from sdists, ``checker.lock.source_builds``).
    Raises SkillgateError (exit 3) when the resolver fails for any reason other than
    sdist-only requirements, or when the resolution cannot be explained.
    """
    reqs = [requirement(text) for text in requirements]
    if not reqs:
        return Resolution()
    chosen = resolver_name(resolver)
    if chosen == "uv":
        from checker.lock.uv_resolver import resolve_with_uv  # noqa: PLC0415

        return resolve_with_uv(reqs, target, cache, find_links)
    from checker.lock.pip_resolver import resolve_with_pip  # noqa: PLC0415

    return resolve_with_pip(reqs, target, cache, find_links)


def resolver_name(resolver: str | None) -> str:
    """The resolver asked for, else ``$SKILLGATE_RESOLVER``, else uv; UsageError if unknown."""
    chosen = resolver or os.environ.get(RESOLVER_ENV) or RESOLVERS[0]
    if chosen in RESOLVERS:
        return chosen
    raise UsageError(f"unknown resolver {chosen!r} (choose from {', '.join(RESOLVERS)})")
