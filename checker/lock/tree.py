"""The dependency tree of a skill, drawn from its lock file alone.

No interpreter is started over the locked packages (a ``.pth`` file in an unscanned
wheel would run at start-up): the lock records who requires whom (``# via:``), which
is all a tree needs. pipdeptree inside the built image is the cross-check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from checker.lock.lockfile import Lock, LockedPackage


@dataclass(frozen=True, kw_only=True, slots=True)
class TreeNode:
    """A package in the tree; ``cycle`` marks a package already on the path above it."""

    name: str
    version: str
    children: tuple[TreeNode, ...] = ()
    cycle: bool = False


def build_tree(lock: Lock) -> tuple[TreeNode, ...]:
    """One root per direct requirement, children sorted by name."""
    children: dict[str, list[LockedPackage]] = {p.name: [] for p in lock.packages}
    for pkg in lock.packages:
        for parent in pkg.dependents:
            children.setdefault(parent, []).append(pkg)
    by_name = {p.name: p for p in lock.packages}

    def node(pkg: LockedPackage, path: frozenset[str]) -> TreeNode:
        if pkg.name in path:
            return TreeNode(name=pkg.name, version=pkg.version, cycle=True)
        below = path | {pkg.name}
        kids = sorted(children.get(pkg.name, ()), key=lambda p: p.name)
        return TreeNode(
            name=pkg.name, version=pkg.version, children=tuple(node(k, below) for k in kids)
        )

    roots = sorted((p for p in lock.packages if p.direct), key=lambda p: p.name)
    return tuple(node(by_name[r.name], frozenset()) for r in roots)


def render_text(roots: tuple[TreeNode, ...]) -> str:
    """``name==version`` roots with box-drawing branches, like ``pipdeptree``."""
    lines: list[str] = []

    def walk(node: TreeNode, prefix: str, last: bool, top: bool) -> None:
        label = f"{node.name}=={node.version}" + (" (cycle)" if node.cycle else "")
        lines.append(label if top else f"{prefix}{'└── ' if last else '├── '}{label}")
        inner = "" if top else prefix + ("    " if last else "│   ")
        for i, child in enumerate(node.children):
            walk(child, inner, i == len(node.children) - 1, top=False)

    for root in roots:
        walk(root, "", last=True, top=True)
    return "\n".join(lines) + ("\n" if lines else "")


def to_json(roots: tuple[TreeNode, ...]) -> list[dict[str, Any]]:
    """The tree in pipdeptree's ``--json-tree`` shape (key, package_name, ...)."""

    def convert(node: TreeNode) -> dict[str, Any]:
        data: dict[str, Any] = {
            "key": node.name,
            "package_name": node.name,
            "installed_version": node.version,
            "dependencies": [convert(c) for c in node.children],
        }
        if node.cycle:
            data["cycle"] = True
        return data

    return [convert(r) for r in roots]
