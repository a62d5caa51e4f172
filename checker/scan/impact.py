"""Who a vulnerable locked package affects: the approval that lets it in, and the agents.

A scheduled re-scan that finds a new advisory must say which approval to revisit and whose
skills are exposed. Decided by the runtime over the policy alone (no vulnerability data, so
the answer is "who may use it today"), the same way ``check`` and ``check --skill`` decide.
"""

from __future__ import annotations

from datetime import date

from checker.bundle.build import policy_bundle
from checker.lock.lockfile import LockedPackage
from checker.policy.load import LoadedRepo
from checker.runtime import BundleError, Engine
from checker.runtime.bundle_format import day_of

_UNREGISTERED = "\x00unregistered"


class Exposure:
    """Answers "which approval, which agents" for the packages of a repository's locks."""

    def __init__(self, loaded: LoadedRepo, today: date) -> None:
        bundle = policy_bundle(loaded)
        seconds = day_of(today) * 86400.0
        try:
            self._engine: Engine | None = Engine.from_bundle(
                bundle, cache_size=0, clock=lambda: seconds
            )
        except BundleError:
            self._engine = None
        self._agents = sorted(bundle.get("agents", {}))

    def describe(self, skill: str, package: LockedPackage) -> str:
        """``approved at FILE:LINE; exposes agents a, b (skill s)`` or why nobody is exposed."""
        engine = self._engine
        if engine is None:
            return "the policy cannot be compiled to tell who is exposed"
        runners = [a for a in self._agents if engine.check_skill(a, skill).allowed]
        if engine.check_skill(_UNREGISTERED, skill).allowed:
            runners.append("unregistered agents")
        if package.direct:
            deciding = [
                d.rule
                for a in self._agents
                if (d := engine.check(a, package.name, package.version)) and d.allowed
            ]
            where = f"approved at {deciding[0]}" if deciding else "not approved for any agent"
        else:
            where = f"required by {', '.join(package.parents)}"
        who = ", ".join(runners) if runners else "no agent may run it today"
        return f"{where}; skill {skill} runs for: {who}"
