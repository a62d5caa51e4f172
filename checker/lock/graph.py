"""Who requires whom in a resolution: the ``via`` data of a lock.

pip's installation report lists what it would install and each distribution's
``Requires-Dist``; the edges are the requirements whose markers hold in the
environment pip resolved for, with the extras that were actually requested.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from packaging.markers import UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from checker.exit_codes import SkillgateError


@dataclass(frozen=True, kw_only=True, slots=True)
class Node:
    """One resolved distribution: normalised name, its requirements and requested extras."""

    name: str
    requires: tuple[str, ...]
    requested: bool
    extras: frozenset[str] = frozenset()


def dependents(nodes: Sequence[Node], environment: Mapping[str, str]) -> dict[str, set[str]]:
    """Map each resolved name to the resolved names that require it.

    Extras propagate: ``a`` requiring ``b[x]`` makes ``b``'s ``extra == "x"``
    requirements count, until nothing changes.
    """
    by_name = {node.name: node for node in nodes}
    extras: dict[str, set[str]] = {n.name: {canonicalize_name(e) for e in n.extras} for n in nodes}
    edges: dict[str, set[str]] = {node.name: set() for node in nodes}
    changed = True
    while changed:
        changed = False
        for node in nodes:
            for text in node.requires:
                req = _requirement(node.name, text)
                child = canonicalize_name(req.name)
                if child not in by_name or child == node.name:
                    continue
                if not _applies(req, environment, extras[node.name], node.name):
                    continue
                if node.name not in edges[child]:
                    edges[child].add(node.name)
                    changed = True
                wanted: set[str] = {canonicalize_name(e) for e in req.extras}
                if not wanted <= extras[child]:
                    extras[child] |= wanted
                    changed = True
    return edges


def _requirement(owner: str, text: str) -> Requirement:
    try:
        return Requirement(text)
    except InvalidRequirement as exc:
        raise SkillgateError(f"{owner}: cannot parse its requirement {text!r}: {exc}") from None


def _applies(
    req: Requirement, environment: Mapping[str, str], extras: set[str], owner: str
) -> bool:
    if req.marker is None:
        return True
    try:
        return any(
            req.marker.evaluate({**environment, "extra": extra}) for extra in ["", *sorted(extras)]
        )
    except UndefinedEnvironmentName as exc:
        raise SkillgateError(f"{owner}: cannot evaluate the marker of {req}: {exc}") from None
