"""The registry of heuristics rules, and running them so that a crash fails closed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from checker.findings import Finding, Severity
from checker.heuristics.artifact import ArtifactView, PythonModule
from checker.heuristics.interface import HeuristicRule

CRASHED = "heuristics.rule-crashed"


class RuleRegistry:
    """An ordered set of rules; ``default()`` holds every family shipped with skillgate."""

    def __init__(self, rules: Iterable[HeuristicRule] = ()) -> None:
        self._rules: dict[str, HeuristicRule] = {}
        for rule in rules:
            self.register(rule)

    @classmethod
    def default(cls) -> RuleRegistry:
        """A registry with every built-in rule family (``checker.heuristics.rules``)."""
        # Imported here: the rule modules import the artifact model, not the registry.
        from checker.heuristics.rules import RULE_FAMILIES  # noqa: PLC0415

        return cls(family() for family in RULE_FAMILIES)

    def register(self, rule: HeuristicRule) -> None:
        """Add ``rule``; a second rule with the same name replaces the first."""
        self._rules[rule.name] = rule

    def __iter__(self) -> Iterator[HeuristicRule]:
        return iter(self._rules.values())

    def rule_ids(self) -> list[str]:
        """Every rule id the registered families can report."""
        return sorted({rule_id for rule in self for rule_id in rule.rule_ids})

    def run(self, artifact: ArtifactView) -> list[Finding]:
        """Run every rule over ``artifact``; a rule that raises yields a gating finding."""
        findings: list[Finding] = []
        for rule in self:
            findings.extend(_guarded(rule, artifact, None))
        for module in artifact.iter_python_modules():
            for rule in self:
                findings.extend(_guarded(rule, artifact, module))
        return findings


def _guarded(
    rule: HeuristicRule, artifact: ArtifactView, module: PythonModule | None
) -> list[Finding]:
    try:
        if module is None:
            return list(rule.check_artifact(artifact))
        return list(rule.check_module(artifact, module))
    except Exception as exc:  # noqa: BLE001 (any crash must fail closed, not pass)
        where = artifact.location(module.member) if module else artifact.name
        return [
            Finding(
                rule=CRASHED,
                severity=Severity.ERROR,
                message=(
                    f"heuristics rule {rule.name!r} crashed ({type(exc).__name__}: "
                    f"{str(exc)[:80]}); the artifact could not be judged"
                ),
                file=where,
                hint="report this bug; the artifact is denied until the rule runs",
            )
        ]
