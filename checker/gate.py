"""``skillgate gate``: every check CI needs, as stages that each yield an exit code.

A stage that cannot run (missing data, crash) yields 3, never a pass; the gate's exit
code is the worst stage's (3 beats 1 beats 0).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from checker.bundle import build_bundle, render_bundle
from checker.exit_codes import ExitCode
from checker.findings import Finding
from checker.policy_load import LoadedRepo
from checker.policy_tests import CaseResult, run_cases
from checker.validate import has_errors, today_utc, validate_repo


@dataclass(kw_only=True, slots=True)
class StageResult:
    """What one stage of the gate found."""

    name: str
    exit_code: ExitCode
    summary: str
    findings: list[Finding] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def policy_test_lines(results: list[CaseResult], *, verbose: bool) -> tuple[int, list[str]]:
    """(failures, printable lines) for policy test results."""
    lines, failed = [], 0
    for result in results:
        where = f"{result.case.source.file}:{result.case.source.line}"
        if result.passed:
            if verbose:
                lines.append(f"PASS {where} {result.title}")
            continue
        failed += 1
        lines.append(f"FAIL {where} {result.title}: {result.problem}")
        lines.append(f"     decided by {result.decision.rule}: {result.decision.reason}")
    lines.append(f"policy tests: {len(results) - failed} passed, {failed} failed")
    return failed, lines


def write_bundle(loaded: LoadedRepo, target: Path) -> dict[str, object]:
    """Compile and write atomically; returns the bundle."""
    bundle = build_bundle(loaded)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".tmp")
    temporary.write_text(render_bundle(bundle), encoding="utf-8")
    temporary.replace(target)
    return bundle


def run_gate(repo: Path, bundle_path: Path) -> list[StageResult]:
    """validate -> policy tests -> compile, plus any extra stages registered."""
    loaded, findings = validate_repo(repo)
    failing = has_errors(findings)
    stages = [
        StageResult(
            name="validate",
            exit_code=ExitCode.FINDINGS if failing else ExitCode.OK,
            summary=f"{len(findings)} finding(s)",
            findings=findings,
        )
    ]
    if failing:
        stages.append(
            StageResult(
                name="policy tests",
                exit_code=ExitCode.FINDINGS,
                summary="not run: policy has errors",
            )
        )
        stages.append(
            StageResult(
                name="compile", exit_code=ExitCode.FINDINGS, summary="not run: policy has errors"
            )
        )
        return stages
    bundle = build_bundle(loaded)
    results = list(run_cases(bundle, loaded.policy.cases, today_utc()))
    failed, lines = policy_test_lines(results, verbose=False)
    stages.append(
        StageResult(
            name="policy tests",
            exit_code=ExitCode.FINDINGS if failed else ExitCode.OK,
            summary=lines[-1].removeprefix("policy tests: "),
            lines=lines[:-1],
        )
    )
    if failed:
        skipped = "not run: policy tests fail"
        stages.append(StageResult(name="compile", exit_code=ExitCode.FINDINGS, summary=skipped))
        return stages
    written = write_bundle(loaded, bundle_path)
    stages.append(
        StageResult(
            name="compile", exit_code=ExitCode.OK, summary=f"{bundle_path} {written['digest']}"
        )
    )
    for extra in EXTRA_STAGES:
        stages.append(extra(loaded))
    return stages


EXTRA_STAGES: list[Callable[[LoadedRepo], StageResult]] = []
