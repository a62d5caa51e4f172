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

from checker.bundle.build import write_bundle
from checker.exit_codes import ExitCode, SkillgateError
from checker.findings import Finding, fails, sort_findings
from checker.policy.expectations import case_findings, run_policy_tests, summary
from checker.policy.load import LoadedRepo
from checker.policy.validate import today_utc, validate_repo


@dataclass(frozen=True, kw_only=True, slots=True)
class GateOptions:
    """What the gate runs over: the repository, where the bundle goes, which DB."""

    repo: Path
    bundle_path: Path
    vuln_db: Path | None = None


@dataclass(kw_only=True, slots=True)
class StageResult:
    """What one stage of the gate found."""

    name: str
    exit_code: ExitCode
    summary: str
    findings: list[Finding] = field(default_factory=list)


def _code(findings: list[Finding]) -> ExitCode:
    return ExitCode.FINDINGS if fails(findings) else ExitCode.OK


def run_gate(options: GateOptions) -> list[StageResult]:
    """validate -> policy tests -> compile -> locks -> scan."""
    loaded, findings = validate_repo(options.repo, vuln_db=options.vuln_db)
    stages = [
        StageResult(
            name="validate",
            exit_code=_code(findings),
            summary=f"{len(findings)} finding(s)",
            findings=findings,
        )
    ]
    if fails(findings):
        not_run = "not run: policy has errors"
        stages.append(
            StageResult(name="policy tests", exit_code=ExitCode.FINDINGS, summary=not_run)
        )
        stages.append(StageResult(name="compile", exit_code=ExitCode.FINDINGS, summary=not_run))
        return stages
    results = run_policy_tests(loaded, today_utc())
    failed_cases = case_findings(results)
    stages.append(
        StageResult(
            name="policy tests",
            exit_code=_code(failed_cases),
            summary=summary(results),
            findings=failed_cases,
        )
    )
    if failed_cases:
        skipped = "not run: policy tests fail"
        stages.append(StageResult(name="compile", exit_code=ExitCode.FINDINGS, summary=skipped))
    else:
        written = write_bundle(loaded, options.bundle_path, vuln_db=options.vuln_db)
        compiled = f"{options.bundle_path} {written['digest']}"
        stages.append(StageResult(name="compile", exit_code=ExitCode.OK, summary=compiled))
    stages.append(_guarded("locks", lambda: locks_stage(loaded)))
    stages.append(_guarded("scan", lambda: scan_stage(loaded, options.vuln_db)))
    return stages


def worst(stages: list[StageResult]) -> ExitCode:
    """The gate's exit code: the worst stage's."""
    return max((stage.exit_code for stage in stages), default=ExitCode.OK)


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
    from checker.lock.skill_locks import check_skill_lock, select_skills  # noqa: PLC0415
    from checker.lock.target import target_for  # noqa: PLC0415

    target = target_for(loaded.sandbox_policy().base)
    skills = select_skills(loaded, None)
    findings = [f for skill in skills for f in check_skill_lock(loaded, skill, target)]
    return StageResult(
        name="locks",
        exit_code=_code(findings),
        summary=f"{len(skills)} lock(s) checked for {target.tag}, {len(findings)} finding(s)",
        findings=findings,
    )


def scan_stage(loaded: LoadedRepo, vuln_db: Path | None) -> StageResult:
    """Known vulnerabilities and malicious-code heuristics over every locked artifact."""
    from checker.heuristics import scan_artifacts  # noqa: PLC0415 - heavy; only the gate needs it
    from checker.scan.run import ScanOptions, run_scan  # noqa: PLC0415

    options = ScanOptions(vuln_db=vuln_db)
    result = run_scan(loaded, options, heuristics=scan_artifacts, now=datetime.now(UTC))
    findings = sort_findings(result.findings)
    return StageResult(
        name="scan",
        exit_code=_code(findings),
        summary=f"{result.packages} package(s) in {result.locks} lock(s), "
        f"{len(findings)} finding(s)",
        findings=findings,
    )
