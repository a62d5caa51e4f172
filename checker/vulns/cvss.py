"""CVSS v3.0/v3.1 base score from a vector string (FIRST specification, section 7).

The formula is short and fixed, so it lives here instead of in a dependency.
"""

from __future__ import annotations

import math

_WEIGHTS: dict[str, dict[str, float]] = {
    "AV": {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2},
    "AC": {"L": 0.77, "H": 0.44},
    "UI": {"N": 0.85, "R": 0.62},
    "C": {"H": 0.56, "L": 0.22, "N": 0.0},
    "I": {"H": 0.56, "L": 0.22, "N": 0.0},
    "A": {"H": 0.56, "L": 0.22, "N": 0.0},
}
# Privileges Required weighs more when the scope changes (the attacker leaves the component).
_PR = {"U": {"N": 0.85, "L": 0.62, "H": 0.27}, "C": {"N": 0.85, "L": 0.68, "H": 0.5}}
_BASE_METRICS = ("AV", "AC", "PR", "UI", "S", "C", "I", "A")


class CvssError(ValueError):
    """The vector is not a complete, valid CVSS v3 vector."""


def base_score(vector: str) -> float:
    """The CVSS v3 base score (0.0-10.0) of ``vector``, e.g. ``CVSS:3.1/AV:N/...``."""
    parts = vector.strip().split("/")
    if not parts or parts[0] not in ("CVSS:3.0", "CVSS:3.1"):
        raise CvssError(f"not a CVSS v3 vector: {vector!r}")
    metrics: dict[str, str] = {}
    for part in parts[1:]:
        key, sep, value = part.partition(":")
        if not sep or key in metrics:
            raise CvssError(f"malformed metric {part!r} in {vector!r}")
        metrics[key] = value
    missing = [m for m in _BASE_METRICS if m not in metrics]
    if missing:
        raise CvssError(f"missing base metrics {', '.join(missing)} in {vector!r}")
    scope = metrics["S"]
    if scope not in _PR:
        raise CvssError(f"invalid scope {scope!r} in {vector!r}")
    try:
        w = {key: table[metrics[key]] for key, table in _WEIGHTS.items()}
        pr = _PR[scope][metrics["PR"]]
    except KeyError as exc:
        raise CvssError(f"invalid metric value {exc} in {vector!r}") from None
    iss = 1 - (1 - w["C"]) * (1 - w["I"]) * (1 - w["A"])
    changed = 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15
    impact = 6.42 * iss if scope == "U" else changed
    exploitability = 8.22 * w["AV"] * w["AC"] * pr * w["UI"]
    if impact <= 0:
        return 0.0
    if scope == "U":
        return _roundup(min(impact + exploitability, 10))
    return _roundup(min(1.08 * (impact + exploitability), 10))


def rating(score: float) -> str:
    """The qualitative rating of a score: none, low, medium, high or critical."""
    if score == 0:
        return "none"
    if score < 4.0:
        return "low"
    if score < 7.0:
        return "medium"
    if score < 9.0:
        return "high"
    return "critical"


def _roundup(value: float) -> float:
    # CVSS 3.1 Appendix A: round up to one decimal, robust to floating-point noise.
    scaled = round(value * 100_000)
    if scaled % 10_000 == 0:
        return scaled / 100_000
    return (math.floor(scaled / 10_000) + 1) / 10.0
