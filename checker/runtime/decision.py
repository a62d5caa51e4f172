"""What a decision is: the answer to one query, and the decision cache's counters.

Standard library only, like every module the runtime imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer to one query, with enough context to explain it."""

    allowed: bool
    maturity_required: str | None
    reason: str
    rule: str
    revision: str
    vulnerability_db: str = "none"
    """The vulnerability snapshot folded into the bundle that decided, or ``none``."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "allowed": self.allowed,
            "maturity_required": self.maturity_required,
            "reason": self.reason,
            "rule": self.rule,
            "revision": self.revision,
            "vulnerability_db": self.vulnerability_db,
        }


@dataclass(frozen=True, slots=True)
class CacheInfo:
    """Decision cache counters."""

    hits: int
    misses: int
    size: int
    maxsize: int
