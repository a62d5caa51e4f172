"""Bindings derived after names are resolved: calls into the module's own functions, downloads.

An argument passed to a function the module defines (or a lambda it binds to a name) is bound
to the parameter; a ``return`` value flows to every call of its function. A download binds the
path network data is written to (``urlretrieve``, ``open(p, "wb").write(response.content)``)
to the ``DOWNLOADED`` label, and a literal file name written that way to a ``<file:NAME>`` key,
so that running the file by its name later counts as running the download.
"""

from __future__ import annotations

import ast

from checker.heuristics import api_names as api
from checker.heuristics.flow_scopes import Binding, Scope
from checker.heuristics.scope_collector import ScopeCollector
from checker.heuristics.syntax import dotted, walk
from checker.heuristics.taint_sources import file_tokens

WRITE_METHODS = frozenset({"write", "write_bytes"})


def bind_calls_to_functions(collector: ScopeCollector) -> dict[int, list[Scope]]:
    """Calls of the module's own functions and lambdas; binds arguments to parameters.

    The analysis is context-insensitive: a function's parameters and return value are shared
    by all its calls (arguments flow in, the ``<return>`` key flows out to every call).
    """
    functions = dict(collector.functions)
    for scope in collector.scopes:
        for binding in scope.bindings:
            value = binding.value
            if isinstance(value, ast.Lambda) and len(binding.keys) == 1:
                functions.setdefault(binding.keys[0][1], []).append(collector.lambdas[id(value)])
    callees: dict[int, list[Scope]] = {}
    aliases = collector.resolver.aliases
    for scope in collector.scopes:
        for call in scope.calls:
            func = call.func
            targets: list[Scope] | None = None
            offset = 0
            if isinstance(func, ast.Name) and func.id not in aliases:
                targets = functions.get(func.id)
            elif isinstance(func, ast.Lambda):
                targets = [collector.lambdas[id(func)]]
            elif (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id in {"self", "cls"}
            ):
                targets, offset = collector.methods.get(func.attr), 1
            if not targets:
                continue
            callees[id(call)] = targets
            for callee in targets:
                _bind_arguments(call, callee, scope, offset)
    return callees


def download_bindings(
    scopes: list[Scope], module: Scope, resolved: dict[int, str]
) -> tuple[list[Binding], frozenset[str]]:
    """Bindings that label the paths network data is written to, and the literal file names
    written (``urlretrieve(url, "x.exe")``: a later ``Popen(["x.exe"])`` runs the download)."""
    downloads: list[Binding] = []
    names: set[str] = set()
    for scope in scopes:
        for call in scope.calls:
            name = resolved.get(id(call), "")
            path: ast.expr | None = None
            value: ast.expr | None = None
            if name in api.DOWNLOAD_TO_FILE and len(call.args) >= 2:
                path, value = call.args[1], call.args[0]
            elif (
                isinstance(call.func, ast.Attribute)
                and call.func.attr in WRITE_METHODS
                and call.args
            ):
                receiver = call.func.value
                key = dotted(receiver)
                value = call.args[0]
                handle = _handle(scope, key) if key else None
                if handle is not None:
                    path = handle
                elif isinstance(receiver, ast.Call) and receiver.args:
                    path = receiver.args[0]
            if path is None or value is None:
                continue
            keys = _path_keys(path, scope, module, names)
            if keys:
                downloads.append(Binding(keys=keys, value=value, scope=scope, call=call))
    return downloads, frozenset(names)


def _bind_arguments(call: ast.Call, callee: Scope, caller: Scope, offset: int) -> None:
    params = callee.params[offset:]
    for position, arg in enumerate(call.args):
        if isinstance(arg, ast.Starred) or position >= len(params):
            break
        if isinstance(arg, ast.Constant) and not isinstance(arg.value, str | bytes):
            continue
        caller.bindings.append(Binding(keys=[(callee, params[position])], value=arg, scope=caller))
    for keyword in call.keywords:
        if keyword.arg and keyword.arg in params:
            caller.bindings.append(
                Binding(keys=[(callee, keyword.arg)], value=keyword.value, scope=caller)
            )


def _handle(scope: Scope, key: str) -> ast.expr | None:
    current: Scope | None = scope
    while current is not None:
        if key in current.handles:
            return current.handles[key]
        current = current.parent
    return None


def _path_keys(
    path: ast.expr, scope: Scope, module: Scope, names: set[str]
) -> list[tuple[Scope, str]]:
    """The keys a written path labels: names in it, and ``<file:NAME>`` for literal names."""
    keys: list[tuple[Scope, str]] = []
    for node in walk(path):
        if isinstance(node, ast.Name | ast.Attribute):
            key = dotted(node)
            if key:
                keys.append((scope.owner(key), key))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            for base in file_tokens(node.value):
                if "." in base:  # x.exe, payload.bin: a file name, not a directory
                    names.add(base)
                    keys.append((module, f"<file:{base}>"))
    return keys
