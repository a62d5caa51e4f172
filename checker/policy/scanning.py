"""``policy/scanning.yaml`` as a model: gates, DB age and waivers, every key defaulted.

Built once by ``checker.policy.load`` from the schema-checked document; ``lock``, ``scan``,
``gate`` and ``build`` receive it on the ``LoadedRepo``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from packaging.utils import canonicalize_name

from checker.findings import Finding, Severity
from checker.layout import SCANNING_FILE
from checker.vulns.waivers import Waiver
from checker.yaml import Document

SEVERITY_FLOORS = ("low", "medium", "high", "critical")


@dataclass(frozen=True, kw_only=True, slots=True)
class ScanningPolicy:
    """The scan gates. ``vuln_fail_on`` is "any" or a floor from ``SEVERITY_FLOORS``."""

    transitive: str = "inherit"
    max_db_age_days: int = 30
    vuln_fail_on: str = "any"
    heuristics_enabled: bool = True
    heuristics_fail_on: str = "error"
    popular_packages: str = ""
    waivers: tuple[Waiver, ...] = ()
    file: str = SCANNING_FILE

    @classmethod
    def from_document(cls, document: Document) -> tuple[ScanningPolicy | None, list[Finding]]:
        """Build from a schema-valid document; a waiver whose expiry is not a calendar date
        (``2026-02-30``) is a finding and no model is built."""
        data: dict[str, Any] = document.data
        waivers, findings = [], []
        for i, item in enumerate(data.get("waivers", [])):
            pos = document.position(("waivers", i))
            try:
                expires = date.fromisoformat(item["expires"])
            except ValueError:
                findings.append(
                    document.finding(
                        ("waivers", i, "expires"),
                        "scanning.date-invalid",
                        f"expires {item['expires']!r} is not a calendar date",
                    )
                )
                continue
            waivers.append(
                Waiver(
                    id=item["id"],
                    package=canonicalize_name(item["package"]),
                    reason=item["reason"],
                    expires=expires,
                    line=pos.line,
                    column=pos.column,
                )
            )
        if findings:
            return None, findings
        vulns = data.get("vulnerabilities", {})
        heuristics = data.get("heuristics", {})
        policy = cls(
            transitive=data.get("transitive", "inherit"),
            max_db_age_days=data.get("max_db_age_days", 30),
            vuln_fail_on=vulns.get("fail_on", "any"),
            heuristics_enabled=heuristics.get("enabled", True),
            heuristics_fail_on=heuristics.get("fail_on", "error"),
            popular_packages=heuristics.get("popular_packages", ""),
            waivers=tuple(waivers),
            file=document.file,
        )
        return policy, []

    def vuln_fails(self, severity: str) -> bool:
        """Whether an advisory of ``severity`` fails the gate.

        An advisory without a severity fails under every floor: we cannot show it is
        below the floor, and the product fails closed.
        """
        if self.vuln_fail_on == "any" or severity not in SEVERITY_FLOORS:
            return True
        return SEVERITY_FLOORS.index(severity) >= SEVERITY_FLOORS.index(self.vuln_fail_on)

    def heuristics_threshold(self) -> Severity | None:
        """The severity at which heuristics findings fail the gate; None for ``never``."""
        if self.heuristics_fail_on == "never":
            return None
        return Severity.parse(self.heuristics_fail_on)
