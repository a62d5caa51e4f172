"""Cleanup: containers carrying the sandbox's label, and leftover build stages."""

from __future__ import annotations

from typing import Any

from sandbox.engine import LABEL_MANAGED
from sandbox.runner import remove_container


def leftovers(client: Any) -> list[Any]:
    """Containers (running or not) that the sandbox created."""
    # ignore_removed: a container may go away between the listing and its inspection.
    found: list[Any] = client.containers.list(
        all=True, filters={"label": f"{LABEL_MANAGED}=true"}, ignore_removed=True
    )
    return found


def remove_leftovers(client: Any) -> int:
    """Force-remove them; the number removed."""
    found = leftovers(client)
    for container in found:
        remove_container(container)
    return len(found)


def prune_build_stages(client: Any) -> int:
    """Remove the untagged images that builds' first stage left; the number removed."""
    result = client.images.prune(
        filters={"dangling": True, "label": "org.skillgate.role=build-stage"}
    )
    return len(result.get("ImagesDeleted") or [])
