"""Approvals: no duplicates, overlaps or name collisions; not shadowed by a ban; expiry."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from itertools import combinations

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from checker.findings import Finding, Severity
from checker.policy.model import Approval
from checker.policy.ranges import approval_prereleases, common, covers, describe
from checker.policy.rules.context import Rule, RuleContext
from checker.runtime.specs import canonical_name, parse_specifier, valid_name


def _spec(versions: str | None) -> tuple[bool, SpecifierSet | None]:
    try:
        return True, parse_specifier(versions)
    except InvalidSpecifier:
        return False, None


def _prereleases(approval: Approval) -> bool:
    return approval_prereleases(approval.versions, approval.prereleases)


def _by_name(ctx: RuleContext) -> dict[str, list[Approval]]:
    groups: dict[str, list[Approval]] = {}
    for approval in ctx.repo.policy.approvals:
        if valid_name(approval.package) and _spec(approval.versions)[0]:
            groups.setdefault(canonical_name(approval.package), []).append(approval)
    return groups


def duplicates_and_overlaps(ctx: RuleContext) -> Iterator[Finding]:
    for name, group in sorted(_by_name(ctx).items()):
        for first, second in combinations(group, 2):
            if first.package != second.package:
                # Point at the spelling that is not the normalised name: that is the
                # entry to fix, wherever the file sorts.
                here, there = (first, second) if second.package == name else (second, first)
                yield ctx.at(
                    here.source,
                    "name.collision",
                    f"{here.package!r} and {there.package!r} ({there.source}) are the same "
                    f"project {name!r} after PEP 503 normalisation",
                    key="package",
                    hint="approve a project under one spelling, its normalised name",
                )
                continue
            if first.min_level != second.min_level:
                continue
            a, b = _spec(first.versions)[1], _spec(second.versions)[1]
            if str(a) == str(b) and first.prereleases == second.prereleases:
                yield ctx.at(
                    second.source,
                    "approval.duplicate",
                    f"duplicate approval of {name} {second.versions!r} for {second.min_level} "
                    f"(also at {first.source})",
                    key="versions",
                )
                continue
            shared = common(
                first.versions, _prereleases(first), second.versions, _prereleases(second)
            )
            if not shared.is_empty:
                yield ctx.at(
                    second.source,
                    "approval.overlap",
                    f"approval of {name} {second.versions!r} for {second.min_level} overlaps "
                    f"{first.versions!r} at {first.source} (both admit {describe(shared)})",
                    key="versions",
                    hint="merge them or make the ranges disjoint; which expiry applies is unclear",
                )


def file_names(ctx: RuleContext) -> Iterator[Finding]:
    for approval in ctx.repo.policy.approvals:
        if not valid_name(approval.package):
            continue  # name.invalid says it; a file name built from it would be nonsense
        stem = approval.source.file.rsplit("/", 1)[-1].removesuffix(".yaml")
        name = canonical_name(approval.package)
        if canonical_name(stem) != name:
            yield ctx.at(
                approval.source,
                "approval.file-name",
                f"approval of {approval.package!r} lives in {approval.source.file}",
                key="package",
                severity=Severity.WARNING,
                hint=f"one file per package: policy/packages/{name}.yaml",
            )


def shadowed_by_bans(ctx: RuleContext) -> Iterator[Finding]:
    bans: dict[str, list[tuple[str | None, str]]] = {}
    for ban in ctx.repo.policy.bans:
        if _spec(ban.versions)[0] and valid_name(ban.package):
            bans.setdefault(canonical_name(ban.package), []).append((ban.versions, str(ban.source)))
    for name, group in sorted(_by_name(ctx).items()):
        for approval in group:
            for ban_versions, where in bans.get(name, ()):
                if covers(ban_versions, approval.versions, _prereleases(approval)):
                    yield ctx.at(
                        approval.source,
                        "approval.shadowed",
                        f"approval of {name} {approval.versions!r} can never apply: "
                        f"the ban at {where} covers every version it admits",
                        key="versions",
                        hint="bans always win; remove the approval or narrow the ban",
                    )
                    break


def expiry(ctx: RuleContext) -> Iterator[Finding]:
    horizon = ctx.today + timedelta(days=ctx.expiring_days)
    for approval in ctx.repo.policy.approvals:
        try:
            expires = date.fromisoformat(approval.expires) if approval.expires else None
        except ValueError:
            continue
        if expires is None:
            continue
        if expires < ctx.today:
            yield ctx.at(
                approval.source,
                "approval.expired",
                f"approval of {approval.package} {approval.versions!r} expired on {expires}",
                key="expires",
                severity=Severity.WARNING,
                hint="renew it in a reviewed PR or remove it; it no longer applies",
            )
        elif expires <= horizon:
            days = (expires - ctx.today).days
            yield ctx.at(
                approval.source,
                "approval.expiring",
                f"approval of {approval.package} {approval.versions!r} expires on {expires} "
                f"(in {days} day{'s' if days != 1 else ''})",
                key="expires",
                severity=Severity.NOTICE,
            )


RULES: tuple[Rule, ...] = (duplicates_and_overlaps, file_names, shadowed_by_bans, expiry)
