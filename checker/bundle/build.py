"""Compile a validated repository into the bundle the runtime loads.

Deterministic: the same input gives byte-identical output (sorted keys, sorted
entries, no timestamps). ``digest`` is the sha256 of the canonical content without
``revision``; ``source_digest`` hashes the input files so a CLI can tell cheaply
whether a bundle on disk is still current.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from checker.bundle.advisories import db_identity, fold, open_db
from checker.bundle.revision import git_revision, source_digest
from checker.exit_codes import SkillgateError
from checker.layout import LOCK_NAME
from checker.lock.lockfile import read_lock
from checker.policy.load import LoadedRepo
from checker.policy.model import Policy, Skill
from checker.runtime.bundle_format import BUNDLE_FORMAT, canonical_digest
from checker.runtime.specs import canonical_name


def skill_packages(skill: Skill) -> list[dict[str, Any]]:
    """The skill's packages: from its lock when there is one, else its exact pins."""
    lock_path = skill.directory / LOCK_NAME
    if lock_path.is_file():
        lock = read_lock(lock_path)
        return [
            {"name": p.name, "version": p.version, "direct": not p.parents}
            for p in sorted(lock.packages, key=lambda p: p.name)
        ]
    packages = []
    for requirement in skill.requirements:
        name, _, version = requirement.partition("==")
        packages.append(
            {"name": canonical_name(name.strip()), "version": version.strip(), "direct": True}
        )
    return sorted(packages, key=lambda p: str(p["name"]))


def policy_content(policy: Policy) -> dict[str, Any]:
    """The policy part of a bundle (everything but skills, revision and digests)."""
    approvals: dict[str, list[dict[str, Any]]] = {}
    for a in policy.approvals:
        approvals.setdefault(canonical_name(a.package), []).append(
            {
                "versions": a.versions,
                "min_level": a.min_level,
                "prereleases": a.prereleases,
                "expires": a.expires,
                "source": str(a.source),
            }
        )
    bans: dict[str, list[dict[str, Any]]] = {}
    for b in policy.bans:
        bans.setdefault(canonical_name(b.package), []).append(
            {"versions": b.versions or "*", "reason": b.reason, "source": str(b.source)}
        )
    return {
        "format": BUNDLE_FORMAT,
        "enabled": policy.enabled,
        "default_level": policy.default_level,
        "transitive": policy.transitive,
        "levels": [
            {"name": lv.name, "packages": lv.packages, "exact_pins_only": lv.exact_pins_only}
            for lv in policy.levels
        ],
        "agents": {a.id: a.level for a in sorted(policy.agents, key=lambda a: a.id)},
        "approvals": {k: sorted(v, key=_entry_key) for k, v in sorted(approvals.items())},
        "bans": {k: sorted(v, key=_entry_key) for k, v in sorted(bans.items())},
    }


def _entry_key(entry: dict[str, Any]) -> str:
    return json.dumps(entry, sort_keys=True)


def build_bundle(
    repo: LoadedRepo,
    *,
    revision: str | None = None,
    vuln_db: Path | None = None,
    vulnerabilities: bool = True,
) -> dict[str, Any]:
    """The bundle for a repository that validated without errors.

    With ``vulnerabilities`` the imported vulnerability DB (``vuln_db``, else the default
    location) is folded in when there is one (``checker.bundle.advisories``); policy tests
    compile without it, so their expectations do not depend on the data of the day.
    """
    content = policy_content(repo.policy)
    content["skills"] = {
        sid: {
            "min_level": skill.min_level,
            "packages": skill_packages(skill),
            "source": str(skill.source),
        }
        for sid, skill in sorted(repo.skills.items())
    }
    locked = [package for skill in content["skills"].values() for package in skill["packages"]]
    names = set(content["approvals"]) | {str(package["name"]) for package in locked}
    index = open_db(vuln_db) if vulnerabilities else None
    try:
        content["vulnerabilities"] = fold(index, names, repo.scanning_policy())
    finally:
        if index is not None:
            index.close()
    identity = db_identity(vuln_db) if vulnerabilities else "no-vulnerability-db"
    content["source_digest"] = source_digest(repo.root, identity)
    content["revision"] = git_revision(repo.root) if revision is None else revision
    content["digest"] = canonical_digest(content)
    return content


def render_bundle(bundle: dict[str, Any]) -> str:
    """The bundle's file content: canonical, sorted, one trailing newline."""
    return json.dumps(bundle, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def write_bundle(
    loaded: LoadedRepo,
    target: Path,
    *,
    vuln_db: Path | None = None,
    sign_with: Path | None = None,
) -> dict[str, Any]:
    """Compile ``loaded`` and write the bundle to ``target`` atomically (signed with the
    Ed25519 private key ``sign_with`` when given); returns the bundle."""
    bundle = build_bundle(loaded, vuln_db=vuln_db)
    if sign_with is not None:
        from checker.bundle.signing import sign_bundle  # noqa: PLC0415 - only when signing

        bundle = sign_bundle(bundle, sign_with)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".tmp")
    temporary.write_text(render_bundle(bundle), encoding="utf-8")
    temporary.replace(target)
    return bundle


def policy_bundle(loaded: LoadedRepo) -> dict[str, Any]:
    """The policy as the runtime would see it, without vulnerability data, even with errors
    elsewhere: entries that name an unknown level are left out (validate reports them).
    Used to evaluate a policy (``diff``, the scan's exposure), never written to disk."""
    policy = loaded.policy
    names = {level.name for level in policy.levels}
    usable = dataclasses.replace(
        policy,
        agents=tuple(a for a in policy.agents if a.level in names),
        approvals=tuple(a for a in policy.approvals if a.min_level in names),
    )
    content = policy_content(usable)
    content["skills"] = {
        sid: {
            "min_level": skill.min_level,
            "packages": _packages(skill),
            "source": str(skill.source),
        }
        for sid, skill in sorted(loaded.skills.items())
        if skill.min_level in names
    }
    content["revision"] = "diff"
    content["digest"] = canonical_digest(content)
    return content


def _packages(skill: Any) -> list[dict[str, Any]]:
    try:
        return skill_packages(skill)
    except SkillgateError:
        return []  # a broken lock: lock --check reports it
