"""The policy as frozen dataclasses, built from schema-checked YAML documents.

jsonschema checks shape; these constructors keep each entry's source position so
that every later rule and every runtime decision can say which file:line decided.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checker.yaml import Document, JsonPath


@dataclass(frozen=True, kw_only=True, slots=True)
class Source:
    """Where an entry was written: repository-relative file, line, column."""

    file: str
    line: int
    column: int
    path: JsonPath = ()

    @classmethod
    def of(cls, document: Document, path: JsonPath) -> Source:
        pos = document.position(path)
        return cls(file=document.file, line=pos.line, column=pos.column, path=path)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, kw_only=True, slots=True)
class Level:
    """A maturity level; its rank is its index in ``Policy.levels`` (lowest first)."""

    name: str
    packages: bool
    exact_pins_only: bool
    source: Source


@dataclass(frozen=True, kw_only=True, slots=True)
class Agent:
    """An entry of the agent registry."""

    id: str
    level: str
    owner: str
    source: Source


@dataclass(frozen=True, kw_only=True, slots=True)
class Approval:
    """One approval: a package, a specifier set, the lowest level it admits."""

    package: str
    versions: str
    min_level: str
    approved_by: str
    reason: str
    ticket: str
    expires: str | None
    prereleases: bool
    source: Source
    not_a_typosquat_of: str = ""
    build_from_source: bool = False
    """``skillgate lock`` may build these versions from their sdist, in the sandbox."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Ban:
    """A ban: beats every approval; no ``versions`` bans every version."""

    package: str
    versions: str | None
    reason: str
    source: Source


@dataclass(frozen=True, kw_only=True, slots=True)
class PolicyCase:
    """An expected decision from ``policy/tests``."""

    name: str
    agent: str
    package: str | None
    version: str | None
    skill: str | None
    expect: str
    maturity_required: str | None
    check_maturity: bool
    today: str | None
    source: Source


@dataclass(frozen=True, kw_only=True, slots=True)
class Skill:
    """``skills/<id>/skill.yaml``."""

    id: str
    description: str
    owner: str
    min_level: str
    entrypoint: str
    version: str
    requirements: tuple[str, ...]
    directory: Path
    file: str
    source: Source


@dataclass(frozen=True, kw_only=True, slots=True)
class Policy:
    """Everything under ``policy/`` that decisions depend on."""

    levels: tuple[Level, ...] = ()
    default_level: str = ""
    enabled: bool = True
    agents: tuple[Agent, ...] = ()
    approvals: tuple[Approval, ...] = ()
    bans: tuple[Ban, ...] = ()
    cases: tuple[PolicyCase, ...] = ()
    transitive: str = "inherit"
    sources: dict[str, Source] = field(default_factory=dict)


def _items(
    document: Document, key: str, bad: set[JsonPath]
) -> list[tuple[JsonPath, dict[str, Any]]]:
    """The entries of the list under ``key`` that passed the schema."""
    entries = document.data.get(key)
    if not isinstance(entries, list):
        return []
    return [
        ((key, i), entry)
        for i, entry in enumerate(entries)
        if isinstance(entry, dict) and (key, i) not in bad
    ]


def levels_from(document: Document, bad: set[JsonPath]) -> tuple[Level, ...]:
    return tuple(
        Level(
            name=entry["name"],
            packages=entry["packages"],
            exact_pins_only=entry.get("exact_pins_only", False),
            source=Source.of(document, path),
        )
        for path, entry in _items(document, "levels", bad)
    )


def agents_from(document: Document, bad: set[JsonPath]) -> tuple[Agent, ...]:
    return tuple(
        Agent(
            id=entry["id"],
            level=entry["level"],
            owner=entry.get("owner", ""),
            source=Source.of(document, path),
        )
        for path, entry in _items(document, "agents", bad)
    )


def approvals_from(document: Document, bad: set[JsonPath]) -> tuple[Approval, ...]:
    return tuple(
        Approval(
            package=entry["package"],
            versions=entry["versions"],
            min_level=entry["min_level"],
            approved_by=entry["approved_by"],
            reason=entry["reason"],
            ticket=entry.get("ticket", ""),
            expires=entry.get("expires"),
            prereleases=entry.get("prereleases", False),
            source=Source.of(document, path),
            not_a_typosquat_of=entry.get("not_a_typosquat_of", ""),
            build_from_source=entry.get("build_from_source", False),
        )
        for path, entry in _items(document, "approvals", bad)
    )


def bans_from(document: Document, bad: set[JsonPath]) -> tuple[Ban, ...]:
    return tuple(
        Ban(
            package=entry["package"],
            versions=entry.get("versions"),
            reason=entry["reason"],
            source=Source.of(document, path),
        )
        for path, entry in _items(document, "bans", bad)
    )


def cases_from(document: Document, bad: set[JsonPath]) -> tuple[PolicyCase, ...]:
    return tuple(
        PolicyCase(
            name=entry.get("name", ""),
            agent=entry["agent"],
            package=entry.get("package"),
            version=entry.get("version"),
            skill=entry.get("skill"),
            expect=entry["expect"],
            maturity_required=entry.get("maturity_required"),
            check_maturity="maturity_required" in entry,
            today=entry.get("today"),
            source=Source.of(document, path),
        )
        for path, entry in _items(document, "cases", bad)
    )


def skill_from(document: Document, directory: Path) -> Skill:
    data = document.data
    return Skill(
        id=data["id"],
        description=data["description"],
        owner=data["owner"],
        min_level=data["min_level"],
        entrypoint=data["entrypoint"],
        version=str(data.get("version", "0")),
        requirements=tuple(data.get("requirements", ())),
        directory=directory,
        file=document.file,
        source=Source.of(document, ()),
    )
