"""Small, iterative helpers over Python syntax trees (hostile input must not exhaust the stack)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

BUILTIN_PREFIXES = ("builtins.", "__builtins__.", "__builtin__.")
STRING_METHODS = frozenset(
    [
        "encode",
        "decode",
        "join",
        "replace",
        "strip",
        "lstrip",
        "rstrip",
        "format",
        "lower",
        "upper",
        "split",
        "translate",
    ]
)
STRING_BUILTINS = frozenset({"bytes", "str", "bytearray"})
# Leaf nodes that carry nothing the analysis needs.
SKIPPED_NODES = frozenset(
    {
        ast.Load,
        ast.Store,
        ast.Del,
        ast.Add,
        ast.Sub,
        ast.Mult,
        ast.Div,
        ast.Mod,
        ast.Eq,
        ast.NotEq,
        ast.Lt,
        ast.Gt,
        ast.LtE,
        ast.GtE,
        ast.And,
        ast.Or,
        ast.Not,
        ast.Is,
        ast.IsNot,
        ast.USub,
        ast.BitOr,
        ast.BitAnd,
        ast.FloorDiv,
        ast.Pow,
        ast.Pass,
    }
)


def dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of attributes on a name, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def const_str(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def strip_builtins(name: str) -> str:
    if not name.startswith(BUILTIN_PREFIXES):
        return name
    for prefix in BUILTIN_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def target_keys(target: ast.expr) -> list[str]:
    keys: list[str] = []
    stack = [target]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Tuple | ast.List):
            stack.extend(node.elts)
        elif isinstance(node, ast.Starred):
            stack.append(node.value)
        else:
            key = dotted(node)
            if key:
                keys.append(key)
    return keys


CHILD_FIELDS_CACHE: dict[type[ast.AST], tuple[str, ...]] = {}
# How to push a field's children: a list of nodes, a list that may hold None or strings, a
# node (or None), a field whose first-seen value was None (checked each time).
NODES, MIXED_NODES, NODE, MAYBE_NODE = range(4)
MIXED_LISTS = frozenset({"keys", "kw_defaults", "names", "kwd_attrs"})
CHILD_PLANS: dict[type[ast.AST], tuple[tuple[str, int], ...]] = {}


def child_plan(kind: type[ast.AST], node: ast.AST) -> tuple[tuple[str, int], ...]:
    """The child fields of a node type, last field first (to push on a stack in order).

    Learnt from the first node of the type: fields holding strings or numbers there (names,
    attributes, levels, constants' values) never hold nodes, and are left out.
    """
    plan = CHILD_PLANS.get(kind)
    if plan is None:
        fields: list[tuple[str, int]] = []
        for name in child_fields(kind):
            value = getattr(node, name, None)
            if type(value) is list:
                fields.append((name, MIXED_NODES if name in MIXED_LISTS else NODES))
            elif isinstance(value, ast.AST):
                fields.append((name, NODE))
            elif value is None:
                fields.append((name, MAYBE_NODE))
        plan = CHILD_PLANS[kind] = tuple(reversed(fields))
    return plan


def push_children(node: ast.AST, stack: list[ast.AST]) -> None:
    """Push ``node``'s children on ``stack`` so that they pop in source order."""
    kind = type(node)
    for name, mode in CHILD_PLANS.get(kind) or child_plan(kind, node):
        value = getattr(node, name)
        if mode == NODES:
            stack.extend(reversed(value))
        elif mode == NODE:
            if value is not None:
                stack.append(value)
        elif mode == MIXED_NODES:
            stack.extend(item for item in reversed(value) if isinstance(item, ast.AST))
        elif isinstance(value, ast.AST):
            stack.append(value)


def walk(root: ast.AST) -> Iterator[ast.AST]:
    """Every node under ``root`` (itself included), iteratively; faster than ``ast.walk``."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        push_children(node, stack)


def child_fields(kind: type[ast.AST]) -> tuple[str, ...]:
    """Fields of a node type that can hold child nodes (contexts and operators excluded)."""
    fields = CHILD_FIELDS_CACHE.get(kind)
    if fields is None:
        skipped = {"ctx", "op", "ops", "type_comment"}
        fields = tuple(name for name in kind._fields if name not in skipped)
        CHILD_FIELDS_CACHE[kind] = fields
    return fields


def is_reversal(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Slice)
        and isinstance(node.step, ast.UnaryOp)
        and isinstance(node.step.op, ast.USub)
        and isinstance(node.step.operand, ast.Constant)
        and node.step.operand.value == 1
    )


def is_string_op(call: ast.Call) -> bool:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr in STRING_METHODS
    return isinstance(call.func, ast.Name) and call.func.id in STRING_BUILTINS


def mentions_chr(node: ast.expr) -> bool:
    return any(isinstance(n, ast.Name) and n.id == "chr" for n in ast.walk(node))


def many_int_constants(node: ast.expr) -> bool:
    if not isinstance(node, ast.List | ast.Tuple) or len(node.elts) < 8:
        return False
    return all(isinstance(e, ast.Constant) and isinstance(e.value, int) for e in node.elts)
