"""Connection to the Docker engine; failing closed when it does not answer.

Every part of the sandbox gets its client here, so "engine unreachable" is one clear
``Error: Docker engine not reachable: ...`` (exit 3) and never a traceback or a skip.
"""

from __future__ import annotations

import os
from typing import Any

from checker.exit_codes import SkillgateError

DEFAULT_HOST = "unix:///var/run/docker.sock"
API_VERSION = "1.41"
"""Engine API spoken by default (Docker 20.10+); override with ``DOCKER_API_VERSION``."""
LABEL_MANAGED = "org.skillgate.managed"
"""Label on every container and image the sandbox creates; ``sandbox gc`` selects on it."""
LABEL_ROLE = "org.skillgate.role"
LABEL_SKILL = "org.skillgate.skill"
LABEL_AGENT = "org.skillgate.agent"
LABEL_LEVEL = "org.skillgate.level"


class EngineUnreachableError(SkillgateError):
    """No Docker engine answered (exit 3)."""


def connect(timeout: float = 30.0) -> Any:
    """A docker-py client that has answered a ping; raise EngineUnreachableError otherwise."""
    import docker  # noqa: PLC0415 - imported when a verb needs the engine

    host = os.environ.get("DOCKER_HOST", DEFAULT_HOST)
    if host.startswith("unix://") and not os.path.exists(host.removeprefix("unix://")):
        # Checked up front: docker-py leaks the socket of a failed unix connect.
        raise EngineUnreachableError(
            f"Docker engine not reachable: no socket at {host} "
            "(start it with scripts/ensure-docker.sh)"
        )
    client = None
    try:
        # A pinned API version keeps the constructor from connecting (docker-py leaks that
        # socket when the engine is missing); ping() is the one place that connects.
        version = os.environ.get("DOCKER_API_VERSION", API_VERSION)
        client = docker.from_env(timeout=int(timeout), version=version)
        client.ping()
    except Exception as exc:
        if client is not None:
            client.close()
        raise EngineUnreachableError(
            f"Docker engine not reachable: {exc} (start it with scripts/ensure-docker.sh)"
        ) from exc
    return client
