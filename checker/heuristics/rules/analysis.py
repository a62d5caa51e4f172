"""Code the data-flow analysis could not finish: it cannot be judged, so it is denied.

The fixed point of ``checker.heuristics.fixpoint`` always exists, but code built to make
reaching it slow (a web of thousands of mutually dependent assignments) hits the work cap.
Stopping silently would let such code pass unseen; the module is reported instead.
"""

from __future__ import annotations

from collections.abc import Iterable

from checker.findings import Finding, Severity
from checker.heuristics.artifact import ArtifactView, PythonModule
from checker.heuristics.interface import HeuristicRule

ANALYSIS_INCOMPLETE = "heuristics.analysis-incomplete"


class AnalysisLimits(HeuristicRule):
    """A module whose data-flow analysis stopped at its work cap."""

    name = "analysis-limits"
    rule_ids = (ANALYSIS_INCOMPLETE,)

    def check_module(self, artifact: ArtifactView, module: PythonModule) -> Iterable[Finding]:
        reason = module.facts.incomplete
        if reason:
            yield artifact.finding(
                rule=ANALYSIS_INCOMPLETE,
                severity=Severity.ERROR,
                member=module.member,
                what=reason,
                hint="the module could not be judged, so the artifact is denied",
            )
