"""Where the CLI gets an engine: the compiled bundle when current, else a fresh compile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from checker.bundle.advisories import db_identity
from checker.bundle.build import build_bundle
from checker.bundle.revision import source_digest
from checker.exit_codes import SkillgateError
from checker.layout import DEFAULT_BUNDLE
from checker.runtime import Engine, read_bundle
from checker.runtime.bundle_format import BundleError


def current_bundle(
    repo: Path, bundle: Path | None = None, *, vuln_db: Path | None = None
) -> dict[str, Any]:
    """The bundle for ``repo``: ``bundle`` if given, the compiled bundle when it is
    current, else compiled in memory from the working tree (PolicyError, exit 1, when
    the policy has errors: nothing is decided over it)."""
    if bundle is not None:
        return read_bundle(bundle)
    default = repo / DEFAULT_BUNDLE
    if default.is_file():
        data = read_bundle(default)
        if data.get("source_digest") == source_digest(repo, db_identity(vuln_db)):
            return data
    from checker.policy.validate import require_valid  # noqa: PLC0415 - only when stale

    return build_bundle(require_valid(repo, vuln_db=vuln_db), vuln_db=vuln_db)


def engine_for_repo(
    repo: Path, bundle: Path | None = None, *, vuln_db: Path | None = None
) -> Engine:
    """The engine for ``repo``: ``bundle`` if given, the compiled bundle when it is
    current, else compiled in memory from the working tree."""
    try:
        return Engine.from_bundle(current_bundle(repo, bundle, vuln_db=vuln_db))
    except BundleError as exc:
        raise SkillgateError(f"cannot load the policy bundle: {exc}") from exc
