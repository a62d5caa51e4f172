"""Which calls produce which taint labels, by the API they call.

System information (``socket.gethostname``), environment variables by their name (secrets,
signing keys, the user's identity), file reads (and whether the code names the file itself),
package data, captures of the screen, clipboard or keyboard, DNS resolvers; which calls decode
their argument; the shapes of XOR decryption. The evaluator (``taint_eval``) adds what depends
on bindings: network clients and their addresses, decoders' inputs, the module's functions.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from checker.heuristics import api_names as api
from checker.heuristics.flow_scopes import Scope
from checker.heuristics.flow_types import Taint
from checker.heuristics.literal_text import literal_strings
from checker.heuristics.syntax import const_str


def env_var_labels(variable: str) -> int:
    """Labels of the value of an environment variable, by its name."""
    upper = variable.upper()
    if upper in api.IDENTITY_VARIABLES:
        return Taint.SYSINFO
    if upper in api.SIGNING_VARIABLES:
        return Taint.SIGNING_KEY | Taint.SECRET
    if any(part in upper for part in api.SECRET_VARIABLE_PARTS):
        return Taint.SECRET
    return 0


def file_tokens(value: str) -> Iterator[str]:
    """The base names of the path-like words of a string (``"start x.exe"`` -> ``x.exe``)."""
    for word in value.replace('"', " ").replace("'", " ").split():
        base = word.replace("\\", "/").rsplit("/", 1)[-1]
        if base:
            yield base


def api_source(call: ast.Call, name: str, method: str, scope: Scope) -> int | None:
    """The labels a call produces by the API it calls, or None when that does not decide it."""
    if name:
        if name in api.FILE_READS:
            path = call.args[0] if call.args else None
            named = path is not None and literal_strings(path, scope) is not None
            return Taint.FILE | (Taint.SHIPPED if named else 0)
        if name in api.PACKAGE_DATA_READS:
            return Taint.FILE | Taint.SHIPPED
        if name in api.DIRECTORY_LISTS:
            return Taint.FILE
        if name in api.SYSINFO_CALLS:
            return Taint.SYSINFO
        if name in api.ENV_READS:
            variable = const_str(call.args[0]) if call.args else None
            return env_var_labels(variable) if variable else 0
        if name in api.CAPTURE_CALLS:
            return Taint.CAPTURED
        if name in api.DNS_RESOLVERS:
            return Taint.NETWORK
    if method in api.FILE_READ_METHODS:
        return Taint.FILE
    if method in api.CAPTURE_METHODS:
        return Taint.CAPTURED
    return None


def is_decoder(call: ast.Call, name: str, method: str) -> bool:
    """True for calls that decode, decompress or decrypt their argument (or receiver)."""
    if name in api.DECODERS:
        if name == "codecs.decode":
            codec = const_str(call.args[1]) if len(call.args) > 1 else None
            return codec is not None and codec.lower() in api.HIDING_CODECS
        return True
    if method in api.DECRYPT_METHODS:
        return True
    if method == "decode" and call.args:
        codec = const_str(call.args[0])
        return codec is not None and codec.lower() in api.HIDING_CODECS
    return False


def xor_generator(node: ast.expr) -> bool:
    """``bytes(b ^ key for b in data)``: the shape of XOR decryption."""
    if not isinstance(node, ast.GeneratorExp | ast.ListComp):
        return False
    return any(
        isinstance(sub, ast.BinOp) and isinstance(sub.op, ast.BitXor) for sub in ast.walk(node.elt)
    )
