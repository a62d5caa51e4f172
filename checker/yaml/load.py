"""All YAML goes through here: plain data plus the file:line:col of every node.

PyYAML alone would silently keep the last of two duplicate keys (hiding a reviewer's
change), expand alias bombs, and turn dates into ``datetime`` objects. This module
composes the node graph with the safe (libyaml when present) composer and builds the
data itself, so that every node keeps its position, duplicate keys are findings,
alias expansion is bounded, and scalars that YAML would make timestamps stay strings.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from checker.findings import Finding, Severity
from checker.yaml.build import (
    MAX_ALIASES,
    MAX_DEPTH,
    MAX_NODES,
    TAG_NULL,
    NodeBuilder,
    TooBig,
    TooDeep,
)
from checker.yaml.document import Document, JsonPath, Position, walk_paths

__all__ = [
    "MAX_ALIASES",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "Document",
    "JsonPath",
    "Position",
    "load_file",
    "load_text",
    "walk_paths",
]

MAX_FILE_BYTES = 1_000_000

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


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


def load_text(
    text: str, file: str, *, strings: bool = False
) -> tuple[Document | None, list[Finding]]:
    """Load one YAML mapping document from ``text``; problems come back as Findings.

    ``strings=True`` keeps every scalar but null a string (OSV records)."""
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
        isinstance(documents[0], yaml.ScalarNode) and documents[0].tag == TAG_NULL
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
    builder = NodeBuilder(file, strings=strings)
    try:
        data = builder.build(root, ())
    except TooDeep as deep_alias:
        return None, [_too_deep(deep_alias.where, file)]
    except TooBig as big:
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


def load_file(
    path: Path, file: str, *, max_bytes: int = MAX_FILE_BYTES, strings: bool = False
) -> tuple[Document | None, list[Finding]]:
    """Read and load ``path`` (shown as ``file``): size, encoding and YAML checked."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [_file_finding(file, "yaml.unreadable", f"cannot read file: {exc.strerror}")]
    if len(raw) > max_bytes:
        # Line 1, not 0 (the whole file), so that a pull-request annotation shows in the diff.
        message = f"file is {len(raw)} bytes; the limit is {max_bytes}"
        return None, [_file_finding(file, "yaml.too-large", message, line=1)]
    return load_bytes(raw, file, strings=strings)


def load_bytes(
    raw: bytes, file: str, *, strings: bool = False
) -> tuple[Document | None, list[Finding]]:
    """Decode (strict UTF-8, a BOM dropped) and load ``raw``, shown as ``file``."""
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
    return load_text(text.removeprefix("\ufeff"), file, strings=strings)


def _file_finding(
    file: str, rule: str, message: str, *, line: int = 0, column: int | None = None
) -> Finding:
    column = line if column is None else column
    return Finding(
        rule=rule, severity=Severity.ERROR, message=message, file=file, line=line, column=column
    )
