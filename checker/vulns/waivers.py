"""Waivers: reviewed, expiring exceptions for one finding id on one package.

A waiver applies through its ``expires`` day (UTC). An expired waiver stops applying and
is reported; a live waiver that matched nothing in a full scan is reported too, so stale
exceptions do not pile up silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from checker.findings import Finding, Severity


@dataclass(frozen=True, kw_only=True, slots=True)
class Waiver:
    """Finding ``id`` (advisory id, alias or rule id) on ``package`` is accepted until ``expires``.

    ``line`` and ``column`` are where the waiver sits in ``policy/scanning.yaml``.
    """

    id: str
    package: str
    reason: str
    expires: date
    line: int = 0
    column: int = 0

    def expired(self, today: date) -> bool:
        """A waiver applies through its expiry day and stops applying after it."""
        return today > self.expires

    def covers(self, package: str, ids: Iterable[str]) -> bool:
        """True when this waiver names ``package`` and one of ``ids`` (case-insensitive)."""
        return self.package == package and self.id.upper() in {i.upper() for i in ids}


class WaiverBook:
    """Looks up waivers for findings and remembers which ones were used."""

    def __init__(self, waivers: Sequence[Waiver], today: date) -> None:
        self._waivers = tuple(waivers)
        self._today = today
        self._used: set[int] = set()

    def lookup(self, package: str, ids: Iterable[str]) -> Waiver | None:
        """The live waiver covering ``package`` and any of ``ids``, None when there is none."""
        wanted = tuple(ids)
        for i, waiver in enumerate(self._waivers):
            if waiver.covers(package, wanted) and not waiver.expired(self._today):
                self._used.add(i)
                return waiver
        return None

    def findings(self, file: str, *, report_unused: bool) -> list[Finding]:
        """Warnings for expired waivers, and for unused live ones when ``report_unused``."""
        out = []
        for i, waiver in enumerate(self._waivers):
            what = f"waiver for {waiver.id} on {waiver.package}"
            if waiver.expired(self._today):
                out.append(
                    _warning(
                        "vuln.waiver-expired",
                        f"{what} expired on {waiver.expires.isoformat()} and no longer applies",
                        file,
                        waiver,
                        "renew it through a reviewed PR, or fix the finding",
                    )
                )
            elif report_unused and i not in self._used:
                out.append(
                    _warning(
                        "vuln.waiver-unused",
                        f"{what} matches no finding",
                        file,
                        waiver,
                        "remove the waiver, or check the id and package spelling",
                    )
                )
        return out


def _warning(rule: str, message: str, file: str, waiver: Waiver, hint: str) -> Finding:
    return Finding(
        rule=rule,
        severity=Severity.WARNING,
        message=message,
        file=file,
        line=waiver.line,
        column=waiver.column,
        hint=hint,
    )
