"""A loaded YAML mapping with the file:line:col of every node, and paths into it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from checker.findings import Finding, Severity

JsonPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Position:
    """1-based line and column of a node in its file."""

    line: int
    column: int


@dataclass(frozen=True, kw_only=True, slots=True)
class Document:
    """A loaded YAML mapping with the position of every value and key in it."""

    file: str
    data: dict[str, Any]
    positions: dict[JsonPath, Position] = field(repr=False)
    key_positions: dict[JsonPath, Position] = field(repr=False)

    def position(self, path: JsonPath, *, key: bool = False) -> Position:
        """Position of the node at ``path`` (its key with ``key=True``), else its nearest parent."""
        table = self.key_positions if key else self.positions
        probe = tuple(path)
        while probe:
            if probe in table:
                return table[probe]
            if probe in self.positions:
                return self.positions[probe]
            probe = probe[:-1]
        return self.positions.get((), Position(1, 1))

    def finding(
        self,
        path: JsonPath,
        rule: str,
        message: str,
        *,
        severity: Severity = Severity.ERROR,
        hint: str = "",
        key: bool = False,
    ) -> Finding:
        """A Finding located at the node ``path`` of this document."""
        pos = self.position(path, key=key)
        return Finding(
            rule=rule,
            severity=severity,
            message=message,
            file=self.file,
            line=pos.line,
            column=pos.column,
            hint=hint,
        )


def walk_paths(data: Any, path: JsonPath = ()) -> Iterator[JsonPath]:
    """Every path in ``data``, parents first."""
    yield path
    if isinstance(data, dict):
        for key, value in data.items():
            yield from walk_paths(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from walk_paths(value, (*path, i))
