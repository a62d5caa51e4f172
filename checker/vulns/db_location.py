"""Where the vulnerability DB lives: ``--vuln-db``, else ``SKILLGATE_VULN_DB``, else XDG.

One import in the per-user data directory serves every checkout of the policy repository.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

ENV_VAR = "SKILLGATE_VULN_DB"


def resolve_db_dir(explicit: Path | None, env: Mapping[str, str] | None = None) -> Path:
    """The DB directory: explicit path, env var, ``$XDG_DATA_HOME/skillgate/vulndb``."""
    env = os.environ if env is None else env
    if explicit is not None:
        return explicit
    if env.get(ENV_VAR):
        return Path(env[ENV_VAR])
    # The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
    xdg = env.get("XDG_DATA_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"
    return base / "skillgate" / "vulndb"
