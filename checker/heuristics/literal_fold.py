"""Computing, without running anything, the string a constant expression evaluates to.

Malware hides names and code behind encodings (``getattr(builtins, b64decode("ZXhlYw==")
.decode())``, ``"cexe"[::-1]``, ``"".join(chr(c) for c in [...])``). Folding those expressions
statically (decoding base64 or hex in memory is data processing, not execution) lets the
analysis see the name or the code they produce, and whether it was hidden. Inputs and outputs
are bounded, and names are followed at most ``MAX_DEPTH`` bindings deep.
"""

from __future__ import annotations

import ast
import base64
import binascii
import codecs
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from checker.heuristics.syntax import is_reversal

MAX_CHARS = 64 * 1024
MAX_DEPTH = 8
PLAIN_CODECS = frozenset({"utf-8", "utf8", "ascii", "latin-1", "latin1", "iso-8859-1", "u8"})
BASE_DECODERS: dict[str, Callable[[bytes], bytes]] = {
    "base64.b64decode": base64.b64decode,
    "base64.standard_b64decode": base64.standard_b64decode,
    "base64.urlsafe_b64decode": base64.urlsafe_b64decode,
    "base64.decodebytes": base64.decodebytes,
    "base64.b32decode": base64.b32decode,
    "base64.b16decode": base64.b16decode,
    "base64.b85decode": base64.b85decode,
    "base64.a85decode": base64.a85decode,
    "binascii.a2b_base64": binascii.a2b_base64,
    "binascii.unhexlify": binascii.unhexlify,
    "binascii.a2b_hex": binascii.a2b_hex,
    "bytes.fromhex": lambda data: bytes.fromhex(data.decode("latin-1")),
    "bytearray.fromhex": lambda data: bytes.fromhex(data.decode("latin-1")),
    "zlib.decompress": lambda data: zlib.decompressobj().decompress(data, MAX_CHARS),
}
# Pieces split to be joined again hide a name as well as an encoding does.
HIDING_METHODS = frozenset({"join", "replace", "lower", "upper", "swapcase", "translate"})


@dataclass(frozen=True, slots=True)
class Folded:
    """A constant expression's value, and whether the code hid it (encoded, split, escaped)."""

    value: str
    hidden: bool


def is_escaped(node: ast.Constant) -> bool:
    """True for a one-line string literal spelt with escapes (``"\\x65\\x76\\x61\\x6c"``).

    Each escaped character takes four or more bytes of source; readable text takes one. The
    source span is enough to tell, so no source text is needed.
    """
    value = node.value
    if not isinstance(value, str | bytes) or len(value) < 3 or node.end_lineno != node.lineno:
        return False
    span = (node.end_col_offset or 0) - node.col_offset
    if span < 3 * len(value) + 2:
        return False
    text = value if isinstance(value, str) else value.decode("latin-1")
    return text.isascii() and all(" " <= ch <= "~" or ch in "\t\r\n" for ch in text)


class LiteralFolder:
    """Folds expressions to strings; ``resolve`` names callees, ``bound`` finds a name's value."""

    def __init__(
        self,
        resolve: Callable[[ast.expr], str | None],
        bound: Callable[[str], ast.expr | None],
    ) -> None:
        self._resolve = resolve
        self._bound = bound

    def fold(self, node: ast.expr, depth: int = 0) -> Folded | None:
        """The string ``node`` evaluates to when it is built from constants, else None."""
        if depth > MAX_DEPTH:
            return None
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bytes):
                value = value.decode("latin-1")
            if not isinstance(value, str) or len(value) > MAX_CHARS:
                return None
            return Folded(value, is_escaped(node))
        if isinstance(node, ast.Name):
            expr = self._bound(node.id)
            return self.fold(expr, depth + 1) if expr is not None else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.fold(node.left, depth + 1), self.fold(node.right, depth + 1)
            if left is None or right is None or len(left.value) + len(right.value) > MAX_CHARS:
                return None
            return Folded(left.value + right.value, True)
        if isinstance(node, ast.JoinedStr):
            # Parts carry the whole f-string's position: no escape check on them.
            parts = [
                Folded(v.value, False)
                if isinstance(v, ast.Constant) and isinstance(v.value, str)
                else self.fold(v, depth + 1)
                for v in node.values
            ]
            if any(part is None for part in parts):
                return None
            return Folded("".join(p.value for p in parts if p), any(p.hidden for p in parts if p))
        if isinstance(node, ast.FormattedValue) and node.format_spec is None:
            return self.fold(node.value, depth + 1)
        if isinstance(node, ast.Subscript) and is_reversal(node.slice):
            inner = self.fold(node.value, depth + 1)
            return Folded(inner.value[::-1], True) if inner else None
        if isinstance(node, ast.Call):
            return self._fold_call(node, depth)
        return None

    def _fold_call(self, call: ast.Call, depth: int) -> Folded | None:
        func = call.func
        args = call.args
        if isinstance(func, ast.Attribute) and not isinstance(func.value, ast.Name | ast.Attribute):
            return self._fold_method(call, func, depth)
        name = self._resolve(func) or ""
        if name in BASE_DECODERS and args:
            return self._decode(args[0], BASE_DECODERS[name], depth)
        if name == "codecs.decode" and len(args) >= 2:
            codec = self.fold(args[1], depth + 1)
            return self._codec(args[0], codec.value if codec else "", depth)
        if name in {"bytes", "bytearray"} and args:
            return _int_list(args[0])
        if name == "chr" and args and isinstance(args[0], ast.Constant):
            code = args[0].value
            return (
                Folded(chr(code), True) if isinstance(code, int) and 0 <= code < 0x110000 else None
            )
        if name == "str" and len(args) == 1:
            return self.fold(args[0], depth + 1)
        if isinstance(func, ast.Attribute):
            return self._fold_method(call, func, depth)
        return None

    def _fold_method(self, call: ast.Call, func: ast.Attribute, depth: int) -> Folded | None:
        method = func.attr
        if method == "join" and len(call.args) == 1:
            separator = self.fold(func.value, depth + 1)
            pieces = self._pieces(call.args[0], depth)
            if separator is None or pieces is None:
                return None
            return Folded(separator.value.join(pieces), True)
        receiver = self.fold(func.value, depth + 1)
        if receiver is None:
            return None
        literal_args = [self.fold(arg, depth + 1) for arg in call.args]
        if any(arg is None for arg in literal_args):
            return None
        values = [arg.value for arg in literal_args if arg]
        if method in {"decode", "encode"}:
            codec = values[0] if values else "utf-8"
            return self._codec(func.value, codec, depth)
        if method == "replace" and len(values) == 2:
            return Folded(receiver.value.replace(values[0], values[1])[:MAX_CHARS], True)
        if method in {"lower", "upper", "swapcase", "strip"} and not values:
            text = getattr(receiver.value, method)()
            return Folded(text, receiver.hidden or text != receiver.value)
        return None

    def _pieces(self, node: ast.expr, depth: int) -> list[str] | None:
        if isinstance(node, ast.List | ast.Tuple):
            folded = [self.fold(elt, depth + 1) for elt in node.elts]
            return None if any(f is None for f in folded) else [f.value for f in folded if f]
        if isinstance(node, ast.GeneratorExp | ast.ListComp) and len(node.generators) == 1:
            # "".join(chr(c) for c in [104, 105]) and the like.
            generator = node.generators[0]
            codes = _int_list(generator.iter)
            target = generator.target
            element = node.elt
            if (
                codes is not None
                and isinstance(target, ast.Name)
                and isinstance(element, ast.Call)
                and isinstance(element.func, ast.Name)
                and element.func.id == "chr"
                and len(element.args) == 1
                and isinstance(element.args[0], ast.Name)
                and element.args[0].id == target.id
                and not generator.ifs
            ):
                return list(codes.value)
        return None

    def _decode(
        self, node: ast.expr, decoder: Callable[[bytes], bytes], depth: int
    ) -> Folded | None:
        inner = self.fold(node, depth + 1)
        if inner is None:
            return None
        try:
            data = decoder(inner.value.encode("latin-1"))
        except (ValueError, TypeError, zlib.error, UnicodeError):
            return None
        return Folded(data[:MAX_CHARS].decode("latin-1"), True)

    def _codec(self, node: ast.expr, codec: str, depth: int) -> Folded | None:
        codec = codec.lower().replace("_", "-")
        inner = self.fold(node, depth + 1)
        if inner is None:
            return None
        if codec in PLAIN_CODECS:
            return inner
        if codec in {"rot13", "rot-13"}:
            return Folded(codecs.decode(inner.value, "rot13"), True)
        if codec == "hex":
            return self._decode(node, binascii.unhexlify, depth)
        if codec in {"base64", "base-64"}:
            return self._decode(node, base64.b64decode, depth)
        if codec in {"unicode-escape", "raw-unicode-escape"}:
            try:
                text = inner.value.encode("latin-1").decode(codec.replace("-", "_"))
            except (UnicodeError, ValueError):
                return None
            return Folded(text[:MAX_CHARS], True)
        return None


def _int_list(node: ast.expr) -> Folded | None:
    if not isinstance(node, ast.List | ast.Tuple) or len(node.elts) > MAX_CHARS:
        return None
    codes: list[int] = []
    for elt in node.elts:
        if not isinstance(elt, ast.Constant) or type(elt.value) is not int:
            return None
        if not 0 <= elt.value < 0x110000:
            return None
        codes.append(elt.value)
    return Folded("".join(map(chr, codes)), True)
