"""Where the CLI gets an engine: the compiled bundle when current, else a fresh compile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from checker.bundle.build import build_bundle
from checker.bundle.revision import source_digest
from checker.exit_codes import ExitCode, SkillgateError
from checker.layout import DEFAULT_BUNDLE
from checker.runtime import Engine, read_bundle
from checker.runtime.bundle_format import BundleError


def compile_repo(repo: Path) -> dict[str, Any]:
    """Validate and compile ``repo``; SkillgateError (exit 3: no decision is possible
    over a policy with errors) when it has errors."""
    from checker.policy.validate import has_errors, validate_repo  # noqa: PLC0415 - only when stale

    loaded, findings = validate_repo(repo)
    if has_errors(findings):
        errors = sum(1 for f in findings if f.severity.label == "error")
        raise SkillgateError(
            f"the policy has {errors} error(s); run `skillgate validate` to see them",
            exit_code=ExitCode.UNDECIDED,
        )
    return build_bundle(loaded)


def engine_for_repo(repo: Path, bundle: Path | None = None) -> Engine:
    """The engine for ``repo``: ``bundle`` if given, the compiled bundle when it is
    current, else compiled in memory from the working tree."""
    try:
        if bundle is not None:
            return Engine.load(bundle)
        default = repo / DEFAULT_BUNDLE
        if default.is_file():
            data = read_bundle(default)
            if data.get("source_digest") == source_digest(repo):
                return Engine.from_bundle(data)
        return Engine.from_bundle(compile_repo(repo))
    except BundleError as exc:
        raise SkillgateError(f"cannot load the policy bundle: {exc}") from exc
