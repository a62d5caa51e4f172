"""CVSS scores of OSV severity entries, through the maintained ``cvss`` library (v2, v3.x, v4).

Which version decides when a record carries several: v3.x first (the version most OSV
records and the severity floors of ``scanning.yaml`` were written against), then v4, then v2;
within a version the highest score wins. A vector the library rejects is ignored, so a
malformed vector can only leave the rating unknown, which fails every floor.
"""

from __future__ import annotations

from collections.abc import Iterable

from cvss import CVSS2, CVSS3, CVSS4
from cvss.exceptions import CVSSError

# OSV severity type -> (preference, calculator); lower preference decides first.
_CALCULATORS: dict[str, tuple[int, type[CVSS2] | type[CVSS3] | type[CVSS4]]] = {
    "CVSS_V3": (0, CVSS3),
    "CVSS_V3_1": (0, CVSS3),
    "CVSS_V4": (1, CVSS4),
    "CVSS_V2": (2, CVSS2),
}


def base_score(kind: str, vector: str) -> float | None:
    """The base score of one OSV severity entry, None for an unknown type or a bad vector."""
    known = _CALCULATORS.get(kind)
    if known is None:
        return None
    try:
        return float(known[1](vector.strip()).base_score)
    except (CVSSError, ValueError, KeyError, IndexError):
        return None


def best_score(entries: Iterable[tuple[str, str]]) -> float | None:
    """The deciding score among ``(type, vector)`` entries (see the module docstring)."""
    scored = [
        (_CALCULATORS[kind][0], -score)
        for kind, vector in entries
        if (score := base_score(kind, vector)) is not None
    ]
    if not scored:
        return None
    _, negative = min(scored)
    return -negative


def rating(score: float) -> str:
    """The qualitative rating of a score: none, low, medium, high or critical (v3 and v4
    share these bands; a v2 score is read on the same scale)."""
    if score == 0:
        return "none"
    if score < 4.0:
        return "low"
    if score < 7.0:
        return "medium"
    if score < 9.0:
        return "high"
    return "critical"
