"""The vulnerability-engine interface; one module per engine implements it.

An engine answers, for a list of pinned packages, which advisories affect each one. It
raises ``SkillgateError`` when it cannot answer for every package: a package it could not
audit must never look clean.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

from checker.vulns.matcher import VulnMatch


@dataclass(frozen=True, kw_only=True, slots=True)
class PinnedPackage:
    """A locked package: normalised name, exact version, and its artifact hashes."""

    name: str
    version: str
    hashes: tuple[str, ...] = ()


class VulnerabilityEngine(ABC):
    """Finds known vulnerabilities of pinned packages."""

    name: str = ""

    @abstractmethod
    def audit(self, packages: Sequence[PinnedPackage]) -> dict[str, list[VulnMatch]]:
        """Advisories per package name, every package present (an empty list when clean)."""
