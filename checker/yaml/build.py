"""Build plain data from a composed YAML node graph, keeping every node's position.

Duplicate and merge keys become findings; alias expansion and nesting are bounded; only
ints, floats, bools and nulls are resolved, so dates and versions stay strings (with
``strings=True`` only nulls are: OSV data, where ``1.10`` must not become a float).
"""

from __future__ import annotations

from typing import Any

import yaml

from checker.findings import Finding, Severity
from checker.yaml.document import JsonPath, Position

MAX_NODES = 200_000
MAX_ALIASES = 1_000
# Policy files nest a few levels; composing recurses once per level (in C for libyaml,
# which crashes the process past ~10,000 levels, then in Python), so depth is bounded.
MAX_DEPTH = 64

_TAG_INT = "tag:yaml.org,2002:int"
_TAG_FLOAT = "tag:yaml.org,2002:float"
_TAG_BOOL = "tag:yaml.org,2002:bool"
TAG_NULL = "tag:yaml.org,2002:null"
_TAG_MERGE = "tag:yaml.org,2002:merge"


class NodeBuilder:
    """Turns a composed node graph into plain data, recording positions and problems."""

    def __init__(self, file: str, *, strings: bool = False) -> None:
        self.file = file
        self.strings = strings
        self.positions: dict[JsonPath, Position] = {}
        self.key_positions: dict[JsonPath, Position] = {}
        self.findings: list[Finding] = []
        self.nodes = 0
        self.aliases = 0
        self.seen: set[int] = set()

    def _error(self, node: yaml.Node, rule: str, message: str, hint: str = "") -> None:
        self.findings.append(
            Finding(
                rule=rule,
                severity=Severity.ERROR,
                message=message,
                file=self.file,
                line=node.start_mark.line + 1,
                column=node.start_mark.column + 1,
                hint=hint,
            )
        )

    def build(self, node: yaml.Node, path: JsonPath) -> Any:
        if len(path) > MAX_DEPTH:  # reachable through aliases of nodes nested in turn
            raise TooDeep(Position(node.start_mark.line + 1, node.start_mark.column + 1))
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise TooBig(node)
        if id(node) in self.seen:
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise TooBig(node)
        if not isinstance(node, yaml.ScalarNode):
            self.seen.add(id(node))
        self.positions[path] = Position(node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        if self.strings:
            return None if node.tag == TAG_NULL and node.style in (None, "") else node.value
        return scalar(node)

    def _mapping(self, node: yaml.MappingNode, path: JsonPath) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _TAG_MERGE:
                self._error(
                    key_node,
                    "yaml.merge-key",
                    "merge keys (<<) are not allowed in policy files",
                    "write the keys out; a reviewer must see every value",
                )
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self._error(key_node, "yaml.key-type", "mapping keys must be plain strings")
                continue
            key = str(key_node.value)
            if key in out:
                first = self.key_positions[(*path, key)]
                self._error(
                    key_node,
                    "yaml.duplicate-key",
                    f"duplicate key {key!r} (first defined at line {first.line})",
                    "YAML parsers silently keep the last value; remove one of them",
                )
                continue
            self.key_positions[(*path, key)] = Position(
                key_node.start_mark.line + 1, key_node.start_mark.column + 1
            )
            out[key] = self.build(value_node, (*path, key))
        return out


class TooDeep(Exception):
    def __init__(self, where: Position) -> None:
        super().__init__("nesting limit")
        self.where = where


class TooBig(Exception):
    def __init__(self, node: yaml.Node) -> None:
        super().__init__("alias expansion limit")
        self.node = node


def scalar(node: yaml.ScalarNode) -> Any:
    """Resolve a plain scalar: ints, floats, bools and nulls; everything else is a string."""
    value: str = node.value
    if node.style not in (None, ""):
        return value
    if node.tag == _TAG_BOOL:
        return value.lower() in ("true", "yes", "on")
    if node.tag == TAG_NULL:
        return None
    if node.tag == _TAG_INT:
        try:
            return int(value.replace("_", ""), 0)
        except ValueError:
            return value
    if node.tag == _TAG_FLOAT:
        try:
            return float(value.replace("_", ""))
        except ValueError:
            return value
    return value
