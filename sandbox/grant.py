"""The single choke point: no container is created without an allowed decision.

Every function that creates a sandbox container takes a ``GrantedRun``. The only way to
get one is ``authorize``, which asks the policy engine (``check_skill``) first and
raises on a deny, so "run", "--code" and the warm pool are all governed identically.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from checker.exit_codes import ExitCode, SkillgateError
from checker.policy.sandbox import Limits, SandboxPolicy


class DecisionLike(Protocol):
    """What the runtime decision carries (``checker.runtime.Decision``)."""

    @property
    def allowed(self) -> bool: ...
    @property
    def maturity_required(self) -> str | None: ...
    @property
    def reason(self) -> str: ...
    @property
    def rule(self) -> str: ...
    @property
    def revision(self) -> str: ...


class SkillGovernor(Protocol):
    """The part of the runtime engine the sandbox needs (``checker.runtime.Engine``)."""

    def check_skill(self, agent: str, skill: str) -> DecisionLike: ...
    def level_of(self, agent: str) -> str: ...


class DeniedError(SkillgateError):
    """The policy denies the run (exit 1); no container was created."""

    exit_code = ExitCode.FINDINGS


_TOKEN = object()


@dataclass(frozen=True, kw_only=True, slots=True)
class GrantedRun:
    """Proof that the policy allowed ``agent`` to run ``skill``, with the level's limits.

    Construct it only through ``authorize``; the constructor refuses anything else.
    """

    agent: str
    skill: str
    level: str
    limits: Limits
    revision: str
    rule: str
    _token: object = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._token is not _TOKEN:
            raise TypeError("GrantedRun is only made by sandbox.grant.authorize")


def authorize(
    governor: SkillGovernor,
    policy: SandboxPolicy,
    *,
    agent: str,
    skill: str,
    timeout: float | None = None,
) -> GrantedRun:
    """Ask the policy first; a GrantedRun when allowed, DeniedError (exit 1) otherwise.

    ``timeout`` can only lower the level's wall clock. Any failure inside the engine is a
    deny by construction: nothing is returned unless ``allowed`` is literally True.
    """
    if timeout is not None and timeout <= 0:
        raise SkillgateError("--timeout must be positive", exit_code=ExitCode.USAGE)
    try:
        decision = governor.check_skill(agent, skill)
        level = governor.level_of(agent)
    except SkillgateError:
        raise
    except Exception as exc:
        raise SkillgateError(f"could not decide whether {agent} may run {skill}: {exc}") from exc
    if decision.allowed is not True:
        needed = f" (requires {decision.maturity_required})" if decision.maturity_required else ""
        raise DeniedError(
            f"denied: agent {agent!r} may not run skill {skill!r}: {decision.reason}{needed} "
            f"[{decision.rule}]"
        )
    return GrantedRun(
        agent=agent,
        skill=skill,
        level=level,
        limits=policy.limits_for(level).with_timeout(timeout),
        revision=decision.revision,
        rule=decision.rule,
        _token=_TOKEN,
    )


def probe_grant(policy: SandboxPolicy, level: str) -> GrantedRun:
    """A grant for ``sandbox verify``'s own probe, with the limits of ``level``.

    The probe is skillgate's fixed script run by the system interpreter in isolated mode
    (``-I -S``), which never loads the skill's packages or code; skill code runs only
    through ``authorize``.
    """
    return GrantedRun(
        agent="(verify)",
        skill="(probe)",
        level=level,
        limits=policy.limits_for(level),
        revision="",
        rule="sandbox.verify",
        _token=_TOKEN,
    )
