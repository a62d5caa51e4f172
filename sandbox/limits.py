"""``policy/sandbox.yaml``: container limits per maturity level, every key defaulted.

jsonschema (``checker/schemas/sandbox.schema.json``) checks the shape; this module turns
the document into frozen models. A missing or empty file means the defaults.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from checker.exit_codes import SkillgateError
from checker.findings import Finding, Severity
from checker.yaml import load_file

POLICY_FILE = "policy/sandbox.yaml"


@dataclass(frozen=True, kw_only=True, slots=True)
class Limits:
    """Resource limits of one execution (see the schema for the meaning of each)."""

    timeout_seconds: float = 30.0
    memory_mb: int = 256
    cpus: float = 1.0
    cpu_seconds: int = 60
    pids: int = 64
    tmp_mb: int = 64
    shm_mb: int = 16
    fsize_mb: int = 64
    nofile: int = 256
    output_bytes: int = 1_048_576

    def merged(self, overrides: dict[str, Any]) -> Limits:
        """These limits with the keys of ``overrides`` replaced."""
        return replace(self, **overrides)

    def with_timeout(self, requested: float | None) -> Limits:
        """A requested timeout may only lower the level's wall clock, never raise it."""
        if requested is None or requested >= self.timeout_seconds:
            return self
        return replace(self, timeout_seconds=requested)


@dataclass(frozen=True, kw_only=True, slots=True)
class BaseSpec:
    """Which base image the skills are built on."""

    image: str = ""
    suite: str = "bookworm"
    mirror: str = ""
    python: str = ""
    platform: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class SandboxPolicy:
    """The whole of ``policy/sandbox.yaml``."""

    base: BaseSpec = field(default_factory=BaseSpec)
    defaults: Limits = field(default_factory=Limits)
    levels: dict[str, Limits] = field(default_factory=dict)
    pool_size: int = 2

    def limits_for(self, level: str) -> Limits:
        """The limits of ``level``; the defaults when the level is not listed."""
        return self.levels.get(level, self.defaults)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SandboxPolicy:
        """Build the model from schema-valid data."""
        defaults = Limits().merged(data.get("defaults", {}))
        levels = {name: defaults.merged(values) for name, values in data.get("levels", {}).items()}
        base = BaseSpec(**data.get("base", {}))
        return cls(
            base=base,
            defaults=defaults,
            levels=levels,
            pool_size=int(data.get("pool", {}).get("size", 2)),
        )


def schema() -> dict[str, Any]:
    """The shipped JSON Schema of ``policy/sandbox.yaml``."""
    text = resources.files("checker.policy").joinpath("schemas/sandbox.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def check_sandbox_policy(repo: Path) -> tuple[SandboxPolicy | None, list[Finding]]:
    """Load and check ``policy/sandbox.yaml``; every problem comes back as a Finding."""
    path = repo / POLICY_FILE
    if not path.exists():
        return SandboxPolicy(), []
    document, findings = load_file(path, POLICY_FILE)
    if document is None or findings:
        return None, findings
    validator = jsonschema.Draft202012Validator(schema())
    for error in sorted(validator.iter_errors(document.data), key=lambda e: list(e.path)):
        findings.append(
            document.finding(
                tuple(error.absolute_path),
                "sandbox.schema",
                f"{'.'.join(str(p) for p in error.absolute_path) or '<root>'}: {error.message}",
            )
        )
    if findings:
        return None, findings
    return SandboxPolicy.from_dict(document.data), []


def unknown_level_findings(repo: Path, known_levels: Iterable[str]) -> list[Finding]:
    """A warning for every ``levels`` key of ``policy/sandbox.yaml`` that no maturity level
    has: its limits would never apply (a typo leaves that level on the defaults)."""
    path = repo / POLICY_FILE
    if not path.exists():
        return []
    document, _ = load_file(path, POLICY_FILE)
    if document is None or not isinstance(document.data.get("levels"), dict):
        return []
    known = set(known_levels)
    return [
        document.finding(
            ("levels", name),
            "sandbox.unknown-level",
            f"level {name} is not defined in policy/maturity.yaml; its limits never apply",
            severity=Severity.WARNING,
            hint=f"known levels: {', '.join(sorted(known)) or 'none'}",
            key=True,
        )
        for name in document.data["levels"]
        if name not in known
    ]


def load_sandbox_policy(repo: Path) -> SandboxPolicy:
    """The sandbox policy of ``repo``; SkillgateError (exit 3) when it is invalid."""
    policy, findings = check_sandbox_policy(repo)
    if policy is None:
        errors = [f for f in findings if f.severity >= Severity.ERROR] or findings
        first = errors[0]
        raise SkillgateError(
            f"{first.location}: {first.message}"
            + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else "")
        )
    return policy


LIMIT_KEYS = tuple(f.name for f in fields(Limits))
