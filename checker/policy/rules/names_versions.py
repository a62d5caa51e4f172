"""Package names are valid PEP 503/508 names; specifiers, versions and dates parse."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from packaging.specifiers import InvalidSpecifier

from checker.findings import Finding, Severity
from checker.policy.model import Source
from checker.policy.rules.context import Rule, RuleContext
from checker.runtime.specs import canonical_name, parse_specifier, valid_name


def _entries(ctx: RuleContext) -> Iterator[tuple[str, str | None, Source]]:
    for approval in ctx.repo.policy.approvals:
        yield approval.package, approval.versions, approval.source
    for ban in ctx.repo.policy.bans:
        yield ban.package, ban.versions, ban.source


def package_names(ctx: RuleContext) -> Iterator[Finding]:
    for package, _, source in _entries(ctx):
        if not valid_name(package):
            yield ctx.at(
                source,
                "name.invalid",
                f"{package!r} is not a valid package name",
                key="package",
                hint="letters, digits, '.', '_' and '-'; starts and ends with a letter or digit",
            )
        elif package != canonical_name(package):
            yield ctx.at(
                source,
                "name.unnormalised",
                f"{package!r} is written {canonical_name(package)!r} once normalised (PEP 503)",
                key="package",
                severity=Severity.NOTICE,
                hint="write the normalised name so that searches and reviews find it",
            )


def _empty_clause(versions: str | None) -> bool:
    """Whether a specifier set has an empty clause (``>=2,,<3``, ``>=2,``, ``" "``).

    ``packaging`` silently drops empty clauses, so ``","`` parses as "every version";
    a reviewer reads them as typos, so they are invalid here.
    """
    if versions is None or versions.strip() == "*":
        return False
    return any(not clause.strip() for clause in versions.split(","))


def specifiers(ctx: RuleContext) -> Iterator[Finding]:
    for _, versions, source in _entries(ctx):
        try:
            parse_specifier(versions)
            if _empty_clause(versions):
                raise InvalidSpecifier(f"empty clause in {versions!r}")
        except InvalidSpecifier:
            yield ctx.at(
                source,
                "specifier.invalid",
                f"{versions!r} is not a valid PEP 440 specifier set",
                key="versions",
                hint="e.g. '>=2.32.3,<3' or '==6.0.2'; use '*' for every version",
            )


def dates(ctx: RuleContext) -> Iterator[Finding]:
    # The schema checks the shape YYYY-MM-DD; only the calendar knows 2027-02-30.
    written: list[tuple[str | None, Source, str]] = [
        (approval.expires, approval.source, "expires") for approval in ctx.repo.policy.approvals
    ]
    written += [(case.today, case.source, "today") for case in ctx.repo.policy.cases]
    for value, source, key in written:
        if value is None:
            continue
        try:
            date.fromisoformat(value)
        except ValueError:
            yield ctx.at(source, "date.invalid", f"{value!r} is not a calendar date", key=key)


RULES: tuple[Rule, ...] = (package_names, specifiers, dates)
