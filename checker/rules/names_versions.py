"""Package names are valid PEP 503/508 names; specifiers, versions and dates parse."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from packaging.specifiers import InvalidSpecifier

from checker.decision import canonical_name, parse_specifier, valid_name
from checker.findings import Finding, Severity
from checker.model import Source
from checker.rules.context import Rule, RuleContext


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


def specifiers(ctx: RuleContext) -> Iterator[Finding]:
    for _, versions, source in _entries(ctx):
        try:
            parse_specifier(versions)
        except InvalidSpecifier:
            yield ctx.at(
                source,
                "specifier.invalid",
                f"{versions!r} is not a valid PEP 440 specifier set",
                key="versions",
                hint="e.g. '>=2.32.3,<3' or '==6.0.2'; use '*' for every version",
            )


def dates(ctx: RuleContext) -> Iterator[Finding]:
    for approval in ctx.repo.policy.approvals:
        if approval.expires is None:
            continue
        try:
            date.fromisoformat(approval.expires)
        except ValueError:
            yield ctx.at(
                approval.source,
                "date.invalid",
                f"{approval.expires!r} is not a calendar date",
                key="expires",
            )


RULES: tuple[Rule, ...] = (package_names, specifiers, dates)
