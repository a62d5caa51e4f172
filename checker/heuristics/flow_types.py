"""What the data-flow pass reports: taint labels, and the calls and strings it saw."""

from __future__ import annotations

import ast
import enum
from dataclasses import dataclass


class Taint(enum.IntFlag):
    """Where a value may come from."""

    NONE = 0
    DECODED = enum.auto()  # decoded or decompressed from a literal or from network data
    NETWORK = enum.auto()  # a network client, or data read from one
    SOCKET = enum.auto()  # a raw socket
    FILE = enum.auto()  # a local file, or data read from one
    CREDENTIAL = enum.auto()  # names or reads a credential store
    ENVIRON = enum.auto()  # the whole process environment
    DOWNLOADED = enum.auto()  # a path that network data was written to
    UNPACKED = enum.auto()  # decoded or decompressed from a local file
    FIXED_URL = enum.auto()  # network data from an address the code itself holds (not a caller's)


@dataclass(frozen=True, kw_only=True, slots=True)
class CallSite:
    """A call the rules care about, with the taint of what flows into it."""

    name: str  # resolved dotted name ("s.send" for a method of a local), "" when unresolvable
    method: str  # last attribute of the callee ("" for a bare name)
    node: ast.Call
    receiver: Taint
    arguments: Taint  # union over positional and keyword arguments
    keywords: dict[str, Taint]
    strings: tuple[str, ...]  # string literals in the arguments, names bound to literals included
    scope: Taint  # union of every label in the enclosing scope
    scope_calls: frozenset[str]  # resolved names of the interesting calls in the same scope
    module_level: bool  # runs on import (module or class body), not inside a function


@dataclass(frozen=True, kw_only=True, slots=True)
class StringSite:
    """A string literal in code (bare string statements such as docstrings excluded)."""

    value: str
    node: ast.expr
