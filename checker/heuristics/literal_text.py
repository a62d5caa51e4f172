"""The text an expression spells with string literals: whole, or the beginning of it.

``literal_strings`` answers "is this built from literals only, and from which?" (names bound to
literals count, through the scopes' ``literal`` maps); ``literal_prefix`` gives the literal
start of a built string (``"https://host/" + path``), which is where an address's host is.
"""

from __future__ import annotations

import ast

from checker.heuristics.flow_scopes import Scope
from checker.heuristics.syntax import dotted, is_string_op


def url_of(call: ast.Call) -> ast.expr | None:
    """The address argument of a client call (``url=`` or the first argument)."""
    url = next((kw.value for kw in call.keywords if kw.arg == "url"), None)
    return url or (call.args[0] if call.args else None)


def call_address(call: ast.Call, scope: Scope) -> str:
    """The address a client call targets, as far as the code spells it ("" if not)."""
    url = url_of(call)
    if url is None:
        return ""
    literal = literal_strings(url, scope)
    if literal is not None:
        return "".join(literal)
    return literal_prefix(url, scope)


def literal_strings(expr: ast.expr, scope: Scope) -> tuple[str, ...] | None:
    """The string literals ``expr`` is built from when it is built from literals only."""
    found: list[str] = []
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str | bytes):
                found.append(node.value if isinstance(node.value, str) else "")
        elif isinstance(node, ast.JoinedStr | ast.Tuple | ast.List):
            stack.extend(node.values if isinstance(node, ast.JoinedStr) else node.elts)
        elif isinstance(node, ast.FormattedValue | ast.Starred):
            stack.append(node.value)
        elif isinstance(node, ast.BinOp):
            stack.extend((node.left, node.right))
        elif isinstance(node, ast.Subscript):
            stack.append(node.value)
        elif isinstance(node, ast.Name | ast.Attribute):
            key = node.id if isinstance(node, ast.Name) else dotted(node)
            bound = scope.literal_strings(key) if key else None
            if bound is None:
                return None
            found.extend(bound)
        elif isinstance(node, ast.Call) and is_string_op(node):
            stack.extend(node.args)
            if isinstance(node.func, ast.Attribute):
                stack.append(node.func.value)
        else:
            return None
    return tuple(found) if found else None


def literal_prefix(expr: ast.expr, scope: Scope) -> str:
    """The literal text an expression starts with (f-strings, ``+``, ``%`` and ``.format``)."""
    for _ in range(16):
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return expr.value
        if isinstance(expr, ast.JoinedStr) and expr.values:
            expr = expr.values[0]
        elif isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add | ast.Mod):
            expr = expr.left
        elif (
            isinstance(expr, ast.Call)
            and isinstance(expr.func, ast.Attribute)
            and expr.func.attr == "format"
        ):
            expr = expr.func.value
        elif isinstance(expr, ast.Name):
            bound = scope.literal_strings(expr.id)
            return bound[0] if bound else ""
        else:
            return ""
    return ""
