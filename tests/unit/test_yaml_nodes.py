"""The YAML loader keeps positions and refuses what would hide a reviewer's change."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.yaml import MAX_FILE_BYTES, Position, load_file, load_text


def test_positions_of_values_and_keys() -> None:
    document, findings = load_text("a: 1\nb:\n  - x\n  - {c: d}\n", "f.yaml")
    assert findings == []
    assert document is not None
    assert document.position(("b", 1, "c")) == Position(4, 9)
    assert document.position(("b", 1, "c"), key=True) == Position(4, 6)
    assert document.position(("b", 0)) == Position(3, 5)


def test_duplicate_keys_are_findings_with_both_lines() -> None:
    _, findings = load_text("x: 1\ny: 2\nx: 3\n", "dup.yaml")
    assert [(f.rule, f.line, f.column) for f in findings] == [("yaml.duplicate-key", 3, 1)]
    assert "line 1" in findings[0].message


def test_nested_duplicate_keys_all_reported() -> None:
    text = "a:\n  k: 1\n  k: 2\nb:\n  k: 1\n  k: 2\n"
    _, findings = load_text(text, "f.yaml")
    assert [(f.rule, f.line) for f in findings] == [
        ("yaml.duplicate-key", 3),
        ("yaml.duplicate-key", 6),
    ]


def test_billion_laughs_is_refused_quickly() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    document, findings = load_text("\n".join(lines) + "\n", "bomb.yaml")
    assert document is None
    assert [f.rule for f in findings] == ["yaml.alias-limit"]


def test_dates_stay_strings_and_quoted_numbers_stay_strings() -> None:
    document, _ = load_text("expires: 2027-06-30\nv: '1.0'\nn: 1.0\nb: yes\n", "f.yaml")
    assert document is not None
    assert document.data == {"expires": "2027-06-30", "v": "1.0", "n": 1.0, "b": True}


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("- a\n- b\n", "yaml.not-mapping"),
        ("just a string\n", "yaml.not-mapping"),
        ("a: [1, 2\n", "yaml.syntax"),
        ("a: 1\n---\nb: 2\n", "yaml.multi-document"),
        ("<<: {a: 1}\nb: 2\n", "yaml.merge-key"),
        ("? [a, b]\n: 1\n", "yaml.key-type"),
    ],
)
def test_malformed_documents(text: str, rule: str) -> None:
    _, findings = load_text(text, "f.yaml")
    assert [f.rule for f in findings] == [rule]
    assert findings[0].line >= 1


def test_empty_file_is_an_empty_mapping() -> None:
    document, findings = load_text("", "empty.yaml")
    assert findings == []
    assert document is not None
    assert document.data == {}


def test_non_utf8_reports_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"a: 1\nb: caf\xe9\n")
    document, findings = load_file(path, "latin1.yaml")
    assert document is None
    assert [(f.rule, f.line, f.column) for f in findings] == [("yaml.encoding", 2, 7)]


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a: " + b"x" * MAX_FILE_BYTES + b"\n")
    document, findings = load_file(path, "big.yaml")
    assert document is None
    assert [f.rule for f in findings] == ["yaml.too-large"]
