"""The corpus: malicious samples and benign look-alikes, each built into a real wheel or sdist.

``corpus/malicious/<shape>/`` and ``corpus/benign/<shape>/`` each hold a small source tree,
a one-line ``README`` naming the real-world shape it imitates, and ``expect.yaml``: the artifact
to build (``wheel`` or ``sdist``, optionally a wheel ``tag``), the findings skillgate must report
(rule, severity, member, line) and, for a benign sample, the rules it ``imitates``. A malicious
sample must produce every listed finding; a benign one must produce no error and every finding
it lists (the warnings and notices of rules with an honest reading). The samples are data:
nothing here imports or runs them (their first lines keep ruff and mypy off them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from checker.findings import Finding, Severity
from checker.heuristics import RuleRegistry, scan_artifact
from tests.heuristics.artifacts import write_sdist, write_wheel

CORPUS = Path(__file__).parent / "corpus"
# Files of a sample directory that describe it rather than belong to its source tree.
SAMPLE_METADATA = frozenset({"README", "expect.yaml", "__init__.py"})
# Rules no source tree can exercise: name checks, archive structure, crashes, parse failures
# (tests/heuristics/test_typosquat.py and test_archive_safety.py cover them).
NOT_SOURCE_SHAPES = frozenset(
    {
        "mal.typosquat",
        "heuristics.unsafe-path",
        "heuristics.archive-bomb",
        "heuristics.archive-limit",
        "heuristics.rule-crashed",
        "heuristics.unparsed",
    }
)
Expected = tuple[str, str, str, int]


def _samples(kind: str) -> list[Path]:
    return sorted(path for path in (CORPUS / kind).iterdir() if (path / "expect.yaml").is_file())


MALICIOUS = _samples("malicious")
BENIGN = _samples("benign")


def _expect(sample: Path) -> dict[str, Any]:
    loaded = yaml.safe_load((sample / "expect.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _expected(sample: Path) -> set[Expected]:
    return {
        (item["rule"], item["severity"], item["file"], item["line"])
        for item in _expect(sample)["findings"]
    }


def _scan(sample: Path, tmp_path: Path) -> set[Expected]:
    """Build the sample's artifact, scan it; findings as (rule, severity, member, line)."""
    expect = _expect(sample)
    files = {
        path.relative_to(sample).as_posix(): path.read_bytes()
        for path in sorted(sample.rglob("*"))
        if path.is_file() and not (path.parent == sample and path.name in SAMPLE_METADATA)
    }
    name = "evilpkg" if sample.parent.name == "malicious" else "goodpkg"
    if expect["artifact"] == "sdist":
        artifact = write_sdist(tmp_path, name, files)
        prefix = f"{artifact.name}!{name}-1.0/"
    else:
        artifact = write_wheel(tmp_path, name, files, tag=expect.get("tag", "py3-none-any"))
        prefix = f"{artifact.name}!"
    findings: list[Finding] = scan_artifact(artifact)
    assert all(f.file.startswith(prefix) for f in findings), findings
    return {(f.rule, f.severity.label, f.file.removeprefix(prefix), f.line) for f in findings}


@pytest.mark.parametrize("sample", MALICIOUS, ids=[s.name for s in MALICIOUS])
def test_malicious_sample_is_caught(sample: Path, tmp_path: Path) -> None:
    expected = _expected(sample)
    assert expected, "a malicious sample names the finding it must produce"
    assert {severity for _, severity, _, _ in expected} <= {"error", "warning"}
    found = _scan(sample, tmp_path)
    assert expected <= found, f"missing {sorted(expected - found)}; found {sorted(found)}"


@pytest.mark.parametrize("sample", BENIGN, ids=[s.name for s in BENIGN])
def test_benign_look_alike_does_not_gate(sample: Path, tmp_path: Path) -> None:
    found = _scan(sample, tmp_path)
    assert [f for f in found if f[1] == Severity.ERROR.label] == []
    expected = _expected(sample)
    assert expected <= found, f"missing {sorted(expected - found)}; found {sorted(found)}"


def test_every_rule_has_malicious_and_benign_samples() -> None:
    rules = set(RuleRegistry.default().rule_ids()) - NOT_SOURCE_SHAPES
    caught = {rule for sample in MALICIOUS for rule, *_ in _expected(sample)}
    imitated = {rule for sample in BENIGN for rule in _expect(sample)["imitates"]}
    # mal.pth-import is the notice of an honest .pth line: it has look-alikes, not attacks.
    assert sorted(rules - caught - {"mal.pth-import"}) == []
    assert sorted(rules - imitated) == []


@pytest.mark.parametrize("sample", MALICIOUS + BENIGN, ids=[s.name for s in MALICIOUS + BENIGN])
def test_sample_says_in_one_line_what_it_imitates(sample: Path) -> None:
    lines = (sample / "README").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    assert 20 <= len(lines[0]) <= 140
    assert _expect(sample)["artifact"] in {"wheel", "sdist"}
