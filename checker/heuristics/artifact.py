"""An artifact as the rules see it: members, parsed Python modules, and how to report on them."""

from __future__ import annotations

import ast
import posixpath
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import PurePosixPath
from typing import Any

from checker.findings import Finding, Severity
from checker.heuristics.archive import ArchiveContents, Member
from checker.heuristics.pyflow import ModuleFacts

EXCERPT_CHARS = 120
PYTHON_SUFFIXES = (".py", ".pyw")
# Sources that mean an sdist builds native code: such a project may ship binaries.
NATIVE_SOURCE_SUFFIXES = (
    ".c", ".cc", ".cpp", ".cxx", ".h", ".hpp", ".pyx", ".pxd", ".rs", ".f", ".f90", ".go", ".m",
    ".swig", ".i", ".S", ".asm",
)  # fmt: skip


@dataclass(frozen=True, kw_only=True, slots=True)
class UnparsedModule:
    """A Python file that the target interpreter could not compile either."""

    member: Member
    reason: str


class PythonModule:
    """One parsed Python member; its facts are computed on first use and shared by rules."""

    def __init__(self, member: Member, tree: ast.Module, text: str) -> None:
        self.member = member
        self.tree = tree
        self.lines = text.splitlines()

    @cached_property
    def facts(self) -> ModuleFacts:
        """Resolved calls, taint and string literals of this module."""
        return ModuleFacts(self.tree)

    def excerpt(self, line: int) -> str:
        """The source line ``line`` (1-based), stripped and cut to one short line."""
        text = self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""
        return shorten(text)


def shorten(text: str) -> str:
    """One line of at most EXCERPT_CHARS characters."""
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 3] + "..."


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


class ArtifactView:
    """The members of one artifact and what the rules derive from them."""

    def __init__(self, name: str, contents: ArchiveContents) -> None:
        self.name = name
        self.kind = contents.kind
        self.members = contents.members
        self.unparsed: list[UnparsedModule] = []
        # Per-artifact results that a rule derives once (keyed by rule name).
        self.notes: dict[str, Any] = {}

    def python_members(self) -> Iterator[Member]:
        """The Python source members (read in full)."""
        for member in self.members:
            if member.data is not None and member.path.endswith(PYTHON_SUFFIXES):
                yield member

    def parse(self, member: Member) -> PythonModule | None:
        """Parse one member; None (and an entry in ``unparsed``) when it is not Python 3."""
        assert member.data is not None
        try:
            # Bytes let the parser honour PEP 263 coding cookies like the interpreter does.
            tree = ast.parse(member.data, filename=member.path)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            self.unparsed.append(UnparsedModule(member=member, reason=type(exc).__name__))
            return None
        return PythonModule(member, tree, _decode(member.data))

    def iter_python_modules(self) -> Iterator[PythonModule]:
        """Parse Python members one at a time: only one syntax tree is alive at once."""
        for member in self.python_members():
            module = self.parse(member)
            if module is not None:
                yield module

    @cached_property
    def root(self) -> str:
        """The sdist's top directory (``name-1.0/``), "" for wheels and flat archives."""
        if self.kind != "sdist":
            return ""
        tops = {member.path.split("/", 1)[0] for member in self.members if "/" in member.path}
        return f"{tops.pop()}/" if len(tops) == 1 else ""

    @cached_property
    def pyproject(self) -> dict[str, Any]:
        """The sdist's top-level ``pyproject.toml`` (empty when absent or unreadable)."""
        for member in self.members:
            if member.path == f"{self.root}pyproject.toml" and member.data is not None:
                try:
                    return tomllib.loads(_decode(member.data))
                except tomllib.TOMLDecodeError:
                    return {}
        return {}

    @cached_property
    def top_level_modules(self) -> frozenset[str]:
        """Importable top-level names this artifact ships (packages and modules)."""
        names: set[str] = set()
        for member in self.members:
            path = PurePosixPath(member.path.removeprefix(self.root))
            parts = path.parts
            if parts and ".data" in parts[0] and len(parts) > 2:  # wheel .data/purelib/...
                parts = parts[2:]
            if not parts:
                continue
            if len(parts) == 1 and parts[0].endswith((*PYTHON_SUFFIXES, ".so", ".pyd")):
                names.add(parts[0].split(".", 1)[0])
            elif len(parts) > 1 and not parts[0].endswith((".dist-info", ".egg-info")):
                names.add(parts[0])
            if self.kind == "sdist" and len(parts) > 2 and parts[0] == "src":
                names.add(parts[1])
        return frozenset(names)

    @cached_property
    def is_pure_python(self) -> bool:
        """True when nothing in the artifact says it carries native code."""
        if self.kind == "wheel":
            # The platform tag is the last one: "any" means no compiled code.
            return self.name.lower().endswith("-any.whl")
        return not any(
            posixpath.splitext(m.path)[1] in NATIVE_SOURCE_SUFFIXES for m in self.members
        )

    def location(self, member: Member) -> str:
        """The ``file`` of a finding: ``<artifact filename>!<member path>``."""
        return f"{self.name}!{member.path}"

    def code_finding(
        self,
        module: PythonModule,
        node: ast.AST,
        rule: str,
        severity: Severity,
        what: str,
        *,
        hint: str = "",
    ) -> Finding:
        """A Finding at ``node`` of a parsed Python ``module`` of this artifact."""
        return self.finding(
            rule=rule,
            severity=severity,
            member=module.member,
            module=module,
            node=node,
            what=what,
            hint=hint,
        )

    def finding(
        self,
        *,
        rule: str,
        severity: Severity,
        member: Member,
        what: str,
        module: PythonModule | None = None,
        node: ast.AST | None = None,
        excerpt: str = "",
        hint: str = "",
        line: int = 0,
        column: int = 0,
    ) -> Finding:
        """A Finding at ``node`` (else ``line``/``column``) with a one-line excerpt."""
        if node is not None:
            line = getattr(node, "lineno", 0)
            column = getattr(node, "col_offset", -1) + 1
        if not excerpt and module is not None and line:
            excerpt = module.excerpt(line)
        message = f"{what}: {shorten(excerpt)}" if excerpt else what
        return Finding(
            rule=rule,
            severity=severity,
            message=message,
            file=self.location(member),
            line=line,
            column=column,
            hint=hint,
        )
