"""Heavy obfuscation without an execution sink (reported, not gated).

Encoded blobs, machine-generated identifiers and obfuscator runtimes hide what code does;
legitimate packages embed data too, so these findings inform a reviewer without gating.
When the hidden payload is executed, ``mal.decode-exec`` gates instead.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator

from checker.findings import Finding, Severity
from checker.heuristics.artifact import ArtifactView, PythonModule
from checker.heuristics.interface import HeuristicRule

OBFUSCATION = "mal.obfuscation"
BLOB_CHARS = 4096
# base64/hex alphabets, line breaks allowed; spaces are not (word lists are honest data).
ENCODED_BLOB = re.compile(r"[A-Za-z0-9+/=_\-\r\n]+")
MIN_MANGLED_NAMES = 5
OBFUSCATOR_MARKERS = ("__pyarmor__", "pyarmor_runtime", "__obfuscator__")


def _signals(module: PythonModule) -> Iterator[tuple[ast.AST, str]]:
    facts = module.facts
    blob = marker = None
    for string in facts.strings:
        value = string.value
        if blob is None and len(value) >= BLOB_CHARS and ENCODED_BLOB.fullmatch(value):
            blob = string
        cheap = "armor" in value or "__obfuscator__" in value  # before the exact markers
        if marker is None and cheap and any(name in value for name in OBFUSCATOR_MARKERS):
            marker = string
    if blob is not None:
        yield blob.node, f"encoded blob of {len(blob.value)} characters"
    if marker is not None:
        yield marker.node, "obfuscator runtime"
    for node in facts.marker_names.values():
        yield node, "obfuscator runtime"
        break
    if len(facts.mangled) >= MIN_MANGLED_NAMES:
        first = min(facts.mangled.values(), key=lambda node: (node.lineno, node.col_offset))
        yield first, f"{len(facts.mangled)} mangled identifiers"


class Obfuscation(HeuristicRule):
    """Long encoded literals, mangled identifiers, obfuscator runtimes."""

    name = "obfuscation"
    rule_ids = (OBFUSCATION,)

    def check_module(self, artifact: ArtifactView, module: PythonModule) -> Iterable[Finding]:
        for node, what in _signals(module):
            yield artifact.code_finding(
                module, node, OBFUSCATION, Severity.WARNING, f"obfuscated code ({what})"
            )
