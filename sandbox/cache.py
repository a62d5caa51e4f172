"""Where the sandbox keeps per-user state: the base record and the wheel download cache.

The same root as the artifact cache (``$SKILLGATE_CACHE``, else ``$XDG_CACHE_HOME/skillgate``),
so one variable moves every cache.
"""

from __future__ import annotations

from pathlib import Path

from checker.lock.artifacts import cache_root


def cache_dir() -> Path:
    """The skillgate cache root, created when missing."""
    path = cache_root()
    path.mkdir(parents=True, exist_ok=True)
    return path
