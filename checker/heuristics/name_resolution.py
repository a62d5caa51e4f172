"""Which callable an expression names, after import aliases and reflection.

``from base64 import b64decode as d`` makes ``d`` mean ``base64.b64decode``; ``__import__("os")``
and ``importlib.import_module("os")`` name ``os``; reflection reaches the same callables by
other routes: ``getattr(builtins, "exec")``, ``vars(__builtins__)["exec"]``,
``globals()["eval"]``, ``os.__dict__["system"]``, ``x.__getattribute__("system")``,
``exec.__call__``. Names spelt with encodings or escapes are folded (``literal_fold``). Every
reflective route that reaches a dangerous callable is recorded as a ``Reflection``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from checker.heuristics import api_names as api
from checker.heuristics.flow_types import Reflection
from checker.heuristics.literal_fold import Folded, LiteralFolder
from checker.heuristics.syntax import strip_builtins

BUILTIN_MODULES = frozenset({"builtins", "__builtins__", "__builtin__"})
# Callables worth hiding: code execution, processes, connections, and reflection itself.
REFLECTION_TARGETS = (
    api.EXEC_SINKS
    | api.PROCESS_SINKS
    | api.NETWORK_CALLS
    | api.DNS_CALLS
    | {"getattr", "compile", "execfile"}
)
IMPORTERS = frozenset({"__import__", "importlib.import_module"})
CALL_VALUE_NAMES = frozenset({"__import__", "import_module", "getattr", "__getattribute__", "get"})


class NameResolver:
    """Resolves expressions to dotted names; ``bound(name)`` gives a name's assigned value."""

    def __init__(self, bound: Callable[[str], ast.expr | None]) -> None:
        self.aliases: dict[str, str] = {}
        self.environ_names: set[str] = set()  # names bound to os.environ by an import
        self.reflections: dict[int, Reflection] = {}
        self.folder = LiteralFolder(self.resolve, bound)

    def resolve(self, node: ast.expr) -> str | None:
        """The dotted name an expression refers to after aliases and reflection, else None."""
        outer = node
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        called = bool(parts) and parts[0] == "__call__"
        if called:
            parts = parts[1:]
        base: str | None = None
        imported: Folded | None = None
        route = "__import__"
        kind = type(node)
        if kind is ast.Name:
            assert isinstance(node, ast.Name)
            base = self.aliases.get(node.id, node.id)
        elif kind is ast.Call:
            assert isinstance(node, ast.Call)
            base, imported = self._resolve_call_value(node)
        elif kind is ast.Subscript:
            assert isinstance(node, ast.Subscript)
            if isinstance(node.value, ast.Attribute) and node.value.attr == "modules":
                base, imported = self._module_lookup(node)  # sys.modules["os"]
                route = "sys.modules[]"
            else:
                base = self._lookup(node, node.value, node.slice)
        if base is None:
            return None
        name = strip_builtins(".".join([base, *reversed(parts)]))
        if imported is not None and parts and name in REFLECTION_TARGETS:
            # __import__("builtins").exec is how droppers reach exec without naming it.
            if base in BUILTIN_MODULES:
                route = "__import__(builtins)"
            self._record(outer, name, route, hidden=imported.hidden)
        elif called and name in REFLECTION_TARGETS:
            self._record(outer, name, "__call__", hidden=False)
        return name

    def _resolve_call_value(self, call: ast.Call) -> tuple[str | None, Folded | None]:
        # Only import, getattr and namespace lookups name a module or attribute; checking the
        # callee's shape first keeps long call chains (``a.b().c().d()``) from recursing.
        func = call.func
        last = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if last not in CALL_VALUE_NAMES or not call.args:
            return None, None
        if last == "get" and isinstance(func, ast.Attribute):
            return self._lookup(call, func.value, call.args[0]), None  # vars(x).get("exec")
        if last == "__getattribute__" and isinstance(func, ast.Attribute):
            return self._attribute(call, func.value, call.args[0], "__getattribute__"), None
        callee = self.resolve(func)
        if callee in IMPORTERS:
            folded = self.folder.fold(call.args[0])
            if folded is None:
                return None, None
            if folded.hidden:
                self._record(call, folded.value, "__import__", hidden=True)
            return folded.value, folded
        if callee == "getattr" and len(call.args) >= 2:
            return self._attribute(call, call.args[0], call.args[1], "getattr"), None
        return None, None

    def _attribute(
        self, node: ast.expr, owner_node: ast.expr, key_node: ast.expr, route: str
    ) -> str | None:
        owner = self.resolve(owner_node)
        key = self.folder.fold(key_node)
        if owner is None or key is None or not key.value.isidentifier():
            return None
        name = key.value if owner in BUILTIN_MODULES else strip_builtins(f"{owner}.{key.value}")
        self._record(node, name, route, hidden=key.hidden)
        return name

    def _lookup(self, node: ast.expr, namespace: ast.expr, key_node: ast.expr) -> str | None:
        """``namespace[key]`` where the namespace is a module's or the builtins' dictionary."""
        found = self._namespace(namespace)
        if found is None:
            return None
        owner, route = found
        key = self.folder.fold(key_node)
        if key is None or not key.value.isidentifier():
            return None
        name = strip_builtins(f"{owner}.{key.value}" if owner else key.value)
        self._record(node, name, route, hidden=key.hidden)
        return name

    def _module_lookup(self, node: ast.Subscript) -> tuple[str | None, Folded | None]:
        """``sys.modules[name]``: the module, as ``__import__(name)`` would give it."""
        if self.resolve(node.value) != "sys.modules":
            return None, None
        folded = self.folder.fold(node.slice)
        if folded is None:
            return None, None
        if folded.hidden:
            self._record(node, folded.value, "sys.modules[]", hidden=True)
        return folded.value, folded

    def _namespace(self, node: ast.expr) -> tuple[str, str] | None:
        if isinstance(node, ast.Subscript):
            # globals()["__builtins__"]["exec"]: a lookup that yields the builtins namespace.
            inner = self._lookup(node, node.value, node.slice)
            return ("", "__builtins__[]") if inner in BUILTIN_MODULES else None
        if isinstance(node, ast.Attribute) and node.attr == "__dict__":
            owner = self.resolve(node.value)
            return (owner, "__dict__") if owner else None
        if isinstance(node, ast.Name):
            return ("", "__builtins__[]") if node.id in BUILTIN_MODULES else None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            function = self.aliases.get(node.func.id, node.func.id)
            if function in {"globals", "locals"} and not node.args:
                return ("", f"{function}()")
            if function == "vars":
                if not node.args:
                    return ("", "vars()")
                owner = self.resolve(node.args[0])
                return (owner, "vars()") if owner else None
        return None

    def _record(self, node: ast.expr, name: str, route: str, *, hidden: bool) -> None:
        if name in REFLECTION_TARGETS or route in {"__import__", "sys.modules[]"}:
            self.reflections.setdefault(
                id(node), Reflection(node=node, target=name, route=route, hidden=hidden)
            )

    def note_import(self, node: ast.Import | ast.ImportFrom) -> None:
        """Record the aliases an import statement binds."""
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self.aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    self.aliases.setdefault(top, top)
        elif node.module and not node.level:
            for alias in node.names:
                target = f"{node.module}.{alias.name}"
                self.aliases[alias.asname or alias.name] = target
                if target == "os.environ":
                    self.environ_names.add(alias.asname or alias.name)
