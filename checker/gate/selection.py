"""What a pull request changed, so the gate locks and scans only that (``--base REV``).

A skill is selected when anything in its directory differs from the base revision. Every
skill is selected for a stage whose inputs changed for all of them: a changed ban or sandbox
target re-checks every lock; a changed ``scanning.yaml`` or ban re-scans every lock.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from checker.layout import BANS_FILE, SANDBOX_FILE, SCANNING_FILE, SKILLS_DIR


@dataclass(frozen=True, kw_only=True, slots=True)
class Selection:
    """The skills whose locks to check and to scan; None means every skill."""

    locks: frozenset[str] | None
    scans: frozenset[str] | None
    why: str

    @classmethod
    def everything(cls, why: str = "--all") -> Selection:
        return cls(locks=None, scans=None, why=why)


def _digest(path: Path) -> str:
    if path.is_file():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    if not path.is_dir():
        return ""
    digest = hashlib.sha256()
    for item in sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(item.relative_to(path).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(item.read_bytes()).digest())
    return digest.hexdigest()


def changed_since(base: Path, head: Path) -> Selection:
    """Compare the base revision's tree (``base``) with the working tree (``head``)."""
    skills = {p.name for root in (base, head) for p in (root / SKILLS_DIR).glob("*/")}
    changed = frozenset(
        s for s in skills if _digest(base / SKILLS_DIR / s) != _digest(head / SKILLS_DIR / s)
    )
    bans = _digest(base / BANS_FILE) != _digest(head / BANS_FILE)
    target = _digest(base / SANDBOX_FILE) != _digest(head / SANDBOX_FILE)
    scanning = _digest(base / SCANNING_FILE) != _digest(head / SCANNING_FILE)
    reasons = [
        why
        for why, hit in ((BANS_FILE, bans), (SANDBOX_FILE, target), (SCANNING_FILE, scanning))
        if hit
    ]
    return Selection(
        locks=None if bans or target else changed,
        scans=None if bans or scanning or target else changed,
        why=", ".join(f"{r} changed" for r in reasons) or "changed skills only",
    )
