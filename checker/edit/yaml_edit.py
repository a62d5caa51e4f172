"""Round-trip edits of one policy file: comments, key order, quoting and layout are kept.

ruamel.yaml reads the file into commented containers and writes it back after one change: an
entry appended to a top-level list, or one field of one entry set. Before anything is written,
every edit is proven twice: the new text differs from the old only in the lines the change is
about (a file that ruamel would reformat elsewhere is refused, never rewritten), and the
project's own loader (``checker.yaml``, what ``validate`` and the runtime read) reads back
exactly the intended data.
"""

from __future__ import annotations

import copy
import difflib
import io
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, ScalarString
from ruamel.yaml.tokens import CommentToken
from ruamel.yaml.util import load_yaml_guess_indent

from checker.exit_codes import PolicyError, SkillgateError
from checker.findings import Severity
from checker.yaml import load_text

Scalar = str | bool | date
# The layout of the shipped policy files, for a list that has no items to copy it from:
# "key:\n  - field: value" (items indented by 4, their dash by 2).
HOUSE_INDENT = (4, 2)
_WIDTH = 1 << 16  # never fold a long line


@dataclass(frozen=True, kw_only=True, slots=True)
class TextEdit:
    """A policy file's text before (None: the file does not exist) and after one change, with
    the lines that changed, for the pull-request summary."""

    rel: str
    before: str | None
    after: str
    removed: tuple[str, ...]
    added: tuple[str, ...]
    line: int
    """The first changed line of ``after`` (1-based)."""


def append_entry(
    rel: str,
    before: str | None,
    key: str,
    entry: Mapping[str, Scalar],
    *,
    quoted: Collection[str] = (),
) -> TextEdit:
    """Append ``entry`` to the top-level list ``key`` (created when missing); the values
    named in ``quoted`` are double-quoted, others only when YAML needs it."""
    text, newline = _lf(before)
    plain, tree, yaml = _read(rel, text)
    item = CommentedMap((name, _scalar(value, name in quoted)) for name, value in entry.items())
    expected = copy.deepcopy(plain)
    current = expected.get(key)
    if current is not None and not isinstance(current, list):
        raise PolicyError(f"{rel}: {key!r} is not a list; fix the file before editing it")
    expected[key] = [*(current or []), {k: _plain(v) for k, v in entry.items()}]
    rewritable: set[int] = set()
    if tree is None:
        after = _ensure_newline(text or "") + _dump(yaml, CommentedMap({key: [item]}))
        return _proven(rel, before, text, after, newline, rewritable, expected)
    seq = tree.get(key)
    if not isinstance(seq, CommentedSeq) or not seq or seq.fa.flow_style():
        if key in tree:
            rewritable.add(tree.lc.key(key)[0])  # "key:", "key: []" becomes "key:" + items
        if not isinstance(seq, CommentedSeq):
            seq = CommentedSeq()
            tree[key] = seq
        seq.fa.set_block_style()
    else:
        _move_trailing_comments(seq[-1], item)
    seq.append(item)
    return _proven(rel, before, text, _dump(yaml, tree), newline, rewritable, expected)


def set_field(
    rel: str, before: str, key: str, *, match: tuple[str, str], field: str, value: str
) -> TextEdit:
    """Set ``field`` of the first entry of list ``key`` whose ``match[0]`` is ``match[1]``,
    keeping the old value's quoting; SkillgateError when there is no such entry."""
    text, newline = _lf(before)
    plain, tree, yaml = _read(rel, text)
    seq = tree.get(key) if isinstance(tree, CommentedMap) else None
    found = [
        (index, item)
        for index, item in enumerate(seq if isinstance(seq, CommentedSeq) else ())
        if isinstance(item, CommentedMap) and item.get(match[0]) == match[1] and field in item
    ]
    if not found:
        raise SkillgateError(f"{rel}: no entry of {key!r} with {match[0]}: {match[1]}")
    index, item = found[0]
    old = item[field]
    item[field] = type(old)(value) if isinstance(old, ScalarString) else _scalar(value, False)
    expected = copy.deepcopy(plain)
    expected[key][index][field] = value
    rewritable = {item.lc.value(field)[0]}
    return _proven(rel, before, text, _dump(yaml, tree), newline, rewritable, expected)


def _lf(text: str | None) -> tuple[str | None, str]:
    """``text`` with ``\n`` line ends, and the line end to write back: a file checked out
    with CRLF keeps them (mixed line ends are left alone, and refused if ruamel changes them)."""
    if text is not None and "\r\n" in text and text.count("\r\n") == text.count("\n"):
        return text.replace("\r\n", "\n"), "\r\n"
    return text, "\n"


def _read(rel: str, text: str | None) -> tuple[dict[str, Any], Any, YAML]:
    """The data as the policy loader reads it, ruamel's commented tree (None for an empty
    document) and a ruamel instance set to the file's own layout."""
    if text is None:
        return {}, None, _yaml(HOUSE_INDENT)
    document, findings = load_text(text, rel)
    errors = [f for f in findings if f.severity >= Severity.ERROR]
    if document is None or errors:
        raise PolicyError(f"{rel} has errors; fix them before editing it", errors)
    try:
        _, sequence, offset = load_yaml_guess_indent(text)
        known = sequence is not None and offset is not None
        yaml = _yaml((sequence, offset) if known else HOUSE_INDENT)
        tree = yaml.load(text)
    except YAMLError as exc:
        raise SkillgateError(f"cannot edit {rel}: ruamel.yaml cannot read it: {exc}") from None
    return dict(document.data), tree, yaml


def _yaml(indent: tuple[int, int]) -> YAML:
    yaml = YAML()  # round-trip
    yaml.preserve_quotes = True
    yaml.width = _WIDTH
    yaml.indent(mapping=2, sequence=indent[0], offset=indent[1])
    return yaml


def _dump(yaml: YAML, tree: Any) -> str:
    out = io.StringIO()
    yaml.dump(tree, out)
    return out.getvalue()


def _scalar(value: Scalar, quoted: bool) -> Any:
    if isinstance(value, str) and (quoted or not _reads_back_plain(value)):
        return DoubleQuotedScalarString(value)
    return value


def _plain(value: Scalar) -> str | bool:
    # The policy loader keeps dates as the strings they are written as.
    return value.isoformat() if isinstance(value, date) else value


def _reads_back_plain(value: str) -> bool:
    """Would the policy loader (YAML 1.1: ``yes`` is a boolean) read ``value`` written plain
    as this very string? ruamel decides quoting by YAML 1.2 rules, which differ."""
    document, findings = load_text(f"value: {value}\n", "<value>")
    return document is not None and not findings and document.data == {"value": value}


def _move_trailing_comments(previous: Any, item: CommentedMap) -> None:
    """Comment and blank lines after the last entry stay at the end of the list: ruamel keeps
    them on the last entry's last value, so they move to the new entry's."""
    if not isinstance(previous, CommentedMap) or not previous:
        return
    last = list(previous)[-1]
    if isinstance(previous[last], CommentedMap | CommentedSeq):
        return
    slot = previous.ca.items.get(last)
    token = slot[2] if slot and len(slot) > 2 else None
    if not isinstance(token, CommentToken):
        return
    end_of_line, newline, rest = str(token.value).partition("\n")
    if not rest:
        return
    token.value = end_of_line + newline
    item.ca.items[list(item)[-1]] = [
        None,
        None,
        CommentToken("\n" + rest, CommentMark(0), None),
        None,
    ]


def _ensure_newline(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"


def _proven(
    rel: str,
    before: str | None,
    text: str | None,
    after: str,
    newline: str,
    rewritable: set[int],
    expected: dict[str, Any],
) -> TextEdit:
    """The edit of ``before`` (read as ``text``), once ``after`` changes only ``rewritable``
    lines (0-based) of ``text`` and the policy loader reads ``expected`` back from it."""
    old = _ensure_newline(text or "").splitlines(keepends=True)
    new = after.splitlines(keepends=True)
    removed: list[str] = []
    added: list[str] = []
    first = 0
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        untouchable = [i for i in range(i1, i2) if i not in rewritable]
        if untouchable:
            line = untouchable[0]
            raise SkillgateError(
                f"cannot edit {rel} without rewriting its line {line + 1} "
                f"({old[line].strip()!r}), which this change is not about; make the change "
                "by hand"
            )
        removed += old[i1:i2]
        added += new[j1:j2]
        first = first or j1 + 1
    document, findings = load_text(after, rel)
    if document is None or findings or document.data != expected:
        raise SkillgateError(f"editing {rel} did not produce the intended data; nothing written")
    return TextEdit(
        rel=rel,
        before=before,
        after=after.replace("\n", newline),
        removed=tuple(line.rstrip("\n") for line in removed),
        added=tuple(line.rstrip("\n") for line in added),
        line=first,
    )
