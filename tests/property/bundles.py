"""Compile a reference policy into the product's bundle, the way ``skillgate compile`` does.

The policy goes through ``checker.policy.model.Policy`` and ``checker.bundle.build.policy_content``
(name normalisation, sorting, sources), then gets skills, a revision and its digest.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from checker.bundle.build import policy_content
from checker.policy import model
from checker.runtime import Engine
from checker.runtime.bundle_format import canonical_digest, day_of
from tests.property.reference import RefPolicy, normalise


def _source(file: str, line: int) -> model.Source:
    return model.Source(file=file, line=line, column=3)


def to_model(policy: RefPolicy) -> model.Policy:
    """The product's model of the same policy, as the loader would build it."""
    return model.Policy(
        levels=tuple(
            model.Level(
                name=lv.name,
                packages=lv.packages,
                exact_pins_only=lv.exact_pins_only,
                source=_source("policy/maturity.yaml", i + 2),
            )
            for i, lv in enumerate(policy.levels)
        ),
        default_level=policy.default_level,
        enabled=policy.enabled,
        agents=tuple(
            model.Agent(id=aid, level=lv, owner="team", source=_source("policy/agents.yaml", i))
            for i, (aid, lv) in enumerate(policy.agents.items())
        ),
        approvals=tuple(
            model.Approval(
                package=a.package,
                versions=a.versions,
                min_level=a.min_level,
                approved_by="security-team",
                reason="property test",
                ticket="",
                expires=a.expires.isoformat() if a.expires else None,
                prereleases=a.prereleases,
                source=_source(f"policy/packages/{normalise(a.package)}.yaml", i + 2),
            )
            for i, a in enumerate(policy.approvals)
        ),
        bans=tuple(
            model.Ban(
                package=b.package,
                versions=b.versions,
                reason="property test",
                source=_source("policy/bans.yaml", i + 2),
            )
            for i, b in enumerate(policy.bans)
        ),
        transitive=policy.transitive,
    )


def bundle_for(policy: RefPolicy, revision: str = "rev-1") -> dict[str, Any]:
    """The compiled bundle for ``policy``, built the way ``build_bundle`` builds one."""
    content = policy_content(to_model(policy))
    content["skills"] = {
        sid: {
            "min_level": skill.min_level,
            "packages": sorted(
                [{"name": n, "version": v, "direct": True} for n, v in skill.direct]
                + [{"name": n, "version": v, "direct": False} for n, v in skill.transitive],
                key=lambda p: str(p["name"]),
            ),
            "source": f"skills/{sid}/skill.yaml:1",
        }
        for sid, skill in sorted(policy.skills.items())
    }
    content["revision"] = revision
    content["digest"] = canonical_digest(content)
    return content


def engine_at(policy: RefPolicy, today: date, *, second: int = 0) -> Engine:
    """An engine over ``policy`` whose clock reads ``today`` plus ``second`` seconds."""
    now = day_of(today) * 86400.0 + second
    return Engine.from_bundle(bundle_for(policy), clock=lambda: now)
