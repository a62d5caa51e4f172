"""What every rule sees: the loaded repository, the date, and helpers to locate findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from checker.findings import Finding, Severity
from checker.policy.load import LoadedRepo
from checker.policy.model import Source
from checker.runtime import Engine


@dataclass(kw_only=True, slots=True)
class RuleContext:
    """Inputs of a rule run. ``engine`` is None when the levels are too broken to compile."""

    repo: LoadedRepo
    today: date
    expiring_days: int = 30
    engine: Engine | None = None
    level_names: tuple[str, ...] = field(default=())
    advisories: Mapping[str, Sequence[Mapping[str, Any]]] = field(default_factory=dict)
    """Folded advisories (``checker.bundle.advisories``) of approved names; empty without a DB."""
    popular: Sequence[str] = ()
    """Popular package names a new name must not imitate."""

    def at(
        self,
        source: Source,
        rule: str,
        message: str,
        *,
        key: str | None = None,
        severity: Severity = Severity.ERROR,
        hint: str = "",
    ) -> Finding:
        """A finding at an entry, or at one of its keys' values when ``key`` is given."""
        document = self.repo.raw.get(source.file)
        if document is None or key is None:
            return Finding(
                rule=rule,
                severity=severity,
                message=message,
                file=source.file,
                line=source.line,
                column=source.column,
                hint=hint,
            )
        return document.finding((*source.path, key), rule, message, severity=severity, hint=hint)

    def rank(self, level: str) -> int | None:
        try:
            return self.level_names.index(level)
        except ValueError:
            return None


Rule = Callable[[RuleContext], Iterable[Finding]]
