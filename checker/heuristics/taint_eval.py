"""The labels of one expression: where its value may come from, given the current bindings.

``TaintEvaluator.taint`` walks an expression once: names and attributes contribute the labels
bound to them (in their scope and every enclosing one), calls contribute what they produce
(network data, decoded data, system information, secrets, captures, a local function's
return value), and string constants what they name (credential stores, browser stores,
persistence locations, escapes, downloaded files). While ``reads`` is a list, every key the
expression reads is appended to it: the fixed-point solver re-evaluates a binding only when
one of those keys changes.
"""

from __future__ import annotations

import ast
from typing import Any

from checker.heuristics import api_names as api
from checker.heuristics import text_patterns as text
from checker.heuristics.flow_scopes import RETURN, Scope
from checker.heuristics.flow_types import Taint
from checker.heuristics.literal_fold import is_escaped
from checker.heuristics.literal_text import call_address, literal_prefix, literal_strings, url_of
from checker.heuristics.syntax import (
    CHILD_PLANS,
    MIXED_NODES,
    NODE,
    NODES,
    STRING_BUILTINS,
    child_plan,
    dotted,
    is_reversal,
    many_int_constants,
    mentions_chr,
)
from checker.heuristics.taint_sources import api_source, file_tokens, is_decoder, xor_generator

HIDDEN = Taint.DECODED | Taint.UNPACKED | Taint.FILE
MASKED_METHODS = api.SOCKET_METADATA_METHODS | {"fileno", "accept"}
# Calls whose result drops labels of their arguments: decoded text parsed as data (JSON,
# literals) is configuration, not code; a digest of a secret or host name is neither.
MASKED_CALLS = {
    **dict.fromkeys(api.DATA_PARSERS, Taint.DECODED),
    **dict.fromkeys(api.HASHERS, Taint.SECRET | Taint.SIGNING_KEY | Taint.SYSINFO),
}
MAX_NESTED = 48  # nested evaluations (decoders of decoders) before answering conservatively
Read = tuple[Scope | None, str]  # (owner, key); None: the evaluating scope and its parents


class TaintEvaluator:
    """Evaluates labels of expressions against the scopes' current bindings."""

    def __init__(
        self,
        *,
        module: Scope,
        resolved: dict[int, str],
        environ: set[int],
        environ_items: set[int],
        attr_keys: set[str],
        env_items: dict[int, int],
        callees: dict[int, list[Scope]],
        fstring_parts: set[int],
    ) -> None:
        self.module = module
        self.resolved = resolved
        self.environ = environ
        self.environ_items = environ_items
        self.attr_keys = attr_keys
        self.env_items = env_items  # os.environ["X"] subscripts -> labels of X
        self.callees = callees  # calls of functions defined in the module -> their scopes
        self.fstring_parts = fstring_parts  # their positions are the f-string's: no escapes
        self.downloaded_names: frozenset[str] = frozenset()
        self.written: frozenset[str] = frozenset()  # every key some binding assigns
        self.reads: list[Read] | None = None
        self.visited = 0
        self._depth = 0
        self._constants: dict[int, int] = {}

    def taint(self, expr: ast.expr, scope: Scope) -> int:  # noqa: PLR0915 (one hot loop)
        """Union of the labels of everything ``expr`` is computed from."""
        result = 0
        reads = self.reads
        environ = self.environ
        attr_keys = self.attr_keys
        written = self.written
        plans = CHILD_PLANS
        # Typed Any: this loop runs for every node of every evaluated expression.
        stack: list[Any] = [expr]
        count = 0
        while stack:
            node = stack.pop()
            count += 1
            kind = type(node)
            if kind is ast.Name:
                name = node.id
                if name in written:
                    result |= scope.lookup(name)
                    if reads is not None:
                        reads.append((None, name))
                elif name == "__file__":
                    result |= Taint.SHIPPED
                if environ and id(node) in environ and id(node) not in self.environ_items:
                    result |= Taint.ENVIRON
                continue
            if kind is ast.Constant:
                if type(node.value) is str:
                    result |= self._constant(node)
                continue
            if kind is ast.Attribute:
                if node.attr in attr_keys or (environ and id(node) in environ):
                    result |= self._attribute(node, scope)
                stack.append(node.value)
                continue
            if kind is ast.Call:
                func = node.func
                if (type(func) is ast.Attribute and func.attr in MASKED_METHODS) or (
                    self.resolved.get(id(node)) in MASKED_CALLS
                ):
                    masked = self._masked(node, scope)
                    if masked is not None:
                        result |= masked
                        continue
                result |= self.call_source(node, scope)
                stack.append(func)
                stack.extend(node.args)
                stack.extend(node.keywords)
                continue
            if kind is ast.Subscript:
                result |= self._subscript(node, scope)
            for name, mode in plans.get(kind) or child_plan(kind, node):
                value = getattr(node, name)
                if mode == NODES:
                    stack.extend(value)
                elif mode == NODE:
                    if value is not None:
                        stack.append(value)
                elif mode == MIXED_NODES:
                    stack.extend(item for item in value if isinstance(item, ast.AST))
                elif isinstance(value, ast.AST):
                    stack.append(value)
        self.visited += count
        return result

    def _attribute(self, node: ast.Attribute, scope: Scope) -> int:
        result = 0
        if node.attr in self.attr_keys:
            key = dotted(node)
            if key:
                result |= scope.lookup(key)
                if self.reads is not None:
                    self.reads.append((None, key))
        if id(node) in self.environ and id(node) not in self.environ_items:
            result |= Taint.ENVIRON
        return result

    def _subscript(self, node: ast.Subscript, scope: Scope) -> int:
        result = self.env_items.get(id(node), 0) if self.env_items else 0
        if (
            type(node.slice) is ast.Slice
            and is_reversal(node.slice)
            and (literal_strings(node.value, scope))
        ):
            result |= Taint.DECODED
        return result

    def _masked(self, call: ast.Call, scope: Scope) -> int | None:
        """Labels of calls whose result keeps only part of what flows in (None: the rest)."""
        func = call.func
        if type(func) is ast.Attribute:
            method = func.attr
            receiver = func.value
            if method in api.SOCKET_METADATA_METHODS:
                return 0  # a socket's address is not data read from it
            if method == "fileno" and isinstance(receiver, ast.Name | ast.Attribute):
                return self.taint(receiver, scope) & Taint.SOCKET  # the descriptor, not data
            if method == "accept" and isinstance(receiver, ast.Name | ast.Attribute):
                # A listening server talks to whoever connects: not an address of the code's.
                return self.taint(receiver, scope) & ~Taint.FIXED_URL
        removed = MASKED_CALLS.get(self.resolved.get(id(call), ""))
        if removed is not None and self._depth < MAX_NESTED:
            self._depth += 1
            try:
                labels = 0
                for arg in [*call.args, *(kw.value for kw in call.keywords)]:
                    labels |= self.taint(arg, scope)
            finally:
                self._depth -= 1
            return labels & ~removed
        return None

    def _constant(self, node: ast.Constant) -> int:
        value = node.value
        assert isinstance(value, str)
        labels = self._constants.get(id(node))
        if labels is None:
            labels = int(text.path_labels(value))
            if id(node) not in self.fstring_parts and is_escaped(node):
                labels |= Taint.DECODED
            self._constants[id(node)] = labels
        if self.downloaded_names:
            for base in file_tokens(value):
                if base in self.downloaded_names:
                    key = f"<file:{base}>"
                    labels |= self.module.env.get(key, 0)
                    if self.reads is not None:
                        self.reads.append((self.module, key))
        return labels

    def call_source(self, call: ast.Call, scope: Scope) -> int:
        """What a call produces, as labels."""
        name = self.resolved.get(id(call), "")
        func = call.func
        method = func.attr if type(func) is ast.Attribute else ""
        if name:
            if name in api.SOCKET_CALLS:
                # Raw sockets read and executed are a dropper's tool whoever names the address.
                return Taint.NETWORK | Taint.SOCKET | Taint.FIXED_URL
            if name in api.NETWORK_CALLS:
                labels = int(Taint.NETWORK) | self.fixed_address(call, scope)
                address = call_address(call, scope)
                if address and text.IP_GRABBER.search(address):
                    labels |= Taint.SYSINFO  # the machine's public address
                return labels
        known = api_source(call, name, method, scope)
        if known is not None:
            return known
        callees = self.callees.get(id(call))
        if callees is not None:
            returned = 0
            for callee in callees:
                returned |= callee.env.get(RETURN, 0)
                if self.reads is not None:
                    self.reads.append((callee, RETURN))
            return returned
        if is_decoder(call, name, method):
            return self._decoded(call, name, scope)
        if method == "join" and any(mentions_chr(arg) for arg in call.args):
            return Taint.DECODED
        if name in STRING_BUILTINS and call.args:
            first = call.args[0]
            if many_int_constants(first) or xor_generator(first):
                return Taint.DECODED
        if method in api.HTTP_METHODS and call.args:
            return self.fixed_address(call, scope)  # session.get("https://..."): fixed address
        return 0

    def _decoded(self, call: ast.Call, name: str, scope: Scope) -> int:
        if not call.args:
            return 0
        source = call.args[0]
        func = call.func
        if name not in api.DECODERS and isinstance(func, ast.Attribute):
            # "...".decode("rot13"): the receiver is decoded; f.decrypt(token): the argument.
            source = source if func.attr in api.DECRYPT_METHODS else func.value
        if literal_strings(source, scope) is not None:
            return Taint.DECODED
        if self._depth >= MAX_NESTED:
            return Taint.DECODED  # decoders nested this deep are obfuscation
        self._depth += 1
        try:
            carried = self.taint(source, scope)
        finally:
            self._depth -= 1
        if carried & (Taint.NETWORK | Taint.DECODED):
            return Taint.DECODED
        # Loading cached bytecode from a file is what importers do: not "unpacked". Data a
        # process reads from a pipe or a path it is given is not a payload the package ships.
        if carried & (Taint.SHIPPED | Taint.UNPACKED) and name != "marshal.loads":
            return Taint.UNPACKED
        return 0

    def fixed_address(self, call: ast.Call, scope: Scope) -> int:
        """FIXED_URL when the address a client call fetches is written in the code itself."""
        url = url_of(call)
        if url is None:
            return 0
        if literal_strings(url, scope) is not None:
            return Taint.FIXED_URL
        if "://" in literal_prefix(url, scope):
            return Taint.FIXED_URL  # "https://host/" + path: the host is the code's
        return Taint.FIXED_URL if self.taint(url, scope) & HIDDEN else 0
