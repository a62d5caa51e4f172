"""``validate``: load + schema + every semantic rule, all findings in one run."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from checker.bundle.build import policy_content
from checker.exit_codes import PolicyError
from checker.findings import Finding, Severity, fails, sort_findings
from checker.policy.load import LoadedRepo, load_repo
from checker.policy.model import Policy
from checker.policy.rules import RULES, RuleContext
from checker.policy.scanning import ScanningPolicy
from checker.runtime import Engine
from checker.runtime.bundle_format import BundleError, canonical_digest, day_of
from checker.runtime.specs import canonical_name, valid_name


def today_utc() -> date:
    return datetime.now(UTC).date()


def _known_levels_only(policy: Policy) -> Policy:
    """The policy without entries that name unknown levels (already reported)."""
    names = {level.name for level in policy.levels}
    return dataclasses.replace(
        policy,
        agents=tuple(a for a in policy.agents if a.level in names),
        approvals=tuple(a for a in policy.approvals if a.min_level in names),
    )


def engine_for_policy(policy: Policy, today: date) -> Engine | None:
    """An engine over the policy alone (no skills), deciding as of ``today``."""
    content = policy_content(_known_levels_only(policy))
    content["skills"] = {}
    content["revision"] = "working-tree"
    content["digest"] = canonical_digest(content)
    seconds = day_of(today) * 86400.0
    try:
        return Engine.from_bundle(content, cache_size=4096, clock=lambda: seconds)
    except BundleError:
        return None


def _supply_chain_inputs(
    repo: LoadedRepo, vuln_db: Path | None
) -> tuple[dict[str, Any], list[str]]:
    """Folded advisories of the approved names (none without a DB) and the popular names."""
    from checker.bundle.advisories import fold, open_db  # noqa: PLC0415 - compile sits above
    from checker.heuristics.typosquat import popular_names  # noqa: PLC0415

    scanning = repo.scanning or ScanningPolicy()
    index = open_db(vuln_db)
    try:
        names = [canonical_name(a.package) for a in repo.policy.approvals if valid_name(a.package)]
        advisories = fold(index, names, scanning)["advisories"]
    finally:
        if index is not None:
            index.close()
    return advisories, popular_names(repo.root, scanning.popular_packages)


def validate_repo(
    root: Path,
    *,
    today: date | None = None,
    expiring_days: int = 30,
    vuln_db: Path | None = None,
) -> tuple[LoadedRepo, list[Finding]]:
    """Load ``root`` and run every rule; a crashing rule is an error finding.

    With a vulnerability DB imported (``vuln_db``, else the default location), approvals of
    known-vulnerable releases are findings too.
    """
    when = today or today_utc()
    repo = load_repo(root)
    advisories, popular = _supply_chain_inputs(repo, vuln_db)
    ctx = RuleContext(
        repo=repo,
        today=when,
        expiring_days=expiring_days,
        engine=engine_for_policy(repo.policy, when),
        level_names=tuple(level.name for level in repo.policy.levels),
        advisories=advisories,
        popular=popular,
    )
    findings = list(repo.findings)
    for rule in RULES:
        try:
            findings.extend(rule(ctx))
        except Exception as exc:  # noqa: BLE001 - a crashing rule must fail closed, not vanish
            findings.append(
                Finding(
                    rule="internal.rule-crashed",
                    severity=Severity.ERROR,
                    message=f"rule {getattr(rule, '__name__', rule)!r} crashed: "
                    f"{type(exc).__name__}: {exc}",
                    hint="a bug in skillgate; the policy cannot be judged until it is fixed",
                )
            )
    return repo, sort_findings(findings)


def require_valid(
    root: Path, *, today: date | None = None, vuln_db: Path | None = None
) -> LoadedRepo:
    """The loaded repository when it validates; PolicyError (exit 1, with the errors) when not.

    Every verb that decides, compiles, locks, builds or runs over the policy goes through
    here, so "the policy has errors" is one message and one exit code everywhere.
    """
    loaded, findings = validate_repo(root, today=today, vuln_db=vuln_db)
    if fails(findings):
        errors = [f for f in findings if f.severity >= Severity.ERROR]
        raise PolicyError(
            f"the policy has {len(errors)} error(s); run `skillgate validate` to see them",
            errors,
        )
    return loaded
