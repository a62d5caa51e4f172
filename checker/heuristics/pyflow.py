"""What a Python module does, as the rules need it: resolved calls and where their data comes from.

One source-order pass (``scope_collector``) records scopes, imports, assignments, calls and
strings (``flow_scopes``). Calls are then resolved to dotted names (``name_resolution``: import
aliases and reflection), arguments of the module's own functions are bound to their parameters
and ``return`` values to their calls, and downloads become bindings of the paths they write
(``derived_bindings``). ``fixpoint`` propagates taint labels (``taint_eval``) to a fixed point.
Each interesting call is returned with the labels of its receiver, arguments and keywords.
"""

from __future__ import annotations

import ast

from checker.heuristics import api_names as api
from checker.heuristics import text_patterns as text
from checker.heuristics.derived_bindings import bind_calls_to_functions, download_bindings
from checker.heuristics.fixpoint import solve
from checker.heuristics.flow_scopes import Scope
from checker.heuristics.flow_types import CallSite, ItemWrite, Reflection, StringSite, Taint
from checker.heuristics.literal_fold import MAX_CHARS
from checker.heuristics.literal_text import call_address
from checker.heuristics.name_resolution import REFLECTION_TARGETS, NameResolver
from checker.heuristics.scope_collector import ScopeCollector
from checker.heuristics.syntax import const_str, walk
from checker.heuristics.taint_eval import TaintEvaluator
from checker.heuristics.taint_sources import env_var_labels

INTERESTING_CALLS = (
    api.EXEC_SINKS
    | api.DESERIALIZERS
    | api.FILE_RUNNERS
    | api.PROCESS_SINKS
    | api.NETWORK_CALLS
    | api.DNS_CALLS
    | api.FILE_READS
    | api.FILE_WRITES
    | api.REGISTRY_WRITES
    | api.CHMOD_CALLS
    | api.ENV_SETTERS
    | api.NATIVE_LOADERS
    | api.BROWSER_DB_OPENERS
    | frozenset(api.CAPTURE_CALLS)
    | {"os.dup2"}
)
INTERESTING_METHODS = (
    api.SEND_METHODS
    | api.DNS_METHODS
    | api.FILE_WRITE_METHODS
    | api.FILE_READ_METHODS
    | frozenset(api.CAPTURE_METHODS)
    | {"dup2", "chmod"}
)
ALIAS_TARGETS = INTERESTING_CALLS | api.DECODERS | REFLECTION_TARGETS
# Calls whose result labels a scope even when nothing is bound to it (a bare socket call).
SOURCE_CALLS = api.NETWORK_CALLS | api.SOCKET_CALLS | api.DECODERS
ALIASING_CALLS = frozenset({"getattr", "__import__", "import_module", "__getattribute__", "get"})


class ModuleFacts:
    """Resolved calls, their taint and the string literals of one parsed module."""

    def __init__(self, tree: ast.Module) -> None:
        self._values: dict[str, ast.expr] = {}
        resolver = self._resolver = NameResolver(self._values.get)
        collector = ScopeCollector(resolver)
        collector.collect(tree)
        self._values.update(collector.first_values)
        self.aliases = resolver.aliases
        self.strings: list[StringSite] = collector.strings
        self.mangled = collector.mangled  # machine-mangled identifiers (O0O0O0, _0x1f)
        self.marker_names = collector.marker_names  # obfuscator runtime names
        self.native_refs = collector.native_refs  # ctypes APIs named by attribute
        self.calls: list[CallSite] = []
        scopes = collector.scopes
        self._note_aliases(scopes)
        resolved = {
            id(call): name
            for scope in scopes
            for call in scope.calls
            if (name := resolver.resolve(call.func))
        }
        self._resolved = resolved
        self._note_handles(scopes)
        env_items = self._environ_items(collector)
        callees = bind_calls_to_functions(collector)
        self._evaluator = TaintEvaluator(
            module=collector.module,
            resolved=resolved,
            environ=collector.environ,
            environ_items=collector.environ_items,
            attr_keys=collector.attr_keys,
            env_items=env_items,
            callees=callees,
            fstring_parts=collector.fstring_parts,
        )
        downloads, downloaded_names = download_bindings(scopes, collector.module, resolved)
        self._evaluator.downloaded_names = downloaded_names
        bindings = [b for scope in scopes for b in scope.bindings]
        self._evaluator.written = frozenset(
            key for binding in (*bindings, *downloads) for _, key in binding.keys
        )
        self.incomplete = solve([*bindings, *downloads], self._evaluator, collector.node_count)
        for scope in scopes:
            self._record_calls(scope)
        self.reflections: list[Reflection] = list(resolver.reflections.values())
        self.preload_writes = self._preload_writes(collector)

    def resolve(self, node: ast.expr) -> str | None:
        """The dotted name an expression refers to after import aliases, else None."""
        return self._resolver.resolve(node)

    def bound_value(self, name: str) -> ast.expr | None:
        """The first value the module assigns to ``name`` (in any scope), else None."""
        return self._values.get(name)

    def fold(self, node: ast.expr) -> str | None:
        """The string a constant expression evaluates to (decodings included), else None."""
        folded = self._resolver.folder.fold(node)
        return folded.value if folded else None

    # -- after the walk: aliases, environment, the module's own functions, downloads ---------

    def _note_aliases(self, scopes: list[Scope]) -> None:
        """``run = subprocess.run`` makes ``run(...)`` a call to subprocess.run."""
        resolver = self._resolver
        for scope in scopes:
            for binding in scope.bindings:
                value = binding.value
                kind = type(value)
                if kind is ast.Call:
                    assert isinstance(value, ast.Call)
                    func = value.func
                    last = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                    if last not in ALIASING_CALLS:
                        continue  # only getattr/__import__ results name a callable
                elif (
                    kind is not ast.Name and kind is not ast.Attribute and kind is not ast.Subscript
                ):
                    continue
                if len(binding.keys) != 1 or "." in binding.keys[0][1]:
                    continue
                target = resolver.resolve(value)
                if target in ALIAS_TARGETS:
                    resolver.aliases[binding.keys[0][1]] = target

    def _note_handles(self, scopes: list[Scope]) -> None:
        """``f = open(path)``: remember which path the handle ``f`` writes to."""
        for scope in scopes:
            for binding in scope.bindings:
                value = binding.value
                if type(value) is ast.Call and self._resolved.get(id(value)) in api.FILE_READS:
                    assert isinstance(value, ast.Call)
                    for owner, key in binding.keys:
                        owner.handles[key] = value.args[0] if value.args else value

    def _environ_items(self, collector: ScopeCollector) -> dict[int, int]:
        """Mark ``os.environ`` nodes; label ``os.environ["X"]`` reads by the variable X."""
        labels: dict[int, int] = {}
        resolve = self._resolver.resolve
        for node in collector.environ_candidates:
            if isinstance(node, ast.Attribute):
                if resolve(node) == "os.environ":
                    collector.environ.add(id(node))
            elif isinstance(node, ast.Subscript) and resolve(node.value) == "os.environ":
                collector.environ_items.add(id(node.value))
                variable = const_str(node.slice)
                if variable and (found := env_var_labels(variable)):
                    labels[id(node)] = found
        return labels

    def _preload_writes(self, collector: ScopeCollector) -> list[ItemWrite]:
        """``x["LD_PRELOAD"] = value`` assignments, with the labels of the value."""
        writes: list[ItemWrite] = []
        for base, key, value, scope in collector.item_writes:
            if const_str(key) in text.PRELOAD_VARIABLES:
                writes.append(
                    ItemWrite(
                        node=value,
                        environ=self.resolve(base) == "os.environ",
                        labels=Taint(self._evaluator.taint(value, scope)),
                        module_level=scope.parent is None,
                    )
                )
        return writes

    # -- the calls the rules see -------------------------------------------------------------

    def _record_calls(self, scope: Scope) -> None:
        evaluator = self._evaluator
        resolved = self._resolved
        sites = [
            call
            for call in scope.calls
            if resolved.get(id(call), "") in INTERESTING_CALLS
            or (type(call.func) is ast.Attribute and call.func.attr in INTERESTING_METHODS)
        ]
        if not sites:
            return
        scope_taint = 0
        for value in scope.env.values():
            scope_taint |= value
        for call in scope.calls:
            if resolved.get(id(call), "") in SOURCE_CALLS:
                scope_taint |= evaluator.call_source(call, scope)
        scope_calls = (
            frozenset(name for call in scope.calls if (name := resolved.get(id(call), "")))
            & INTERESTING_CALLS
        )
        for call in sites:
            name = resolved.get(id(call), "")
            method = call.func.attr if isinstance(call.func, ast.Attribute) else ""
            arguments = 0
            strings: list[str] = []
            for arg in [*call.args, *(kw.value for kw in call.keywords)]:
                arguments |= evaluator.taint(arg, scope)
                strings.extend(_strings_in(arg, scope))
            receiver = Taint.NONE
            if isinstance(call.func, ast.Attribute) and name not in INTERESTING_CALLS:
                receiver = Taint(evaluator.taint(call.func.value, scope))
            code = None
            if name in api.EXEC_SINKS and call.args:
                code = self.fold(call.args[0])
            self.calls.append(
                CallSite(
                    name=name,
                    method=method,
                    node=call,
                    receiver=receiver,
                    arguments=Taint(arguments),
                    keywords={
                        k.arg: Taint(evaluator.taint(k.value, scope))
                        for k in call.keywords
                        if k.arg
                    },
                    strings=tuple(strings),
                    scope=Taint(scope_taint),
                    scope_calls=scope_calls,
                    module_level=scope.parent is None,
                    address=call_address(call, scope) if _addressed(name, method) else "",
                    code=code if code is not None and len(code) <= MAX_CHARS else None,
                )
            )


def _addressed(name: str, method: str) -> bool:
    if name:
        return name in api.NETWORK_CALLS or name in api.DNS_CALLS
    return method in api.SEND_METHODS or method in api.DNS_METHODS


def _strings_in(expr: ast.expr, scope: Scope) -> list[str]:
    found: list[str] = []
    for node in walk(expr):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append(node.value)
        elif isinstance(node, ast.Name):
            found.extend(scope.literal_strings(node.id) or ())
    return found
