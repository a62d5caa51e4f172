"""The ``Engine``: load a compiled bundle, decide in microseconds.

Imports only the standard library and ``packaging`` so that an agent platform can
embed it without the checker's dependencies. Decisions are pure functions of the
bundle, the query and the current day; they fail closed: every malformed or unknown
input yields an explicit deny with a reason, never an exception and never an allow.
Reload swaps the compiled bundle atomically and keeps the last good one on error.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from checker.runtime.bundle_format import BundleError
from checker.runtime.compiled import CompiledBundle
from checker.runtime.decision import CacheInfo, Decision
from checker.runtime.semantics import decide, decide_for_rank, decide_skill, deny

__all__ = ["BundleError", "CacheInfo", "Decision", "Engine", "read_bundle"]

DEFAULT_CACHE_SIZE = 65_536
CACHE_SIZE_ENV = "SKILLGATE_DECISION_CACHE"


def _cache_size_from_env() -> int:
    raw = os.environ.get(CACHE_SIZE_ENV, "")
    try:
        return int(raw) if raw else DEFAULT_CACHE_SIZE
    except ValueError:
        return DEFAULT_CACHE_SIZE


class Engine:
    """Decides ``check`` and ``check_skill`` over one bundle; thread-safe; reloadable."""

    def __init__(
        self,
        bundle: Mapping[str, Any],
        *,
        cache_size: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._cache_size = _cache_size_from_env() if cache_size is None else cache_size
        self._clock = clock
        self._state = self._build(bundle)
        self._path: Path | None = None

    def _build(self, bundle: Mapping[str, Any]) -> CompiledBundle:
        try:
            return CompiledBundle(bundle, self._cache_size)
        except BundleError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BundleError(f"malformed bundle: {type(exc).__name__}: {exc}") from exc

    @classmethod
    def from_bundle(cls, bundle: Mapping[str, Any], **kwargs: Any) -> Engine:
        """An engine over an in-memory bundle (as ``compile`` produces it)."""
        return cls(bundle, **kwargs)

    @classmethod
    def load(cls, path: str | os.PathLike[str], **kwargs: Any) -> Engine:
        """Load a bundle file; raises BundleError when it is missing or corrupt."""
        engine = cls(read_bundle(Path(path)), **kwargs)
        engine._path = Path(path)
        return engine

    def reload(self, path: str | os.PathLike[str] | None = None) -> None:
        """Swap in a new bundle atomically; on any error keep the current one and raise."""
        target = Path(path) if path is not None else self._path
        if target is None:
            raise BundleError("no bundle path to reload from")
        self._state = self._build(read_bundle(target))
        self._path = target

    def swap(self, bundle: Mapping[str, Any]) -> None:
        """Swap in an in-memory bundle atomically; on any error keep the current one and raise."""
        self._state = self._build(bundle)

    @property
    def revision(self) -> str:
        return self._state.revision

    @property
    def digest(self) -> str:
        return self._state.digest

    def cache_info(self) -> CacheInfo:
        state = self._state
        with state.lock:
            return CacheInfo(state.hits, state.misses, len(state.cache), state.maxsize)

    def skill_ids(self) -> frozenset[str]:
        """The skills the bundle knows."""
        return frozenset(self._state.skills)

    def agent_ids(self) -> tuple[str, ...]:
        """The registered agents, sorted."""
        return tuple(sorted(self._state.agents))

    def level_of(self, agent: str) -> str:
        state = self._state
        return state.levels[state.agents.get(agent, state.default_rank)].name

    def today(self) -> int:
        return int(self._clock() // 86400)

    def check(self, agent: str, package: str, version: str) -> Decision:
        """May ``agent`` use ``package`` at ``version``? Never raises on bad input."""
        state = self._state
        if not (isinstance(agent, str) and isinstance(package, str) and isinstance(version, str)):
            return deny(state, "invalid-input", "agent, package and version must be strings")
        day = self.today()
        key = (agent, package, version, day)
        with state.lock:
            cached = state.cache.get(key)
            if cached is not None:
                state.hits += 1
                state.cache.move_to_end(key)
                return cached
            state.misses += 1
        decision = decide(state, agent, package, version, day)
        if state.maxsize:
            with state.lock:
                state.cache[key] = decision
                if len(state.cache) > state.maxsize:
                    state.cache.popitem(last=False)
        return decision

    def check_level(
        self, level: str, package: str, version: str, *, day: int | None = None
    ) -> Decision:
        """The decision for a hypothetical agent at ``level`` (used by validate)."""
        state = self._state
        if level not in state.rank:
            return deny(state, "unknown-level", f"unknown level {level!r}")
        return decide_for_rank(
            state, state.rank[level], "", package, version, self.today() if day is None else day
        )

    def explain(self, agent: str, package: str, version: str) -> list[str]:
        """The steps ``check`` goes through for this query, for humans."""
        from checker.runtime.explain import explain  # noqa: PLC0415 - only the CLI needs it

        return explain(self._state, agent, package, version, self.today())

    def check_skill(self, agent: str, skill: str) -> Decision:
        """May ``agent`` run ``skill``: its level and every locked package allowed."""
        state = self._state
        if not (isinstance(agent, str) and isinstance(skill, str)):
            return deny(state, "invalid-input", "agent and skill must be strings")
        return decide_skill(state, agent, skill, self.today())


def read_bundle(path: Path) -> dict[str, Any]:
    """Read a bundle file as JSON; BundleError when it is missing or not JSON."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BundleError(f"cannot read bundle {path}: {exc.strerror or exc}") from exc
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BundleError(f"bundle {path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise BundleError(f"bundle {path} is not a JSON object")
    return data
