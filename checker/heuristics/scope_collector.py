"""One source-order pass over a syntax tree: scopes, imports, bindings, calls and strings.

Every assignment, loop target, ``with`` target, ``return`` and lambda body becomes a
``Binding`` (``flow_scopes``), in source order. The walk is iterative: hostile, deeply nested
code cannot exhaust the Python stack here.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from checker.heuristics import api_names as api
from checker.heuristics.flow_scopes import RETURN, Binding, Scope
from checker.heuristics.flow_types import StringSite
from checker.heuristics.name_resolution import NameResolver
from checker.heuristics.syntax import (
    CHILD_PLANS,
    MIXED_NODES,
    NODE,
    NODES,
    child_plan,
    target_keys,
)

ENVIRON_ITEM_METHODS = frozenset({"get", "pop", "setdefault", "__getitem__", "__contains__"})
MANGLED_NAME = re.compile(r"^(?:[Il1O0_]{6,}|_0x[0-9a-fA-F]{3,})$")
MANGLED_FIRST = frozenset("_IlO")
OBFUSCATOR_NAMES = frozenset({"__pyarmor__", "__obfuscator__"})
MANGLED_MIN = 6  # machine-mangled names are at least this long


@dataclass(frozen=True, slots=True)
class _Frame:
    """A marker on the walk's stack: from here on, code belongs to ``scope``/``klass``."""

    scope: Scope
    klass: Scope | None
    class_names: tuple[str, ...] = ()


class ScopeCollector:
    """Walks one module in source order and records what the taint analysis needs."""

    def __init__(self, resolver: NameResolver) -> None:
        self.resolver = resolver
        self.module = Scope(parent=None)
        self.scopes: list[Scope] = [self.module]
        self.strings: list[StringSite] = []
        self.fstring_parts: set[int] = set()  # constants inside f-strings
        self.environ: set[int] = set()  # nodes that are os.environ
        self.environ_items: set[int] = set()  # os.environ nodes used for one item only
        self.environ_candidates: list[ast.expr] = []  # x.environ, x[...]: resolved later
        self.attr_keys: set[str] = set()
        self.mangled: dict[str, ast.Name] = {}
        self.marker_names: dict[str, ast.Name] = {}
        self.native_refs: list[tuple[str, ast.AST]] = []  # ctypes APIs named by attribute
        # x[key] = value assignments: (x, key, value, the scope they run in)
        self.item_writes: list[tuple[ast.expr, ast.expr, ast.expr, Scope]] = []
        self.functions: dict[str, list[Scope]] = {}
        self.methods: dict[str, list[Scope]] = {}
        self.lambdas: dict[int, Scope] = {}
        self.first_values: dict[str, ast.expr] = {}  # first value of each name (for folding)
        self.node_count = 0
        self._bare: set[int] = set()
        handlers: dict[type, Callable[[Any, _Frame, list[Any]], bool]] = {
            ast.Expr: self._expr,
            ast.Subscript: self._subscript,
            ast.JoinedStr: self._joined_str,
            ast.Compare: self._compare,
            ast.Assign: self._assign,
            ast.AnnAssign: self._assign_value,
            ast.AugAssign: self._assign_value,
            ast.NamedExpr: self._assign_value,
            ast.For: self._loop,
            ast.AsyncFor: self._loop,
            ast.comprehension: self._loop,
            ast.withitem: self._with_item,
            ast.Return: self._return,
            ast.Import: self._import,
            ast.ImportFrom: self._import,
            ast.Global: self._declare,
            ast.Nonlocal: self._declare,
        }
        for kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef):
            handlers[kind] = self._enter
        self._handlers = handlers

    def collect(self, tree: ast.Module) -> None:  # noqa: PLR0915 (one hot loop)
        """Walk ``tree`` once, in source order."""
        frame = _Frame(self.module, None)
        # Nodes and frame markers; typed Any: this loop runs once per node of every module,
        # and per-node isinstance assertions would cost more than the rest of it.
        stack: list[Any] = [tree]
        pop = stack.pop
        strings = self.strings
        bare = self._bare
        environ_names = self.resolver.environ_names
        handlers = self._handlers
        native_names = api.NATIVE_API_NAMES
        plans = CHILD_PLANS
        count = 0
        while stack:
            node = pop()
            kind = type(node)
            if kind is ast.Name:
                count += 1
                name = node.id
                if name in environ_names:
                    self.environ.add(id(node))
                if (
                    len(name) >= MANGLED_MIN and name[0] in MANGLED_FIRST
                ) or name in OBFUSCATOR_NAMES:
                    self._note_odd_name(node)
                continue
            if kind is ast.Constant:
                count += 1
                if type(node.value) is str and id(node) not in bare:
                    strings.append(StringSite(value=node.value, node=node))
                continue
            if kind is ast.Attribute:
                count += 1
                attr = node.attr
                if attr == "environ":
                    self.environ_candidates.append(node)
                elif attr in native_names:
                    self.native_refs.append((attr, node))
                stack.append(node.value)
                continue
            if kind is ast.Call:
                count += 1
                frame.scope.calls.append(node)
                func = node.func
                if type(func) is ast.Attribute and func.attr in ENVIRON_ITEM_METHODS:
                    self.environ_items.add(id(func.value))
                stack.extend(reversed(node.keywords))
                stack.extend(reversed(node.args))
                stack.append(func)
                continue
            if kind is _Frame:
                frame = node
                continue
            count += 1
            handler = handlers.get(kind)
            if handler is not None and handler(node, frame, stack):
                continue  # a scope: it pushed its own children
            # syntax.push_children, inlined: this loop runs once per node of every file.
            for name, mode in plans.get(kind) or child_plan(kind, node):
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
        self.node_count = count

    def _enter(self, node: Any, frame: _Frame, stack: list[Any]) -> bool:
        """Push a function, lambda or class: its body under a new frame, the rest outside."""
        scope, klass = frame.scope, frame.klass
        if isinstance(node, ast.ClassDef):
            holder = Scope(parent=scope, is_class=True)
            self.scopes.append(holder)
            names = ("self", "cls", node.name)
            stack.append(frame)
            stack.extend(reversed(node.body))
            stack.append(_Frame(scope, holder, names))
            stack.extend(reversed([*node.decorator_list, *node.bases, *node.keywords]))
            return True
        arguments = node.args
        params = tuple(a.arg for a in [*arguments.posonlyargs, *arguments.args])
        inner = Scope(parent=klass or scope, params=params)
        self.scopes.append(inner)
        stack.append(frame)
        if isinstance(node, ast.Lambda):
            self.lambdas[id(node)] = inner
            inner.bindings.append(Binding(keys=[(inner, RETURN)], value=node.body, scope=inner))
            stack.append(node.body)
        else:
            registry = self.methods if klass is not None else self.functions
            registry.setdefault(node.name, []).append(inner)
            stack.extend(reversed(node.body))
        stack.append(_Frame(inner, None))
        # Decorators and default values run in the enclosing scope.
        outside: list[ast.AST] = [arguments]
        if not isinstance(node, ast.Lambda):
            outside = [*node.decorator_list, arguments]
        stack.extend(reversed(outside))
        return True

    # -- expressions (each returns False: its children are walked as usual) ------------------

    def _expr(self, node: Any, frame: _Frame, stack: list[Any]) -> bool:
        if type(node.value) is ast.Constant:
            self._bare.add(id(node.value))  # a docstring or bare string: not code
        return False

    def _subscript(self, node: Any, frame: _Frame, stack: list[Any]) -> bool:
        if type(node.value) is ast.Name or type(node.value) is ast.Attribute:
            self.environ_candidates.append(node)
        return False

    def _joined_str(self, node: Any, frame: _Frame, stack: list[Any]) -> bool:
        # f-string parts carry the position of the whole f-string (before Python 3.12).
        self.fstring_parts.update(id(v) for v in node.values if type(v) is ast.Constant)
        return False

    def _compare(self, node: Any, frame: _Frame, stack: list[Any]) -> bool:
        if any(isinstance(op, ast.In | ast.NotIn) for op in node.ops):
            self.environ_items.update(id(c) for c in node.comparators)
        return False

    # -- statements ---------------------------------------------------------------------------

    def _assign(self, node: Any, frame: _Frame, stack: list[Any]) -> bool:
        targets = node.targets
        if len(targets) == 1 and type(targets[0]) is ast.Name:
            self._bind(frame, [targets[0].id], node.value)
            return False
        keys: list[str] = []
        for target in targets:
            keys.extend(target_keys(target))
            if isinstance(target, ast.Subscript):
                self.item_writes.append((target.value, target.slice, node.value, frame.scope))
        self._bind(frame, keys, node.value)
        return False

    def _assign_value(self, node: Any, frame: _Frame, stack: list[Any]) -> bool:
        if node.value is not None:  # AnnAssign, AugAssign, NamedExpr
            self._bind(frame, target_keys(node.target), node.value)
        return False

    def _loop(self, node: Any, frame: _Frame, stack: list[Any]) -> bool:
        self._bind(frame, target_keys(node.target), node.iter)  # For, AsyncFor, comprehension
        return False

    def _with_item(self, node: Any, frame: _Frame, stack: list[Any]) -> bool:
        if node.optional_vars is not None:
            self._bind(frame, target_keys(node.optional_vars), node.context_expr)
        return False

    def _return(self, node: Any, frame: _Frame, stack: list[Any]) -> bool:
        if node.value is not None:
            scope = frame.scope
            scope.bindings.append(Binding(keys=[(scope, RETURN)], value=node.value, scope=scope))
        return False

    def _import(self, node: Any, frame: _Frame, stack: list[Any]) -> bool:
        self.resolver.note_import(node)
        return False

    def _declare(self, node: Any, frame: _Frame, stack: list[Any]) -> bool:
        scope = frame.scope
        owner = self.module if isinstance(node, ast.Global) else _enclosing_function(scope)
        for name in node.names:
            scope.declared[name] = owner
        return False

    def _bind(self, frame: _Frame, keys: list[str], value: ast.expr) -> None:
        if not keys:
            return
        if type(value) is ast.Constant and not isinstance(value.value, str | bytes):
            return  # numbers, None, booleans: no labels, no literal text
        scope = frame.scope
        targets: list[tuple[Scope, str]] = []
        for key in keys:
            head, _, rest = key.partition(".")
            if rest:
                self.attr_keys.add(key.rsplit(".", 1)[-1])
            klass = _class_of(scope)
            if rest and klass is not None and head in {"self", "cls"}:
                targets.append((klass, key))  # self.x: shared by the class's methods
                continue
            owner = scope.owner(key)
            targets.append((owner, key))
            if not rest:
                self.first_values.setdefault(key, value)
                if frame.klass is not None:
                    # A class attribute is read as self.x / cls.x / Class.x by the methods.
                    for prefix in frame.class_names:
                        targets.append((frame.klass, f"{prefix}.{key}"))
                    self.attr_keys.add(key)
        scope.bindings.append(Binding(keys=targets, value=value, scope=scope))

    def _note_odd_name(self, node: ast.Name) -> None:
        name = node.id
        if MANGLED_NAME.match(name):
            seen = self.mangled.get(name)
            if seen is None or (node.lineno, node.col_offset) < (seen.lineno, seen.col_offset):
                self.mangled[name] = node
        elif name in OBFUSCATOR_NAMES:
            self.marker_names.setdefault(name, node)


def _class_of(scope: Scope) -> Scope | None:
    """The class whose method ``scope`` is, if it is one."""
    parent = scope.parent
    return parent if parent is not None and parent.is_class else None


def _enclosing_function(scope: Scope) -> Scope:
    parent = scope.parent
    while parent is not None and parent.is_class:
        parent = parent.parent
    return parent or scope
