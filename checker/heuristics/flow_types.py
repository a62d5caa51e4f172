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
    SHIPPED = enum.auto()  # a file the code names itself (a literal path, beside __file__)
    CREDENTIAL = enum.auto()  # names or reads a credential store
    ENVIRON = enum.auto()  # the whole process environment
    DOWNLOADED = enum.auto()  # a path that network data was written to
    UNPACKED = enum.auto()  # decoded or decompressed from a file the code names (shipped data)
    FIXED_URL = enum.auto()  # network data from an address the code itself holds (not a caller's)
    SYSINFO = enum.auto()  # who and where: host name, user name, MAC address, public IP
    SECRET = enum.auto()  # a secret from the environment (a token, password or API key)
    SIGNING_KEY = enum.auto()  # a secret honest code signs with and never sends (AWS secret key)
    PASSWORD_STORE = enum.auto()  # names a browser's saved-password store
    BROWSER_STORE = enum.auto()  # names a browser's cookie store or its encryption key
    PERSISTENCE = enum.auto()  # names a place that runs code at login or boot (~/.bashrc, Run key)
    CAPTURED = enum.auto()  # a screenshot, the clipboard or keystrokes


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
    address: str = ""  # the address a client call targets, as far as the code spells it
    code: str | None = None  # exec/eval/compile: the code string, when the code spells it


@dataclass(frozen=True, kw_only=True, slots=True)
class StringSite:
    """A string literal in code (bare string statements such as docstrings excluded)."""

    value: str
    node: ast.expr


@dataclass(frozen=True, kw_only=True, slots=True)
class Reflection:
    """A callable reached by reflection (``vars(__builtins__)["exec"]``, ``getattr(os, X)``)."""

    node: ast.expr  # the reflective expression
    target: str  # the dotted name it reaches ("exec", "os.system")
    route: str  # "getattr", "__import__", "__dict__", "vars()", "globals()", "__call__", ...
    hidden: bool  # the name was encoded, split, reversed or escaped


@dataclass(frozen=True, kw_only=True, slots=True)
class ItemWrite:
    """``x["LD_PRELOAD"] = value``: a preload variable set in an environment mapping."""

    node: ast.expr  # the assigned value
    environ: bool  # the mapping is os.environ (this process and its children)
    labels: Taint  # where the value comes from
    module_level: bool  # runs on import, not inside a function
