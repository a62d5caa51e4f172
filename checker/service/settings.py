"""Every setting of ``skillgate serve``, each also an environment variable (the CLI maps them).

| setting | option | environment |
|---|---|---|
| bundle file or URL | ``--bundle`` | ``SKILLGATE_BUNDLE`` |
| tokens file | ``--tokens`` | ``SKILLGATE_TOKENS`` |
| public key for signed bundles | ``--public-key`` | ``SKILLGATE_PUBLIC_KEY`` |
| listen address | ``--host`` / ``--port`` | ``SKILLGATE_HOST`` / ``SKILLGATE_PORT`` |
| policy repository (skills, images) | ``--repo`` | ``SKILLGATE_REPO`` |
| reload poll interval (s) | ``--reload-interval`` | ``SKILLGATE_RELOAD_INTERVAL`` |
| kill switch for package decisions | | ``SKILLGATE_PACKAGES_ENABLED`` |
| concurrent executions | ``--max-executions`` | ``SKILLGATE_MAX_EXECUTIONS`` |
| log level | ``--log-level`` | ``SKILLGATE_LOG_LEVEL`` |
| audit store (path or ``postgresql://`` URL) | ``--audit`` | ``SKILLGATE_AUDIT`` |
| audit journal directory | ``--audit-journal`` | ``SKILLGATE_AUDIT_JOURNAL`` |
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from checker.exit_codes import UsageError

KILL_SWITCH_ENV = "SKILLGATE_PACKAGES_ENABLED"
_FALSE = {"0", "false", "no", "off"}
_TRUE = {"1", "true", "yes", "on", ""}


@dataclass(frozen=True, kw_only=True, slots=True)
class ServeSettings:
    """What one service process serves and how."""

    bundle: str
    tokens: Path
    public_key: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    repo: Path | None = None
    reload_interval: float = 2.0
    packages_enabled: bool = True
    max_executions: int = 4
    log_level: str = "info"
    graceful_seconds: float = 30.0
    audit: str | None = None
    audit_journal: Path | None = None


def journal_directory(store_location: str, env: Mapping[str, str] | None = None) -> Path:
    """Per store: ``$XDG_STATE_HOME/skillgate/audit-journal/<digest of the location>``."""
    env = os.environ if env is None else env
    xdg = env.get("XDG_STATE_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "state"
    digest = hashlib.sha256(store_location.encode()).hexdigest()[:16]
    return base / "skillgate" / "audit-journal" / digest


def packages_enabled(env: Mapping[str, str] | None = None) -> bool:
    """The kill switch: ``SKILLGATE_PACKAGES_ENABLED=false`` denies every package decision.

    It can only deny more than the policy: there is no value that allows more. A value that
    is neither true nor false is refused at start (a typo must not leave the switch off).
    """
    value = (os.environ if env is None else env).get(KILL_SWITCH_ENV, "").strip().lower()
    if value in _FALSE:
        return False
    if value in _TRUE:
        return True
    raise UsageError(f"{KILL_SWITCH_ENV}={value!r}: expected true or false")
