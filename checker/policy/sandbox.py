"""``policy/sandbox.yaml`` as a model: the base image and container limits per maturity level.

jsonschema (``schemas/sandbox.schema.json``) checks the shape when the repository is loaded;
this module turns the checked data into frozen models, every key defaulted, so a missing or
empty file means the defaults. ``build``, ``run``, the warm pool and ``sandbox verify`` receive
it on the ``LoadedRepo``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any


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
    require_provenance: bool = False
    """``run``, the warm pool and the service refuse an image whose signed provenance does
    not verify (``sandbox.image_verify``), before any container exists."""
    public_key: str = ""
    """The Ed25519 public key (PEM, repository-relative or absolute) provenance is signed with."""

    def limits_for(self, level: str) -> Limits:
        """The limits of ``level``; the defaults when the level is not listed."""
        return self.levels.get(level, self.defaults)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SandboxPolicy:
        """Build the model from schema-valid data."""
        defaults = Limits().merged(data.get("defaults", {}))
        levels = {name: defaults.merged(values) for name, values in data.get("levels", {}).items()}
        return cls(
            base=BaseSpec(**data.get("base", {})),
            defaults=defaults,
            levels=levels,
            pool_size=int(data.get("pool", {}).get("size", 2)),
            require_provenance=bool(data.get("require_provenance", False)),
            public_key=str(data.get("public_key", "")),
        )
