"""What a Python module does, as the rules need it: resolved calls and where their data comes from.

One pass over the syntax tree resolves import aliases (``from base64 import b64decode as d``),
splits the module into scopes (module, each function), and records assignments. A small,
flow-insensitive taint analysis then labels every name with where its value may come from
(a decoded literal, the network, a socket, a file, a credential store, the whole environment).
Each interesting call is returned with the labels of its receiver, arguments and keywords.
Everything is iterative: hostile, deeply nested code cannot exhaust the Python stack here.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from checker.heuristics import api_names as api
from checker.heuristics.flow_types import CallSite, StringSite, Taint
from checker.heuristics.syntax import (
    SKIPPED_NODES,
    STRING_BUILTINS,
    child_fields,
    const_str,
    dotted,
    is_reversal,
    is_string_op,
    many_int_constants,
    mentions_chr,
    strip_builtins,
    target_keys,
    walk,
)

ENVIRON_ITEM_METHODS = frozenset({"get", "pop", "setdefault", "__getitem__", "__contains__"})
INTERESTING_CALLS = (
    api.EXEC_SINKS
    | api.DESERIALIZERS
    | api.FILE_RUNNERS
    | api.PROCESS_SINKS
    | api.NETWORK_CALLS
    | api.DNS_CALLS
    | {"os.dup2"}
)
INTERESTING_METHODS = api.SEND_METHODS | {"dup2"}
MAX_FIXPOINT_ROUNDS = 4
MANGLED_NAME = re.compile(r"^(?:[Il1O0_]{6,}|_0x[0-9a-fA-F]{3,})$")
MANGLED_FIRST = frozenset("_IlO")
OBFUSCATOR_NAMES = frozenset({"__pyarmor__", "__obfuscator__"})
WRITE_METHODS = frozenset({"write", "write_bytes"})


@dataclass(kw_only=True, slots=True)
class _Scope:
    parent: _Scope | None
    bindings: list[tuple[list[str], ast.expr]] = field(default_factory=list)
    calls: list[ast.Call] = field(default_factory=list)
    handles: dict[str, ast.expr] = field(default_factory=dict)  # file handle -> opened path
    env: dict[str, int] = field(default_factory=dict)
    literal: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def lookup(self, key: str) -> int:
        scope: _Scope | None = self
        value = 0
        while scope is not None:
            value |= scope.env.get(key, 0)
            scope = scope.parent
        return value

    def literal_strings(self, key: str) -> tuple[str, ...] | None:
        scope: _Scope | None = self
        while scope is not None:
            if key in scope.literal:
                return scope.literal[key]
            scope = scope.parent
        return None


class ModuleFacts:
    """Resolved calls, their taint and the string literals of one parsed module."""

    def __init__(self, tree: ast.Module) -> None:
        self.aliases: dict[str, str] = {}
        self.strings: list[StringSite] = []
        self.calls: list[CallSite] = []
        self._resolved: dict[int, str] = {}
        self._environ: set[int] = set()
        self._environ_items: set[int] = set()
        self._attr_keys: set[str] = set()
        self.mangled: dict[str, ast.Name] = {}  # machine-mangled identifiers (O0O0O0, _0x1f)
        self.marker_names: dict[str, ast.Name] = {}  # obfuscator runtime names
        module = _Scope(parent=None)
        scopes = self._collect(tree, module)
        for scope in scopes:
            self._solve(scope)
        for scope in scopes:
            self._record_calls(scope)

    # -- name resolution -------------------------------------------------------------------

    def resolve(self, node: ast.expr) -> str | None:
        """The dotted name an expression refers to after import aliases, else None."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        base: str | None = None
        if isinstance(node, ast.Name):
            base = self.aliases.get(node.id, node.id)
        elif isinstance(node, ast.Call):
            base = self._resolve_call_value(node)
        elif isinstance(node, ast.Subscript):
            inner = self.resolve(node.value) if isinstance(node.value, ast.Name) else None
            key = const_str(node.slice)
            if inner in {"__builtins__", "builtins.__dict__", "__builtins__.__dict__"} and key:
                base = key
        if base is None:
            return None
        return strip_builtins(".".join([base, *reversed(parts)]))

    def _resolve_call_value(self, call: ast.Call) -> str | None:
        # Only import and getattr calls name a module or attribute; checking the callee's shape
        # first keeps long call chains (``a.b().c().d()``) from recursing.
        func = call.func
        last = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if last not in {"__import__", "import_module", "getattr"}:
            return None
        callee = self.resolve(func)
        first = const_str(call.args[0]) if call.args else None
        if callee in {"__import__", "importlib.import_module"} and first:
            return first
        if callee == "getattr" and len(call.args) >= 2:
            attr = const_str(call.args[1])
            owner = self.resolve(call.args[0])
            if attr and owner:
                return f"{owner}.{attr}"
        return None

    # -- collection --------------------------------------------------------------------------

    def _collect(self, tree: ast.Module, module: _Scope) -> list[_Scope]:
        scopes = [module]
        visited: list[tuple[ast.AST, _Scope]] = []
        stack: list[tuple[ast.AST, _Scope]] = [(tree, module)]
        # Pass 1: scopes and imports (an import may follow its use in traversal order).
        while stack:
            node, scope = stack.pop()
            kind = type(node)
            if kind in SKIPPED_NODES:
                continue
            if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
                assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                inner = _Scope(parent=module)
                scopes.append(inner)
                stack.extend((child, inner) for child in node.body)
                # Decorators and default values run in the enclosing scope.
                stack.extend((child, scope) for child in [*node.decorator_list, node.args])
                continue
            if kind is ast.Import or kind is ast.ImportFrom:
                self._note_import(node)
            visited.append((node, scope))
            for field_name in child_fields(kind):
                value = getattr(node, field_name, None)
                if type(value) is list:
                    stack.extend((item, scope) for item in value if isinstance(item, ast.AST))
                elif isinstance(value, ast.AST):
                    stack.append((value, scope))
        # Pass 2: bindings, calls, strings, environment reads.
        bare_strings: set[int] = set()
        for node, scope in visited:
            self._note(node, scope, bare_strings)
        for call_scope in scopes:
            for call in call_scope.calls:
                name = self.resolve(call.func)
                if name:
                    self._resolved[id(call)] = name
        return scopes

    def _note_import(self, node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self.aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    self.aliases.setdefault(top, top)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                self.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def _note(self, node: ast.AST, scope: _Scope, bare_strings: set[int]) -> None:
        kind = type(node)
        if kind is ast.Name:
            assert isinstance(node, ast.Name)
            self._note_name(node)
        elif kind is ast.Constant:
            assert isinstance(node, ast.Constant)
            if isinstance(node.value, str) and id(node) not in bare_strings:
                self.strings.append(StringSite(value=node.value, node=node))
        elif kind is ast.Attribute:
            assert isinstance(node, ast.Attribute)
            if node.attr == "environ" and self.resolve(node) == "os.environ":
                self._environ.add(id(node))
        elif kind is ast.Call:
            assert isinstance(node, ast.Call)
            scope.calls.append(node)
            self._note_environ_call(node)
        elif kind is ast.Expr:
            assert isinstance(node, ast.Expr)
            if isinstance(node.value, ast.Constant):
                bare_strings.add(id(node.value))
        elif kind is ast.Assign:
            assert isinstance(node, ast.Assign)
            keys = [key for target in node.targets for key in target_keys(target)]
            self._bind(scope, keys, node.value)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign | ast.NamedExpr) and node.value:
            self._bind(scope, target_keys(node.target), node.value)
        elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
            self._bind(scope, target_keys(node.target), node.iter)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            self._bind(scope, target_keys(node.optional_vars), node.context_expr)
        elif isinstance(node, ast.Subscript) and self.resolve(node.value) == "os.environ":
            self._environ_items.add(id(node.value))
        elif isinstance(node, ast.Compare) and any(
            isinstance(op, ast.In | ast.NotIn) for op in node.ops
        ):
            self._environ_items.update(id(c) for c in node.comparators)

    def _note_name(self, node: ast.Name) -> None:
        name = node.id
        if name in self.aliases and self.aliases[name] == "os.environ":
            self._environ.add(id(node))
        if name[0] in MANGLED_FIRST and MANGLED_NAME.match(name):
            seen = self.mangled.get(name)
            if seen is None or (node.lineno, node.col_offset) < (seen.lineno, seen.col_offset):
                self.mangled[name] = node
        elif name in OBFUSCATOR_NAMES:
            self.marker_names.setdefault(name, node)

    def _note_environ_call(self, call: ast.Call) -> None:
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in ENVIRON_ITEM_METHODS:
            self._environ_items.add(id(func.value))

    def _bind(self, scope: _Scope, keys: list[str], value: ast.expr) -> None:
        if not keys:
            return
        scope.bindings.append((keys, value))
        self._attr_keys.update(key.rsplit(".", 1)[-1] for key in keys if "." in key)
        if isinstance(value, ast.Call) and self.resolve(value.func) in api.FILE_READS:
            for key in keys:
                scope.handles[key] = value.args[0] if value.args else value
        # ``run = subprocess.run`` makes ``run(...)`` a call to subprocess.run.
        if isinstance(value, ast.Name | ast.Attribute) and len(keys) == 1 and "." not in keys[0]:
            target = self.resolve(value)
            if target and target in INTERESTING_CALLS | api.DECODERS:
                self.aliases[keys[0]] = target

    # -- taint -------------------------------------------------------------------------------

    def _solve(self, scope: _Scope) -> None:
        for _ in range(MAX_FIXPOINT_ROUNDS):
            changed = False
            for keys, value in scope.bindings:
                taint = self.taint(value, scope)
                literal = self.literal_strings(value, scope)
                for key in keys:
                    if scope.env.get(key, 0) | taint != scope.env.get(key, 0):
                        scope.env[key] = scope.env.get(key, 0) | taint
                        changed = True
                    if literal is not None and key not in scope.literal:
                        scope.literal[key] = literal
                        changed = True
            changed |= self._apply_downloads(scope)
            if not changed:
                return

    def _apply_downloads(self, scope: _Scope) -> bool:
        """Label paths that network data is written to (``urlretrieve``, ``f.write(data)``)."""
        changed = False
        for call in scope.calls:
            name = self._resolved.get(id(call), "")
            path: ast.expr | None = None
            label = Taint.DOWNLOADED
            if name in api.DOWNLOAD_TO_FILE and len(call.args) >= 2:
                path = call.args[1]
                label |= self._fixed_address(call, scope)
            elif isinstance(call.func, ast.Attribute) and call.func.attr in WRITE_METHODS:
                data = self.taint(call.args[0], scope) if call.args else Taint.NONE
                if not data & Taint.NETWORK:
                    continue
                label |= data & Taint.FIXED_URL
                receiver = call.func.value
                key = dotted(receiver)
                if key and key in scope.handles:
                    path = scope.handles[key]
                elif isinstance(receiver, ast.Call) and receiver.args:
                    path = receiver.args[0]
            if path is None:
                continue
            for node in ast.walk(path):
                key = dotted(node) if isinstance(node, ast.Name | ast.Attribute) else None
                if key and scope.env.get(key, 0) | label != scope.env.get(key, 0):
                    scope.env[key] = scope.env.get(key, 0) | label
                    changed = True
        return changed

    def taint(self, expr: ast.expr, scope: _Scope) -> Taint:
        """Union of the labels of everything ``expr`` is computed from."""
        result = 0
        for node in walk(expr):
            if isinstance(node, ast.Name):
                result |= scope.lookup(node.id)
                if id(node) in self._environ and id(node) not in self._environ_items:
                    result |= Taint.ENVIRON
            elif isinstance(node, ast.Attribute):
                if node.attr in self._attr_keys:
                    key = dotted(node)
                    result |= scope.lookup(key) if key else 0
                if id(node) in self._environ and id(node) not in self._environ_items:
                    result |= Taint.ENVIRON
            elif isinstance(node, ast.Call):
                result |= self._call_source(node, scope)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                if api.CREDENTIAL_PATH.search(node.value):
                    result |= Taint.CREDENTIAL
            elif (
                isinstance(node, ast.Subscript)
                and is_reversal(node.slice)
                and self.literal_strings(node.value, scope)
            ):
                result |= Taint.DECODED
        return Taint(result)

    def _call_source(self, call: ast.Call, scope: _Scope) -> int:
        name = self._resolved.get(id(call), "")
        method = call.func.attr if isinstance(call.func, ast.Attribute) else ""
        if name in api.SOCKET_CALLS:
            # Raw sockets read and executed are a dropper's tool whoever names the address.
            return Taint.NETWORK | Taint.SOCKET | Taint.FIXED_URL
        if name in api.NETWORK_CALLS:
            return Taint.NETWORK | self._fixed_address(call, scope)
        if name in api.FILE_READS or name in api.DIRECTORY_LISTS or method in api.FILE_READ_METHODS:
            return Taint.FILE
        if self._is_decoder(call, name, method):
            if not call.args:
                return 0
            source = call.args[0]
            if name not in api.DECODERS and isinstance(call.func, ast.Attribute):
                source = call.func.value  # "...".decode("rot13"): the receiver is decoded
            if self.literal_strings(source, scope) is not None:
                return Taint.DECODED
            carried = self.taint(source, scope)
            if carried & (Taint.NETWORK | Taint.DECODED):
                return Taint.DECODED
            # Loading cached bytecode from a file is what importers do: not "unpacked".
            if carried & (Taint.FILE | Taint.UNPACKED) and name != "marshal.loads":
                return Taint.UNPACKED
            return 0
        if method == "join" and any(mentions_chr(arg) for arg in call.args):
            return Taint.DECODED
        if name in STRING_BUILTINS and call.args and many_int_constants(call.args[0]):
            return Taint.DECODED
        if method in api.HTTP_METHODS and call.args:
            return self._fixed_address(call, scope)  # session.get("https://..."): fixed address
        return 0

    def _fixed_address(self, call: ast.Call, scope: _Scope) -> int:
        """FIXED_URL when the address a client call fetches is written in the code itself."""
        url = next((kw.value for kw in call.keywords if kw.arg == "url"), None)
        url = url or (call.args[0] if call.args else None)
        if url is None:
            return 0
        if self.literal_strings(url, scope) is not None:
            return Taint.FIXED_URL
        hidden = Taint.DECODED | Taint.UNPACKED | Taint.FILE
        return Taint.FIXED_URL if self.taint(url, scope) & hidden else 0

    def _is_decoder(self, call: ast.Call, name: str, method: str) -> bool:
        if name in api.DECODERS:
            if name == "codecs.decode":
                codec = const_str(call.args[1]) if len(call.args) > 1 else None
                return codec is not None and codec.lower() in api.HIDING_CODECS
            return True
        if method == "decode" and call.args:
            codec = const_str(call.args[0])
            return codec is not None and codec.lower() in api.HIDING_CODECS
        return False

    def literal_strings(self, expr: ast.expr, scope: _Scope) -> tuple[str, ...] | None:
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
            elif isinstance(node, ast.Name):
                bound = scope.literal_strings(node.id)
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

    def _record_calls(self, scope: _Scope) -> None:
        scope_taint = 0
        for value in scope.env.values():
            scope_taint |= value
        for call in scope.calls:
            scope_taint |= self._call_source(call, scope)
        scope_calls = (
            frozenset(name for call in scope.calls if (name := self._resolved.get(id(call), "")))
            & INTERESTING_CALLS
        )
        for call in scope.calls:
            name = self._resolved.get(id(call), "")
            method = call.func.attr if isinstance(call.func, ast.Attribute) else ""
            if name not in INTERESTING_CALLS and method not in INTERESTING_METHODS:
                continue
            arguments = 0
            strings: list[str] = []
            for arg in [*call.args, *(kw.value for kw in call.keywords)]:
                arguments |= self.taint(arg, scope)
                strings.extend(self._strings_in(arg, scope))
            receiver = Taint.NONE
            if isinstance(call.func, ast.Attribute) and name not in INTERESTING_CALLS:
                receiver = self.taint(call.func.value, scope)
            self.calls.append(
                CallSite(
                    name=name,
                    method=method,
                    node=call,
                    receiver=receiver,
                    arguments=Taint(arguments),
                    keywords={k.arg: self.taint(k.value, scope) for k in call.keywords if k.arg},
                    strings=tuple(strings),
                    scope=Taint(scope_taint),
                    scope_calls=scope_calls,
                    module_level=scope.parent is None,
                )
            )

    def _strings_in(self, expr: ast.expr, scope: _Scope) -> Iterator[str]:
        for node in walk(expr):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                yield node.value
            elif isinstance(node, ast.Name):
                yield from scope.literal_strings(node.id) or ()
