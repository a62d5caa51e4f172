"""``policy/scanning.yaml`` as a model: gates, DB age and waivers, every key defaulted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from checker.exit_codes import SkillgateError
from checker.findings import Severity
from checker.policy.schema import check_document
from checker.vulns.waivers import Waiver
from checker.yaml import Document, load_file

SCANNING_FILE = "policy/scanning.yaml"
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
    def from_document(cls, document: Document) -> ScanningPolicy:
        """Build from a schema-valid document; ``SkillgateError`` on a bad expiry date."""
        data: dict[str, Any] = document.data
        waivers = []
        for i, item in enumerate(data.get("waivers", [])):
            pos = document.position(("waivers", i))
            try:
                expires = date.fromisoformat(item["expires"])
            except ValueError:
                where = f"{document.file}:{pos.line}: expires {item['expires']!r}"
                raise SkillgateError(f"{where} is not a date") from None
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
        vulns = data.get("vulnerabilities", {})
        heuristics = data.get("heuristics", {})
        return cls(
            transitive=data.get("transitive", "inherit"),
            max_db_age_days=data.get("max_db_age_days", 30),
            vuln_fail_on=vulns.get("fail_on", "any"),
            heuristics_enabled=heuristics.get("enabled", True),
            heuristics_fail_on=heuristics.get("fail_on", "error"),
            popular_packages=heuristics.get("popular_packages", ""),
            waivers=tuple(waivers),
            file=document.file,
        )

    def vuln_fails(self, severity: str) -> bool:
        """Whether an advisory of ``severity`` fails the gate.

        An advisory without a severity fails under every floor: we cannot show it is
        below the floor, and the product fails closed.
        """
        if self.vuln_fail_on == "any" or severity not in SEVERITY_FLOORS:
            return True
        return SEVERITY_FLOORS.index(severity) >= SEVERITY_FLOORS.index(self.vuln_fail_on)

    def heuristic_fails(self, severity: Severity) -> bool:
        """Whether a heuristics finding of ``severity`` fails the gate."""
        if self.heuristics_fail_on == "never":
            return False
        return severity >= Severity.parse(self.heuristics_fail_on)


def load_scanning_policy(repo: Path) -> ScanningPolicy:
    """Read ``policy/scanning.yaml`` (defaults when absent); invalid -> ``SkillgateError``."""
    path = repo / SCANNING_FILE
    if not path.is_file():
        return ScanningPolicy()
    document, findings = load_file(path, SCANNING_FILE)
    if document is not None:
        findings += [finding for finding, _ in check_document(document, "scanning")]
    if document is None or findings:
        first = findings[0] if findings else None
        detail = f"{first.location}: {first.message}" if first else "unreadable"
        raise SkillgateError(
            f"{SCANNING_FILE} is invalid ({detail}); run skillgate validate for every problem"
        )
    return ScanningPolicy.from_document(document)
