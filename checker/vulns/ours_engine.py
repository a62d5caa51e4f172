"""Our engine: the OSV matcher over the local index, fully offline."""

from __future__ import annotations

from collections.abc import Sequence

from checker.exit_codes import SkillgateError
from checker.vulns.engines import PinnedPackage, VulnerabilityEngine
from checker.vulns.matcher import MatchError, VulnMatch, match_all, parse_version
from checker.vulns.vuln_index import VulnIndex


class OursEngine(VulnerabilityEngine):
    """Matches every package against the records the index holds for its name."""

    name = "ours"

    def __init__(self, index: VulnIndex) -> None:
        self._index = index

    def audit(self, packages: Sequence[PinnedPackage]) -> dict[str, list[VulnMatch]]:
        """See ``VulnerabilityEngine.audit``."""
        results: dict[str, list[VulnMatch]] = {}
        for package in packages:
            try:
                version = parse_version(package.version, package.name)
                results[package.name] = match_all(
                    self._index.records(package.name), package.name, version
                )
            except MatchError as exc:
                raise SkillgateError(f"cannot match {package.name}: {exc}") from None
        return results
