"""Typosquat detection against popular and already-approved package names.

A name is suspicious when it is not itself known (popular or approved) but is one keystroke
from a known name (Levenshtein distance 1 or one adjacent swap), differs only by separators
or by the order of its hyphenated parts, only by a ``py``/``python`` prefix or suffix, or
collides with a known name after PyPI's "ultranormalisation" (lower-case, strip ``.``, ``_``,
``-``, map ``l``/``i`` to ``1`` and ``o`` to ``0``). Every lookup is a few dictionary probes:
a deletion-neighbourhood index serves the edit-distance checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from checker.exit_codes import SkillgateError
from checker.findings import Finding, Severity

RULE = "mal.typosquat"
MIN_EDIT_LENGTH = 4  # one edit away from a 3-letter name is most other 3-letter names
MIN_CORE_LENGTH = 3
PY_PREFIXES = ("python-", "python", "py-", "py")
PY_SUFFIXES = ("-python", "python", "-py", "py")
_SEPARATORS = re.compile(r"[-_.]+")
_ULTRA = str.maketrans({"l": "1", "i": "1", "o": "0"})


def normalize(name: str) -> str:
    """PEP 503 normalised form: ``Foo_Bar.baz`` -> ``foo-bar-baz``."""
    return _SEPARATORS.sub("-", name).lower()


def ultranormalize(name: str) -> str:
    """PyPI's collision key: lower-case, no separators, ``l``/``i`` -> 1, ``o`` -> 0."""
    return _SEPARATORS.sub("", name.lower()).translate(_ULTRA)


def core(name: str) -> str:
    """``name`` without one ``py``/``python`` prefix or suffix (normalised input)."""
    for prefix in PY_PREFIXES:
        if name.startswith(prefix) and len(name) - len(prefix) >= MIN_CORE_LENGTH:
            return name[len(prefix) :].strip("-")
    for suffix in PY_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= MIN_CORE_LENGTH:
            return name[: -len(suffix)].strip("-")
    return name


def _deletions(name: str) -> Iterator[str]:
    for index in range(len(name)):
        yield name[:index] + name[index + 1 :]


def within_one_edit(a: str, b: str) -> bool:
    """Levenshtein distance <= 1, or ``b`` is ``a`` with two adjacent characters swapped."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    shorter, longer = (a, b) if len(a) < len(b) else (b, a)
    return any(candidate == shorter for candidate in _deletions(longer))


@dataclass(frozen=True, kw_only=True, slots=True)
class Squat:
    """A suspicious name, the known name it imitates, and how."""

    name: str
    target: str
    how: str


class TyposquatIndex:
    """Precomputed lookups over known names; ``check(name)`` returns the name it squats."""

    def __init__(self, popular: Iterable[str], approved: Iterable[str] = ()) -> None:
        self._rank: dict[str, int] = {}
        for name in [*approved, *popular]:
            self._rank.setdefault(normalize(name), len(self._rank))
        self._edits: dict[str, list[str]] = {}
        self._keys: dict[str, dict[str, list[str]]] = {
            "ultra": {},
            "separators": {},
            "parts": {},
            "core": {},
        }
        for known in self._rank:
            self._add(known)

    def _add(self, known: str) -> None:
        if len(known) >= MIN_EDIT_LENGTH:
            for key in {known, *_deletions(known)}:
                self._edits.setdefault(key, []).append(known)
        for kind, key in self._shape_keys(known).items():
            self._keys[kind].setdefault(key, []).append(known)

    @staticmethod
    def _shape_keys(name: str) -> dict[str, str]:
        return {
            "ultra": ultranormalize(name),
            "separators": name.replace("-", ""),
            "parts": "-".join(sorted(name.split("-"))),
            "core": core(name),
        }

    def __contains__(self, name: str) -> bool:
        return normalize(name) in self._rank

    def check(self, name: str) -> str | None:
        """The known name that ``name`` imitates, or None (known names are never squats)."""
        squat = self.explain(name)
        return squat.target if squat else None

    def explain(self, name: str) -> Squat | None:
        """Like ``check``, with the kind of confusion."""
        wanted = normalize(name)
        if wanted in self._rank:
            return None
        found: list[tuple[int, str, str]] = []
        descriptions = {
            "ultra": "collides after PyPI ultranormalisation",
            "separators": "differs only in separators",
            "parts": "reorders the hyphenated parts",
            "core": "differs only by a py/python prefix or suffix",
        }
        for kind, key in self._shape_keys(wanted).items():
            if kind == "core" and len(key) < MIN_CORE_LENGTH:
                continue
            for known in self._keys[kind].get(key, ()):
                found.append((self._rank[known], known, descriptions[kind]))
            if kind == "core" and key != wanted and key in self._rank:
                found.append((self._rank[key], key, descriptions[kind]))
        if len(wanted) >= MIN_EDIT_LENGTH:
            candidates: set[str] = set()
            for key in {wanted, *_deletions(wanted)}:
                candidates.update(self._edits.get(key, ()))
            for known in candidates:
                if within_one_edit(wanted, known):
                    found.append((self._rank[known], known, "is one typo away"))
        if not found:
            return None
        _, target, how = min(found)
        return Squat(name=name, target=target, how=how)


def typosquat_finding(squat: Squat, *, file: str = "", line: int = 0, column: int = 0) -> Finding:
    """The gating ``mal.typosquat`` Finding for ``squat``."""
    return Finding(
        rule=RULE,
        severity=Severity.ERROR,
        message=f"{squat.name!r} looks like a typosquat of {squat.target!r} ({squat.how})",
        file=file,
        line=line,
        column=column,
        hint=f"did you mean {squat.target!r}? if not, approve {squat.name!r} explicitly",
    )


SHIPPED_POPULAR = "popular-packages.tsv"


def shipped_popular() -> list[str]:
    """The popular-package list that ships with skillgate (``heuristics/data``), most
    popular first; ``scripts/refresh_popular_packages.py`` refreshes it."""
    resource = resources.files("checker.heuristics") / "data" / SHIPPED_POPULAR
    with resources.as_file(resource) as path:
        return load_popular(path)


def popular_names(root: Path, configured: str) -> list[str]:
    """The popular names of a repository: ``scanning.yaml``'s list (repo-relative) when it
    names one, else the list that ships with skillgate."""
    return load_popular(root / configured) if configured else shipped_popular()


def load_popular(path: Path) -> list[str]:
    """Names from a ``rank<TAB>name`` TSV (``#`` comments), most popular first."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SkillgateError(f"cannot read popular-package list {path}: {exc}") from exc
    ranked: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 2 or not fields[0].strip().isdigit() or not fields[1].strip():
            raise SkillgateError(f"{path}:{number}: expected 'rank<TAB>name', got {raw[:60]!r}")
        ranked.append((int(fields[0]), fields[1].strip()))
    return [name for _, name in sorted(ranked)]
