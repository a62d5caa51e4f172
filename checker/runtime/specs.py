"""Package names and version specifiers as decisions read them (PEP 503, PEP 440).

Standard library and ``packaging`` only, like every module the runtime imports.
"""

from __future__ import annotations

import re

from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

MAX_INPUT_LENGTH = 256
_NAME_RE = re.compile(r"[A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9]", re.IGNORECASE)


def canonical_name(name: str) -> str:
    """PEP 503 normalisation: ``Typing_Extensions`` is ``typing-extensions``."""
    return canonicalize_name(name)


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
