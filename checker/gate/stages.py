"""``skillgate gate``: every check CI needs, as stages that each yield an exit code.

validate -> policy tests -> compile -> locks current -> scan (vulnerabilities and
heuristics). A stage that cannot run (missing data, crash) yields 3, never a pass; the
gate's exit code is the worst stage's (3 beats 1 beats 0).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from checker.bundle.build import build_bundle, write_bundle
from checker.exit_codes import ExitCode, SkillgateError
from checker.findings import Finding, Severity, sort_findings
from checker.policy.expectations import CaseResult, run_cases
from checker.policy.load import LoadedRepo
from checker.policy.validate import has_errors, today_utc, validate_repo


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


def run_gate(repo: Path, bundle_path: Path, vuln_db: Path | None = None) -> list[StageResult]:
    """validate -> policy tests -> compile -> locks -> scan."""
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
    else:
        written = write_bundle(loaded, bundle_path)
        summary = f"{bundle_path} {written['digest']}"
        stages.append(StageResult(name="compile", exit_code=ExitCode.OK, summary=summary))
    stages.append(_guarded("locks", lambda: locks_stage(loaded)))
    stages.append(_guarded("scan", lambda: scan_stage(loaded, vuln_db)))
    return stages


def _guarded(name: str, stage: Callable[[], StageResult]) -> StageResult:
    """Run a stage; an error it cannot decide past becomes exit 3, never a pass."""
    try:
        return stage()
    except SkillgateError as exc:
        return StageResult(name=name, exit_code=exc.exit_code, summary=f"could not decide: {exc}")
    except Exception as exc:  # noqa: BLE001 - a crashing stage must fail the gate, not vanish
        summary = f"internal error: {type(exc).__name__}: {exc}"
        return StageResult(name=name, exit_code=ExitCode.UNDECIDED, summary=summary)


def locks_stage(loaded: LoadedRepo) -> StageResult:
    """Every skill's lock exists, is current and untouched, and locks nothing banned."""
    from checker.lock.skill_locks import check_skill_lock, failing, select_skills  # noqa: PLC0415
    from checker.lock.target import target_for_repo  # noqa: PLC0415

    target = target_for_repo(loaded.root)
    skills = select_skills(loaded, None)
    findings = [f for skill in skills for f in check_skill_lock(loaded, skill, target)]
    return StageResult(
        name="locks",
        exit_code=ExitCode.FINDINGS if failing(findings) else ExitCode.OK,
        summary=f"{len(skills)} lock(s) checked for {target.tag}, {len(findings)} finding(s)",
        findings=findings,
    )


def scan_stage(loaded: LoadedRepo, vuln_db: Path | None) -> StageResult:
    """Known vulnerabilities and malicious-code heuristics over every locked artifact."""
    from checker.heuristics import scan_artifacts  # noqa: PLC0415 - heavy; only the gate needs it
    from checker.scan.run import ScanOptions, run_scan  # noqa: PLC0415

    options = ScanOptions(repo=loaded.root, vuln_db=vuln_db)
    result = run_scan(options, heuristics=scan_artifacts, now=datetime.now(UTC))
    findings = sort_findings(result.findings)
    failed = any(f.severity is Severity.ERROR for f in findings)
    return StageResult(
        name="scan",
        exit_code=ExitCode.FINDINGS if failed else ExitCode.OK,
        summary=f"{result.packages} package(s) in {result.locks} lock(s), "
        f"{len(findings)} finding(s)",
        findings=findings,
    )
