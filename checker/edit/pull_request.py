"""The markdown block each edit prints, ready to paste into its pull request: the lines it
writes, what was checked, what it breaks elsewhere, and the policy diff with the blast radius."""

from __future__ import annotations

from collections.abc import Sequence

from checker.diff.render import markdown as diff_markdown
from checker.edit.release import CheckedRelease
from checker.edit.review import Review
from checker.findings import Finding
from checker.runtime.specs import is_exact_pin, parse_specifier


def render(title: str, review: Review, checked: Sequence[str] = ()) -> str:
    """``### title``, the written lines, ``checked`` sections, notes, breaks and the diff."""
    lines = [f"### {title}", "", *_written(review), *checked]
    if review.notes:
        lines += ["#### Notes on the edited file", "", *_items(review.notes), ""]
    lines += ["#### What this change breaks", ""]
    if review.breaks:
        lines += [*_items(review.breaks), ""]
    else:
        lines += ["Nothing: every other file still validates and every policy test passes.", ""]
    return "\n".join(lines) + "\n" + diff_markdown(review.diff)


def release_section(release: CheckedRelease, *, specifier: str, squat: str | None) -> list[str]:
    """The release the approval was checked against, as a table, then non-gating findings."""
    package = release.package
    exact = is_exact_pin(parse_specifier(specifier))
    newest = "" if exact else f" (the newest release `{specifier}` admits)"
    wheel = package.files[0]
    vulns = [f for f in release.findings if f.rule.startswith("vuln.")]
    heuristics = [f for f in release.findings if not f.rule.startswith("vuln.")]
    rows = [
        ("release", f"`{package.name} {package.version}`{newest}"),
        ("target", f"`{release.target}`"),
        ("wheel", f"`{wheel.filename}` sha256 `{wheel.sha256}`"),
        ("index", f"`{package.index_url}`"),
        ("dependencies", _dependencies(release.dependencies)),
        (
            "known vulnerabilities",
            f"{f'{len(vulns)} below the gate' if vulns else 'none'} "
            f"(vulnerability DB {release.vulnerability_db})",
        ),
        (
            "malicious-code heuristics",
            f"{len(heuristics)} below the gate"
            if heuristics
            else ("no findings" if release.heuristics else "off in `policy/scanning.yaml`"),
        ),
        ("typosquat", squat or "resembles no popular package"),
    ]
    lines = ["#### Release checked", "", "| check | result |", "|---|---|"]
    lines += [f"| {name} | {_cell(value)} |" for name, value in rows]
    lines.append("")
    if release.findings:
        lines += ["Findings below the gate:", "", *_items(release.findings), ""]
    return lines


def _written(review: Review) -> list[str]:
    edit = review.edit
    new = " (new file)" if edit.before is None else ""
    lines = [f"`{edit.rel}`{new}, line {edit.line}:", ""]
    if edit.removed:
        lines += ["```diff", *(f"-{line}" for line in edit.removed)]
        lines += [*(f"+{line}" for line in edit.added), "```", ""]
    else:
        lines += ["```yaml", *edit.added, "```", ""]
    return lines


def _dependencies(names: Sequence[str]) -> str:
    if not names:
        return "none"
    return ", ".join(f"`{name}`" for name in names) + " (scanned when a skill locks them)"


def _items(findings: Sequence[Finding]) -> list[str]:
    return [
        f"- `{finding.location}` {finding.severity.label} `{finding.rule}`: {finding.message}"
        for finding in findings
    ]


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")
