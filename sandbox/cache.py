"""Where the sandbox keeps per-user state: the base record and the wheel download cache."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """``$SKILLGATE_CACHE_DIR``, else ``$XDG_CACHE_HOME/skillgate``, else ``~/.cache/skillgate``."""
    explicit = os.environ.get("SKILLGATE_CACHE_DIR")
    if explicit:
        path = Path(explicit)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        path = (Path(xdg) if xdg else Path.home() / ".cache") / "skillgate"
    path.mkdir(parents=True, exist_ok=True)
    return path
