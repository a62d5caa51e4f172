"""The compiled bundle: deterministic bytes, a digest over all content, revision outside it."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.bundle.build import build_bundle, policy_content, render_bundle
from checker.policy.validate import validate_repo
from checker.runtime import BundleError, Engine
from checker.runtime.bundle_format import canonical_digest
from tests.property.bundles import to_model
from tests.property.reference import RefApproval, RefBan, RefLevel, RefPolicy

POLICY = RefPolicy(
    levels=(RefLevel(name="LOW", packages=True), RefLevel(name="HIGH", packages=True)),
    default_level="LOW",
    agents={"a": "LOW", "b": "HIGH", "c": "HIGH"},
    approvals=(
        RefApproval(package="Requests", versions=">=2,<3", min_level="HIGH"),
        RefApproval(package="requests", versions="==2.32.3", min_level="LOW"),
        RefApproval(package="PyYAML", versions="==6.0.2", min_level="LOW"),
        RefApproval(package="numpy", versions="*", min_level="HIGH", prereleases=True),
    ),
    bans=(RefBan(package="ctx"), RefBan(package="requests", versions="<2.31")),
)


def compiled(repo: Path, revision: str = "rev") -> str:
    loaded, findings = validate_repo(repo)
    assert [f for f in findings if f.severity.label == "error"] == []
    return render_bundle(build_bundle(loaded, revision=revision))


def test_same_repository_compiles_to_identical_bytes(example_repo: Path, tmp_path: Path) -> None:
    first = compiled(example_repo)
    assert compiled(example_repo) == first
    # A copy somewhere else (other absolute paths, other mtimes) gives the same bytes.
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(example_repo, elsewhere)
    assert compiled(elsewhere) == first


def test_file_order_inside_the_repository_is_irrelevant(example_repo: Path) -> None:
    """Moving an approval into another file changes its source, not the decisions' order."""
    first = json.loads(compiled(example_repo))
    packages = example_repo / "policy" / "packages"
    for path in sorted(packages.glob("*.yaml")):
        path.rename(packages / f"z-{path.name}")
    moved = json.loads(compiled(example_repo))
    assert list(moved["approvals"]) == list(first["approvals"])
    assert moved["digest"] != first["digest"]  # sources name the new files


@settings(max_examples=50, deadline=None)
@given(
    agents=st.permutations(list(POLICY.agents.items())),
    approvals=st.permutations(POLICY.approvals),
    bans=st.permutations(POLICY.bans),
)
def test_entry_order_is_irrelevant(
    agents: list[tuple[str, str]], approvals: list[RefApproval], bans: list[RefBan]
) -> None:
    shuffled = dataclasses.replace(
        POLICY, agents=dict(agents), approvals=tuple(approvals), bans=tuple(bans)
    )
    # Sources would differ with the order; pin them so only the order changes.
    base = _sourceless(policy_content(to_model(POLICY)))
    other = _sourceless(policy_content(to_model(shuffled)))
    assert json.dumps(other) == json.dumps(base)
    assert canonical_digest(other) == canonical_digest(base)


def _sourceless(content: dict[str, Any]) -> dict[str, Any]:
    for key in ("approvals", "bans"):
        content[key] = {
            name: sorted(
                ({k: v for k, v in e.items() if k != "source"} for e in entries),
                key=lambda e: json.dumps(e, sort_keys=True),
            )
            for name, entries in content[key].items()
        }
    return content


def test_dict_insertion_order_does_not_change_digest_or_bytes() -> None:
    content = policy_content(to_model(POLICY))
    content["skills"] = {}
    content["revision"] = "r"
    content["digest"] = canonical_digest(content)
    reversed_content = {k: content[k] for k in reversed(list(content))}
    reversed_content["agents"] = dict(reversed(list(content["agents"].items())))
    assert canonical_digest(reversed_content) == content["digest"]
    assert render_bundle(reversed_content) == render_bundle(content)


def test_revision_is_outside_the_digest(example_repo: Path, tmp_path: Path) -> None:
    one = json.loads(compiled(example_repo, revision="aaaa"))
    two = json.loads(compiled(example_repo, revision="bbbb+dirty"))
    assert one["digest"] == two["digest"]
    path = tmp_path / "bundle.json"
    path.write_text(render_bundle(two), encoding="utf-8")
    assert Engine.load(path).revision == "bbbb+dirty"


def _flip(text: str, needle: str, replacement: str) -> str:
    assert needle in text
    return text.replace(needle, replacement, 1)


@pytest.mark.parametrize(
    ("needle", "replacement"),
    [
        ('"==6.0.2"', '"==6.0.3"'),  # an approved version
        ('"INTERN"', '"AUTONOMOUS"'),  # an agent's or approval's level
        ('"enabled": true', '"enabled": false'),  # the kill switch
        ('"exact_pins_only": true', '"exact_pins_only": false'),
        ('"ctx"', '"ctz"'),  # a banned name
        ('"prereleases": false', '"prereleases": true'),
        ('"transitive": "inherit"', '"transitive": "explicit"'),
        ('"min_level": "INTERN"', '"min_level": "SUPERVISED"'),
        ('"source_digest": "sha256:', '"source_digest": "sha256:0'),
    ],
)
def test_any_edit_to_the_content_is_refused(
    example_repo: Path, tmp_path: Path, needle: str, replacement: str
) -> None:
    text = compiled(example_repo)
    path = tmp_path / "bundle.json"
    path.write_text(text, encoding="utf-8")
    Engine.load(path)  # the untouched bundle loads
    path.write_text(_flip(text, needle, replacement), encoding="utf-8")
    with pytest.raises(BundleError, match="digest mismatch"):
        Engine.load(path)


def test_a_flipped_byte_anywhere_is_refused(example_repo: Path, tmp_path: Path) -> None:
    """Every byte of the content (not the revision) is covered: flip each in turn."""
    raw = compiled(example_repo).encode("utf-8")
    revision_at = raw.index(b'"revision"')
    path = tmp_path / "bundle.json"
    refused = 0
    for offset in range(0, len(raw), 7):
        if revision_at <= offset < raw.index(b"\n", revision_at):
            continue
        corrupt = bytearray(raw)
        corrupt[offset] ^= 0x01
        path.write_bytes(bytes(corrupt))
        try:
            engine = Engine.load(path)
        except BundleError:
            refused += 1
            continue
        # Only whitespace between tokens may change without changing the content.
        assert json.loads(bytes(corrupt)) == json.loads(raw), offset
        assert engine.digest == json.loads(raw)["digest"]
    assert refused > 0
