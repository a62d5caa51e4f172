"""Decision values and the name, version and digest helpers the runtime is built on.

Standard library and ``packaging`` only, like every module the runtime imports.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from packaging.specifiers import SpecifierSet

BUNDLE_FORMAT = 1
DEFAULT_CACHE_SIZE = 65_536
CACHE_SIZE_ENV = "SKILLGATE_DECISION_CACHE"
MAX_INPUT_LENGTH = 256
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_NAME_RE = re.compile(r"[A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9]", re.IGNORECASE)
_SEPARATORS_RE = re.compile(r"[-_.]+")


class BundleError(Exception):
    """The bundle is missing, corrupt, or not a bundle this runtime understands."""


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer to one query, with enough context to explain it."""

    allowed: bool
    maturity_required: str | None
    reason: str
    rule: str
    revision: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "allowed": self.allowed,
            "maturity_required": self.maturity_required,
            "reason": self.reason,
            "rule": self.rule,
            "revision": self.revision,
        }


@dataclass(frozen=True, slots=True)
class CacheInfo:
    """Decision cache counters."""

    hits: int
    misses: int
    size: int
    maxsize: int


def canonical_name(name: str) -> str:
    """PEP 503 normalisation: ``Typing_Extensions`` is ``typing-extensions``."""
    return _SEPARATORS_RE.sub("-", name).lower()


def valid_name(name: str) -> bool:
    """Whether ``name`` is a valid project name (PEP 508)."""
    # fullmatch, not match + "$": "$" also matches before a trailing newline.
    return _NAME_RE.fullmatch(name) is not None


def parse_specifier(text: str | None) -> SpecifierSet | None:
    """``None`` or ``"*"`` means every version; otherwise a PEP 440 specifier set."""
    if text is None or text.strip() == "*":
        return None
    return SpecifierSet(text)


def is_exact_pin(spec: SpecifierSet | None) -> bool:
    """One ``==X`` without wildcard, or one ``===X``."""
    if spec is None or len(spec) != 1:
        return False
    (only,) = tuple(spec)
    if only.operator == "===":
        return True
    return only.operator == "==" and not only.version.endswith(".*")


def canonical_digest(content: Mapping[str, Any]) -> str:
    """sha256 over the canonical JSON of ``content`` without ``digest`` and ``revision``."""
    body = {k: v for k, v in content.items() if k not in ("digest", "revision")}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def day_of(when: date) -> int:
    """Days since 1970-01-01 for a calendar date."""
    return when.toordinal() - _EPOCH_ORDINAL
