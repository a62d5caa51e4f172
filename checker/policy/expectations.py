"""``skillgate test``: run the expected decisions in ``policy/tests`` (like ``opa test``).

A failing case is a ``policy-test.failed`` Finding at the case's file:line, so every
reporter (github annotations and SARIF included) carries it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from checker.findings import Finding, Severity
from checker.policy.load import LoadedRepo
from checker.policy.model import PolicyCase
from checker.runtime import Engine
from checker.runtime.bundle_format import day_of
from checker.runtime.decision import Decision


@dataclass(frozen=True, kw_only=True, slots=True)
class CaseResult:
    """One case and the decision it got."""

    case: PolicyCase
    decision: Decision
    passed: bool
    problem: str

    @property
    def title(self) -> str:
        case = self.case
        subject = f"skill {case.skill}" if case.skill else f"{case.package}=={case.version}"
        return case.name or f"{case.agent} {subject}"


def _engine_on(bundle: dict[str, Any], today: date) -> Engine:
    seconds = day_of(today) * 86400.0
    return Engine.from_bundle(bundle, cache_size=0, clock=lambda: seconds)


def run_cases(
    bundle: dict[str, Any], cases: tuple[PolicyCase, ...], today: date
) -> Iterator[CaseResult]:
    """Decide every case against ``bundle`` (as of ``today`` or the case's own date)."""
    default_engine = _engine_on(bundle, today)
    for case in cases:
        engine = (
            _engine_on(bundle, date.fromisoformat(case.today)) if case.today else default_engine
        )
        if case.skill is not None:
            decision = engine.check_skill(case.agent, case.skill)
        else:
            decision = engine.check(case.agent, case.package or "", case.version or "")
        got = "allow" if decision.allowed else "deny"
        problems = []
        if got != case.expect:
            problems.append(f"expected {case.expect}, got {got}")
        if case.check_maturity and decision.maturity_required != case.maturity_required:
            problems.append(
                f"expected maturity_required {case.maturity_required}, "
                f"got {decision.maturity_required}"
            )
        yield CaseResult(
            case=case, decision=decision, passed=not problems, problem="; ".join(problems)
        )


FAILED_RULE = "policy-test.failed"


def run_policy_tests(loaded: LoadedRepo, today: date) -> list[CaseResult]:
    """Every case of ``policy/tests`` against the compiled policy, without vulnerability
    data: an expectation is about the policy, not about the advisories of the day."""
    from checker.bundle.build import build_bundle  # noqa: PLC0415 - compile sits above policy

    bundle = build_bundle(loaded, revision="policy-tests", vulnerabilities=False)
    return list(run_cases(bundle, loaded.policy.cases, today))


def case_findings(results: list[CaseResult]) -> list[Finding]:
    """One error Finding per failing case, located at the case."""
    return [
        Finding(
            rule=FAILED_RULE,
            severity=Severity.ERROR,
            message=f"{result.title}: {result.problem}; decided by {result.decision.rule}: "
            f"{result.decision.reason}",
            file=result.case.source.file,
            line=result.case.source.line,
            column=result.case.source.column,
            hint="fix the policy, or the expectation if the policy is right",
        )
        for result in results
        if not result.passed
    ]


def summary(results: list[CaseResult]) -> str:
    """``N passed, M failed``."""
    failed = sum(1 for result in results if not result.passed)
    return f"{len(results) - failed} passed, {failed} failed"
