"""Compile a validated repository into the bundle the runtime loads.

Deterministic: the same input gives byte-identical output (sorted keys, sorted
entries, no timestamps). ``digest`` is the sha256 of the canonical content without
``revision``; ``source_digest`` hashes the input files so a CLI can tell cheaply
whether a bundle on disk is still current.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from checker.decision import BUNDLE_FORMAT, canonical_digest, canonical_name
from checker.lockfile import read_lock
from checker.model import Policy, Skill
from checker.policy_load import LoadedRepo, input_files
from checker.process import CommandError, run_command

UNVERSIONED = "unversioned"


def git_revision(root: Path) -> str:
    """The commit of the policy, ``+dirty`` when policy/ or skills/ differ from it."""
    try:
        head = run_command(["git", "-C", str(root), "rev-parse", "HEAD"], timeout=30)
        status = run_command(
            ["git", "-C", str(root), "status", "--porcelain", "--", "policy", "skills"],
            timeout=30,
        )
    except CommandError:
        return UNVERSIONED
    dirty = "+dirty" if status.stdout.strip() else ""
    return head.stdout.strip() + dirty


def source_digest(root: Path) -> str:
    """sha256 over the names and bytes of every input file of the bundle."""
    digest = hashlib.sha256()
    for path in input_files(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return "sha256:" + digest.hexdigest()


def skill_packages(skill: Skill) -> list[dict[str, Any]]:
    """The skill's packages: from its lock when there is one, else its exact pins."""
    lock_path = skill.directory / "requirements.lock"
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


def build_bundle(repo: LoadedRepo, *, revision: str | None = None) -> dict[str, Any]:
    """The bundle for a repository that validated without errors."""
    content = policy_content(repo.policy)
    content["skills"] = {
        sid: {
            "min_level": skill.min_level,
            "packages": skill_packages(skill),
            "source": str(skill.source),
        }
        for sid, skill in sorted(repo.skills.items())
    }
    content["source_digest"] = source_digest(repo.root)
    content["revision"] = git_revision(repo.root) if revision is None else revision
    content["digest"] = canonical_digest(content)
    return content


def render_bundle(bundle: dict[str, Any]) -> str:
    """The bundle's file content: canonical, sorted, one trailing newline."""
    return json.dumps(bundle, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
