"""All YAML goes through here: plain data plus the file:line:col of every node.

PyYAML alone would silently keep the last of two duplicate keys (hiding a reviewer's
change), expand alias bombs, and turn dates into ``datetime`` objects. This module
composes the node graph with the safe (libyaml when present) composer and builds the
data itself, so that every node keeps its position, duplicate keys are findings,
alias expansion is bounded, and scalars that YAML would make timestamps stay strings.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from checker.findings import Finding, Severity

MAX_FILE_BYTES = 1_000_000
MAX_NODES = 200_000
MAX_ALIASES = 1_000
# Policy files nest a few levels; composing recurses once per level (in C for libyaml,
# which crashes the process past ~10,000 levels, then in Python), so depth is bounded.
MAX_DEPTH = 64

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TAG_INT = "tag:yaml.org,2002:int"
_TAG_FLOAT = "tag:yaml.org,2002:float"
_TAG_BOOL = "tag:yaml.org,2002:bool"
_TAG_NULL = "tag:yaml.org,2002:null"
_TAG_MERGE = "tag:yaml.org,2002:merge"
_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)

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


class _Builder:
    """Turns a composed node graph into plain data, recording positions and problems."""

    def __init__(self, file: str) -> None:
        self.file = file
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
            raise _TooDeep(Position(node.start_mark.line + 1, node.start_mark.column + 1))
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _TooBig(node)
        if id(node) in self.seen:
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise _TooBig(node)
        if not isinstance(node, yaml.ScalarNode):
            self.seen.add(id(node))
        self.positions[path] = Position(node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        return _scalar(node)

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


class _TooDeep(Exception):
    def __init__(self, where: Position) -> None:
        super().__init__("nesting limit")
        self.where = where


def _too_deep(where: Position, file: str) -> Finding:
    return Finding(
        rule="yaml.too-deep",
        severity=Severity.ERROR,
        message=f"nesting deeper than {MAX_DEPTH} levels: refusing to load it",
        file=file,
        line=where.line,
        column=where.column,
    )


def _deepest_mark(text: str, loader: type[yaml.SafeLoader] = _Loader) -> Position | None:
    """Where the event stream (flat, safe to read) first nests past MAX_DEPTH, else None."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=loader):
            kind = type(event)
            if kind in _OPEN:
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    return Position(mark.line + 1, mark.column + 1) if mark else Position(1, 1)
            elif kind in _CLOSE:
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        # libyaml 0.2.5 as bundled by PyYAML 6.0.4 stops at its own nesting limit before
        # yielding the events; the pure-Python parser streams, so it finds our limit's spot.
        if "nesting depth" in str(exc.problem) and loader is not yaml.SafeLoader:
            return _deepest_mark(text, yaml.SafeLoader)
        return None  # composing reports the syntax error with its position
    except yaml.YAMLError:
        return None
    return None


class _TooBig(Exception):
    def __init__(self, node: yaml.Node) -> None:
        super().__init__("alias expansion limit")
        self.node = node


def _scalar(node: yaml.ScalarNode) -> Any:
    """Resolve a plain scalar: ints, floats, bools and nulls; everything else is a string."""
    value: str = node.value
    if node.style not in (None, ""):
        return value
    if node.tag == _TAG_BOOL:
        return value.lower() in ("true", "yes", "on")
    if node.tag == _TAG_NULL:
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


def load_text(text: str, file: str) -> tuple[Document | None, list[Finding]]:
    """Load one YAML mapping document from ``text``; problems come back as Findings."""
    try:
        text.encode("utf-8")  # libyaml raises on lone surrogates, which no file can hold
    except UnicodeEncodeError as exc:
        line = text.count("\n", 0, exc.start) + 1
        column = exc.start - (text.rfind("\n", 0, exc.start) + 1) + 1
        message = f"text holds a lone surrogate (U+{ord(text[exc.start]):04X})"
        return None, [_file_finding(file, "yaml.encoding", message, line=line, column=column)]
    deep = _deepest_mark(text)
    if deep is not None:
        return None, [_too_deep(deep, file)]
    try:
        documents = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        # An unclosed quote or bracket is only noticed at the end of the stream; the
        # construct that never ends (the context) is where the author must look.
        if exc.context_mark and mark and mark.index >= len(text.rstrip()):
            mark, problem = exc.context_mark, f"{problem} {exc.context}"
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return None, [
            Finding(
                rule="yaml.syntax",
                severity=Severity.ERROR,
                message=f"invalid YAML: {problem}",
                file=file,
                line=line,
                column=col,
            )
        ]
    except yaml.YAMLError as exc:
        return None, [_file_finding(file, "yaml.syntax", f"invalid YAML: {exc}")]
    if len(documents) > 1:
        second = documents[1]
        return None, [
            Finding(
                rule="yaml.multi-document",
                severity=Severity.ERROR,
                message="a policy file holds exactly one YAML document",
                file=file,
                line=second.start_mark.line + 1,
                column=1,
            )
        ]
    if not documents or (
        isinstance(documents[0], yaml.ScalarNode) and documents[0].tag == _TAG_NULL
    ):
        return Document(file=file, data={}, positions={(): Position(1, 1)}, key_positions={}), []
    root = documents[0]
    if not isinstance(root, yaml.MappingNode):
        kind = "a list" if isinstance(root, yaml.SequenceNode) else "a scalar"
        return None, [
            Finding(
                rule="yaml.not-mapping",
                severity=Severity.ERROR,
                message=f"the document is {kind}; a mapping (key: value) is expected",
                file=file,
                line=root.start_mark.line + 1,
                column=root.start_mark.column + 1,
            )
        ]
    builder = _Builder(file)
    try:
        data = builder.build(root, ())
    except _TooDeep as deep_alias:
        return None, [_too_deep(deep_alias.where, file)]
    except _TooBig as big:
        return None, [
            Finding(
                rule="yaml.alias-limit",
                severity=Severity.ERROR,
                message=(
                    f"alias expansion exceeds the limit ({MAX_ALIASES} aliases, "
                    f"{MAX_NODES} nodes): refusing a possible alias bomb"
                ),
                file=file,
                line=big.node.start_mark.line + 1,
                column=big.node.start_mark.column + 1,
            )
        ]
    document = Document(
        file=file, data=data, positions=builder.positions, key_positions=builder.key_positions
    )
    return document, builder.findings


def load_file(path: Path, file: str) -> tuple[Document | None, list[Finding]]:
    """Read and load ``path`` (shown as ``file``): size, encoding and YAML checked."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [_file_finding(file, "yaml.unreadable", f"cannot read file: {exc.strerror}")]
    if len(raw) > MAX_FILE_BYTES:
        # Line 1, not 0 (the whole file), so that a pull-request annotation shows in the diff.
        message = f"file is {len(raw)} bytes; policy files are limited to {MAX_FILE_BYTES}"
        return None, [_file_finding(file, "yaml.too-large", message, line=1)]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [
            Finding(
                rule="yaml.encoding",
                severity=Severity.ERROR,
                message=f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
                file=file,
                line=line,
                column=column,
            )
        ]
    return load_text(text.removeprefix("\ufeff"), file)


def _file_finding(
    file: str, rule: str, message: str, *, line: int = 0, column: int | None = None
) -> Finding:
    column = line if column is None else column
    return Finding(
        rule=rule, severity=Severity.ERROR, message=message, file=file, line=line, column=column
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
