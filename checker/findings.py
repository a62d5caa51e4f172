"""The one currency for every problem the checker reports: a Finding."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass


class Severity(enum.IntEnum):
    """How bad a finding is; ordered so that ``>=`` compares gravity."""

    NOTICE = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.upper()]


@dataclass(frozen=True, kw_only=True, slots=True)
class Finding:
    """A problem found in a file: rule id, severity, message and where it is.

    ``file`` is relative to the repository root (or the artifact path for scan
    findings); ``line`` and ``column`` are 1-based, 0 when the whole file is meant.
    """

    rule: str
    severity: Severity
    message: str
    file: str = ""
    line: int = 0
    column: int = 0
    hint: str = ""

    @property
    def location(self) -> str:
        if not self.file:
            return "<repository>"
        if self.line:
            return f"{self.file}:{self.line}:{self.column or 1}"
        return self.file

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.line, self.column, self.rule, self.message)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Sort by file and position, dropping exact duplicates."""
    return sorted(set(findings), key=Finding.sort_key)


def worst(findings: Iterable[Finding]) -> Severity | None:
    """The gravest severity among ``findings``, None when there are none."""
    return max((f.severity for f in findings), default=None)


def fails(findings: Iterable[Finding], threshold: Severity = Severity.ERROR) -> bool:
    """The one failure rule: does any finding reach ``threshold`` (exit 1 when it does)?"""
    return any(f.severity >= threshold for f in findings)
