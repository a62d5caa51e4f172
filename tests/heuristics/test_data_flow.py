"""The data-flow analysis reaches its fixed point: chains of any length, any statement order,
enclosing scopes, global/nonlocal, the module's own functions; and reports, rather than hides,
code built to make it too slow."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.findings import Severity
from checker.heuristics import scan_artifact
from tests.heuristics.artifacts import write_wheel

DECODE = "from base64 import b64decode\n"
BLOB = "b64decode('cHJpbnQoMSk=')"


def _errors(tmp_path: Path, source: str) -> set[tuple[str, int]]:
    artifact = write_wheel(tmp_path, "evilpkg", {"evilpkg/__init__.py": source})
    return {(f.rule, f.line) for f in scan_artifact(artifact) if f.severity is Severity.ERROR}


def _chain(length: int, *, reverse: bool, indent: str = "") -> list[str]:
    steps = [f"{indent}a{i + 1} = a{i}" for i in range(length)]
    if reverse:  # every assignment before the one it reads: one step per propagation round
        steps.reverse()
    return [f"{indent}a0 = {BLOB}", *steps]


@pytest.mark.parametrize("length", [5, 50, 500])
@pytest.mark.parametrize("reverse", [False, True], ids=["source-order", "reverse-order"])
def test_reassignment_chain_of_any_length_reaches_exec(
    tmp_path: Path, length: int, *, reverse: bool
) -> None:
    lines = [DECODE.strip(), *_chain(length, reverse=reverse), f"exec(a{length})"]
    assert ("mal.decode-exec", len(lines)) in _errors(tmp_path, "\n".join(lines) + "\n")


@pytest.mark.parametrize("length", [5, 50, 500])
def test_nested_function_sees_what_it_reads_from_the_enclosing_function(
    tmp_path: Path, length: int
) -> None:
    lines = [DECODE.strip(), "def outer():", *_chain(length, reverse=True, indent="    ")]
    lines += ["    def inner():", f"        exec(a{length})", "    inner()"]
    assert ("mal.decode-exec", len(lines) - 1) in _errors(tmp_path, "\n".join(lines) + "\n")


FLOWS = {
    "global-from-a-function": (
        f"{DECODE}def load():\n    global payload\n    payload = {BLOB}\n\nload()\nexec(payload)\n",
        7,
    ),
    "nonlocal": (
        f"{DECODE}def outer():\n    code = None\n    def fill():\n        nonlocal code\n"
        f"        code = {BLOB}\n    fill()\n    exec(code)\n",
        8,
    ),
    "helper-return": (
        f"{DECODE}def unpack(s):\n    return b64decode(s)\n\nexec(unpack('cHJpbnQoMSk='))\n",
        5,
    ),
    "argument-to-parameter": (f"{DECODE}def run(code):\n    exec(code)\n\nrun({BLOB})\n", 3),
    "lambda-decoder": (f"{DECODE}d = lambda s: b64decode(s[::-1])\nexec(d('=kSMoQnbpJHc'))\n", 3),
    "attribute-across-methods": (
        f"{DECODE}class Stage:\n    def __init__(self):\n        self.code = {BLOB}\n\n"
        "    def run(self):\n        exec(self.code)\n",
        7,
    ),
    "class-attribute": (
        "import base64\nclass Stage:\n    BLOB = 'cHJpbnQoMSk='\n\n    def run(self):\n"
        "        exec(base64.b64decode(self.BLOB))\n",
        6,
    ),
}


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_flow_reaches_the_sink(tmp_path: Path, name: str) -> None:
    source, line = FLOWS[name]
    assert ("mal.decode-exec", line) in _errors(tmp_path, source)


def test_names_of_unrelated_functions_do_not_mix(tmp_path: Path) -> None:
    source = (
        f"{DECODE}def decode_icon():\n    data = {BLOB}\n    return len(data)\n\n"
        "def run_user_code(path):\n    data = open(path).read()\n    exec(data)\n"
    )
    assert _errors(tmp_path, source) == set()


def _quadratic(names: int) -> str:
    """A web of assignments where every propagation step re-reads every name."""
    table = ", ".join(f"c{i}" for i in range(names))
    lines = ["def run():", f"    table = [{table}]"]
    lines += [f"    c{i + 1} = c{i}" for i in reversed(range(names - 1))]
    lines += [f"    c0 = __import__('base64').{BLOB}", f"    exec(c{names - 1})", "run()"]
    return "\n".join(lines) + "\n"


def test_code_built_to_be_too_slow_is_reported_not_passed(tmp_path: Path) -> None:
    artifact = write_wheel(tmp_path, "evilpkg", {"evilpkg/__init__.py": _quadratic(1200)})
    [finding] = [f for f in scan_artifact(artifact) if f.rule == "heuristics.analysis-incomplete"]
    assert finding.severity is Severity.ERROR
    assert finding.file.endswith("!evilpkg/__init__.py")
    assert "too slow to analyse" in finding.message


def test_the_same_web_small_enough_is_analysed_to_the_end(tmp_path: Path) -> None:
    assert _errors(tmp_path, _quadratic(200)) == {("mal.decode-exec", 203)}


def test_a_large_honest_module_stays_far_below_the_cap(tmp_path: Path) -> None:
    rows = "".join(f"ROW_{i} = ({i}, 'V')\n" for i in range(20_000))
    table = "TABLE = [" + ", ".join(f"ROW_{i}" for i in range(20_000)) + "]\n"
    assert _errors(tmp_path, rows + table) == set()
