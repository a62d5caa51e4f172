"""``skillgate ban``: a ban appended to ``policy/bans.yaml`` (created when missing).

A ban is never refused for what it breaks elsewhere (that is often its point): skills that
lock the package stop validating, policy tests that expected it allowed fail, agents lose it.
All of that is listed for the reviewer. It is refused when ``bans.yaml`` itself would not
validate (an invalid name or specifier, a duplicate).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from packaging.specifiers import InvalidSpecifier

from checker.edit import EditRefused
from checker.edit.pull_request import render
from checker.edit.review import EditOutcome, read_text, review, write
from checker.edit.yaml_edit import Scalar, append_entry
from checker.exit_codes import UsageError
from checker.layout import BANS_FILE
from checker.policy.load import load_repo
from checker.policy.model import Ban
from checker.runtime.specs import canonical_name, parse_specifier, valid_name

# The name runs up to the first character a specifier (or extras) could start with; what
# follows is the specifier as written, judged by validate like any ban's.
_TARGET = re.compile(r"([^\s<>=!~,;\[(]+)(.*)", re.DOTALL)


@dataclass(frozen=True, kw_only=True, slots=True)
class BanOptions:
    """``skillgate ban`` from the command line."""

    target: str
    reason: str
    ticket: str | None = None
    vuln_db: Path | None = None
    dry_run: bool = False


def parse_target(text: str) -> tuple[str, str]:
    """``'pyyaml<5.4'`` -> (``pyyaml``, ``<5.4``); the specifier is empty for every version."""
    match = _TARGET.fullmatch(text.strip())
    if match is None:
        raise UsageError(f"expected NAME or NAME followed by a specifier, got {text!r}")
    name, versions = match.group(1), "".join(match.group(2).split())
    return (canonical_name(name) if valid_name(name) else name), versions


def ban(repo: Path, options: BanOptions, *, today: date) -> EditOutcome:
    """Append the ban; EditRefused (exit 1, nothing written) when bans.yaml would not
    validate."""
    loaded = load_repo(repo)
    name, versions = parse_target(options.target)
    for existing in loaded.policy.bans:
        if _same_ban(existing, name, versions):
            raise EditRefused(f"{options.target.strip()} is already banned at {existing.source}")
    entry: dict[str, Scalar] = {"package": name}
    if versions:
        entry["versions"] = versions
    entry["reason"] = options.reason
    if options.ticket:
        entry["ticket"] = options.ticket
    edit = append_entry(BANS_FILE, read_text(repo / BANS_FILE), "bans", entry, quoted=("versions",))
    checked = review(loaded, edit, today=today, vuln_db=options.vuln_db)
    if not options.dry_run:
        write(repo, edit)
    title = f"Ban `{name}{versions}`" if versions else f"Ban `{name}` (every version)"
    return EditOutcome(review=checked, written=not options.dry_run, markdown=render(title, checked))


def _same_ban(ban: Ban, name: str, versions: str) -> bool:
    """Whether ``ban`` already bans ``name`` at exactly ``versions`` (spelled differently)."""
    if not valid_name(ban.package) or canonical_name(ban.package) != name:
        return False
    try:
        return parse_specifier(ban.versions) == parse_specifier(versions or None)
    except InvalidSpecifier:
        return False  # validate judges an invalid specifier, old or new
