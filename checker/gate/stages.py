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
from typing import TYPE_CHECKING

from checker.bundle.build import write_bundle
from checker.exit_codes import ExitCode, SkillgateError
from checker.findings import Finding, fails, sort_findings
from checker.gate.selection import Selection, changed_since
from checker.policy.expectations import case_findings, run_policy_tests, summary
from checker.policy.load import LoadedRepo
from checker.policy.validate import today_utc, validate_repo

if TYPE_CHECKING:
    from checker.diff.changes import PolicyDiff


@dataclass(frozen=True, kw_only=True, slots=True)
class GateOptions:
    """What the gate runs over: the repository, where the bundle goes, which DB, and the
    base revision of a pull request (locks and scans limited to what changed, unless
    ``all``)."""

    repo: Path
    bundle_path: Path
    vuln_db: Path | None = None
    base: str | None = None
    all: bool = False


@dataclass(kw_only=True, slots=True)
class GateReport:
    """Every stage, and for a pull request the policy diff against its base."""

    stages: list[StageResult]
    diff: PolicyDiff | None = None

    @property
    def exit_code(self) -> ExitCode:
        """The gate's exit code: the worst stage's."""
        return max((stage.exit_code for stage in self.stages), default=ExitCode.OK)

    @property
    def findings(self) -> list[Finding]:
        return [f for stage in self.stages for f in stage.findings]


@dataclass(kw_only=True, slots=True)
class StageResult:
    """What one stage of the gate found."""

    name: str
    exit_code: ExitCode
    summary: str
    findings: list[Finding] = field(default_factory=list)


def _code(findings: list[Finding]) -> ExitCode:
    return ExitCode.FINDINGS if fails(findings) else ExitCode.OK


def run_gate(options: GateOptions) -> GateReport:
    """validate -> policy tests -> compile -> locks -> scan (and the diff against a base)."""
    selection = Selection.everything()
    policy_diff = None
    if options.base is not None:
        from checker.diff import diff_revisions  # noqa: PLC0415 - only for pull requests
        from checker.diff.revisions import checkout  # noqa: PLC0415

        policy_diff = diff_revisions(options.repo, options.base, None, today_utc())
        if not options.all:
            with checkout(options.repo, options.base) as before:
                selection = changed_since(before, options.repo)
    stages = _stages(options, selection)
    return GateReport(stages=stages, diff=policy_diff)


def _stages(options: GateOptions, selection: Selection) -> list[StageResult]:
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
    stages.append(_guarded("locks", lambda: locks_stage(loaded, selection)))
    stages.append(_guarded("scan", lambda: scan_stage(loaded, options.vuln_db, selection)))
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


def _scope(chosen: frozenset[str] | None, total: int, why: str) -> str:
    if chosen is None:
        return ""
    return f" ({len(chosen)} of {total} skills: {why})"


def locks_stage(loaded: LoadedRepo, selection: Selection) -> StageResult:
    """Every selected skill's lock exists, is current and untouched, and locks nothing banned."""
    from checker.lock.skill_locks import check_skill_lock, select_skills  # noqa: PLC0415
    from checker.lock.target import target_for  # noqa: PLC0415

    target = target_for(loaded.sandbox_policy().base)
    every = select_skills(loaded, None)
    skills = [s for s in every if selection.locks is None or s.id in selection.locks]
    findings = [f for skill in skills for f in check_skill_lock(loaded, skill, target)]
    scope = _scope(selection.locks, len(every), selection.why)
    return StageResult(
        name="locks",
        exit_code=_code(findings),
        summary=f"{len(skills)} lock(s) checked for {target.tag}{scope}, "
        f"{len(findings)} finding(s)",
        findings=findings,
    )


def scan_stage(loaded: LoadedRepo, vuln_db: Path | None, selection: Selection) -> StageResult:
    """Known vulnerabilities and malicious-code heuristics over the selected locked artifacts."""
    from checker.heuristics import scan_artifacts  # noqa: PLC0415 - heavy; only the gate needs it
    from checker.scan.run import ScanOptions, run_scan  # noqa: PLC0415

    options = ScanOptions(vuln_db=vuln_db, skills=selection.scans)
    result = run_scan(loaded, options, heuristics=scan_artifacts, now=datetime.now(UTC))
    findings = sort_findings(result.findings)
    scope = _scope(selection.scans, len(loaded.skills), selection.why)
    return StageResult(
        name="scan",
        exit_code=_code(findings),
        summary=f"{result.packages} package(s) in {result.locks} lock(s){scope}, "
        f"{len(findings)} finding(s)",
        findings=findings,
    )
