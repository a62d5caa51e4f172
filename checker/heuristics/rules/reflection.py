"""Dangerous callables reached by reflection, and code hidden in strings that is executed.

``mal.reflective-call``: ``vars(__builtins__)["exec"]``, ``globals()["eval"]``,
``os.__dict__["system"]``, ``__import__("os").__dict__[...]``, ``x.__getattribute__("system")``,
``__import__("builtins").exec``, ``exec.__call__`` and any name spelt with an encoding, escapes
or pieces (``getattr(builtins, b64decode("ZXhlYw==").decode())``) exist to hide a call from
readers and scanners: an error. ``getattr(builtins, "exec")`` with a plain name is how py2/3
compatibility code (six) names ``exec``, and ``__import__("os").system`` is merely terse: a
warning.

``mal.exec-string``: a string literal holding code that starts processes, opens connections,
resolves names, decodes payloads or reaches by reflection is executed (``exec``, ``eval``,
``compile``): an error (a warning in test suites). The string is parsed with ``ast``, never run.
Decoded payloads are ``mal.decode-exec``'s.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from checker.findings import Finding, Severity
from checker.heuristics import api_names as api
from checker.heuristics.artifact import ArtifactView, PythonModule
from checker.heuristics.code_context import is_test_file
from checker.heuristics.flow_types import CallSite, Reflection, Taint
from checker.heuristics.interface import HeuristicRule
from checker.heuristics.pyflow import ModuleFacts

REFLECTIVE_CALL = "mal.reflective-call"
EXEC_STRING = "mal.exec-string"
TERSE_ROUTES = frozenset({"getattr", "__import__", "sys.modules[]"})
ROUTES = {
    "getattr": "getattr()",
    "__getattribute__": "__getattribute__()",
    "__import__": "__import__()",
    "__import__(builtins)": '__import__("builtins")',
    "__dict__": "a module's __dict__",
    "vars()": "vars()",
    "globals()": "globals()",
    "locals()": "locals()",
    "__builtins__[]": "the __builtins__ dictionary",
    "__call__": ".__call__",
    "sys.modules[]": "sys.modules",
}
# What code in a string may not do for its execution to be honest.
STRING_CODE_DANGERS = (
    ("starts a process", api.PROCESS_SINKS),
    ("opens a connection", api.NETWORK_CALLS),
    ("resolves a name", api.DNS_CALLS),
    ("decodes a payload", api.DECODERS),
    ("loads a native library", api.NATIVE_LOADERS),
)
MAX_CODE_CHARS = 64 * 1024


def _reflection_finding(reflection: Reflection) -> tuple[Severity, str]:
    route = ROUTES.get(reflection.route, reflection.route)
    if reflection.hidden:
        what = f"{reflection.target} is reached through a name spelt with an encoding ({route})"
        return Severity.ERROR, what
    severity = Severity.WARNING if reflection.route in TERSE_ROUTES else Severity.ERROR
    return severity, f"{reflection.target} is reached by reflection ({route})"


def string_code_danger(code: str) -> str | None:
    """What dangerous thing ``code`` does, parsed (never run), or None."""
    if len(code) > MAX_CODE_CHARS:
        return None
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    facts = ModuleFacts(tree)
    for site in facts.calls:
        for what, names in STRING_CODE_DANGERS:
            if site.name in names:
                return f"{what} ({site.name})"
    for reflection in facts.reflections:
        return f"reaches {reflection.target} by reflection"
    return None


def _exec_string(site: CallSite) -> str | None:
    if site.code is None or site.name not in api.EXEC_SINKS:
        return None
    if site.arguments & (Taint.DECODED | Taint.NETWORK | Taint.UNPACKED):
        return None  # decode-exec and download-exec report these
    return string_code_danger(site.code)


class ReflectiveCalls(HeuristicRule):
    """Reflective access to exec/eval/processes; executed strings that hold dangerous code."""

    name = "reflection"
    rule_ids = (REFLECTIVE_CALL, EXEC_STRING)

    def check_module(self, artifact: ArtifactView, module: PythonModule) -> Iterable[Finding]:
        facts = module.facts
        for reflection in facts.reflections:
            severity, what = _reflection_finding(reflection)
            yield artifact.code_finding(module, reflection.node, REFLECTIVE_CALL, severity, what)
        in_tests = is_test_file(module.member.path)
        for site in facts.calls:
            danger = _exec_string(site)
            if danger:
                severity = Severity.WARNING if in_tests else Severity.ERROR
                what = f"code in a string is executed by {site.name}() and {danger}"
                yield artifact.code_finding(module, site.node, EXEC_STRING, severity, what)
