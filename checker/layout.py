"""Where things live in a policy repository: every file and directory name, in one place."""

from __future__ import annotations

POLICY_DIR = "policy"
SKILLS_DIR = "skills"
SKILL_FILE = "skill.yaml"
LOCK_NAME = "requirements.lock"
MATURITY_FILE = f"{POLICY_DIR}/maturity.yaml"
AGENTS_FILE = f"{POLICY_DIR}/agents.yaml"
BANS_FILE = f"{POLICY_DIR}/bans.yaml"
SCANNING_FILE = f"{POLICY_DIR}/scanning.yaml"
SANDBOX_FILE = f"{POLICY_DIR}/sandbox.yaml"
PACKAGES_DIR = f"{POLICY_DIR}/packages"
POLICY_TESTS_DIR = f"{POLICY_DIR}/tests"
DEFAULT_BUNDLE = ".skillgate/bundle.json"


def skill_file(skill_id: str) -> str:
    """``skills/<id>/skill.yaml``, repository-relative."""
    return f"{SKILLS_DIR}/{skill_id}/{SKILL_FILE}"


def lock_file(skill_id: str) -> str:
    """``skills/<id>/requirements.lock``, repository-relative."""
    return f"{SKILLS_DIR}/{skill_id}/{LOCK_NAME}"
