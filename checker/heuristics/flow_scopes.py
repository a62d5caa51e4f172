"""The data-flow model: scopes, and the bindings that carry labels into their keys.

Scopes nest like Python's: a function sees the names of the functions around it; methods see
the attributes (``self.x``, ``cls.x``) their class and its other methods assign. ``global`` and
``nonlocal`` send a function's assignments to the scope that owns the name. ``scope_collector``
builds them from a syntax tree; ``fixpoint`` propagates labels through the bindings.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

RETURN = "<return>"  # the key a function's returned value is bound to


@dataclass(eq=False, slots=True)
class Scope:
    """A module, class (its ``self.``/``cls.`` attributes only) or function namespace."""

    parent: Scope | None
    params: tuple[str, ...] = ()
    is_class: bool = False
    bindings: list[Binding] = field(default_factory=list)  # evaluated in this scope
    calls: list[ast.Call] = field(default_factory=list)
    handles: dict[str, ast.expr] = field(default_factory=dict)  # file handle -> opened path
    env: dict[str, int] = field(default_factory=dict)
    literal: dict[str, tuple[str, ...]] = field(default_factory=dict)
    declared: dict[str, Scope] = field(default_factory=dict)  # global / nonlocal names

    def lookup(self, key: str) -> int:
        """The labels of ``key`` here and in every enclosing scope."""
        scope: Scope | None = self
        value = 0
        while scope is not None:
            value |= scope.env.get(key, 0)
            scope = scope.parent
        return value

    def literal_strings(self, key: str) -> tuple[str, ...] | None:
        """The literals ``key`` is built from, from the nearest scope that binds it."""
        scope: Scope | None = self
        while scope is not None:
            if key in scope.literal:
                return scope.literal[key]
            scope = scope.parent
        return None

    def owner(self, key: str) -> Scope:
        """The scope an assignment to ``key`` here writes to."""
        declared = self.declared.get(key.split(".", 1)[0])
        return declared if declared is not None else self


@dataclass(eq=False, slots=True)
class Binding:
    """Labels flowing from ``value`` (evaluated in ``scope``) into the keys it assigns."""

    keys: list[tuple[Scope, str]]
    value: ast.expr
    scope: Scope
    call: ast.Call | None = None  # download bindings: the call that writes a file
    queued: bool = False
    size: int = 0  # nodes in ``value``, learnt on the first evaluation
