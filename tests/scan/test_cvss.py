"""CVSS scores through the cvss library, against values published by FIRST/NVD."""

from __future__ import annotations

import pytest

from checker.vulns.cvss import base_score, best_score, rating

V3_CRITICAL = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
V4_CRITICAL = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"


@pytest.mark.parametrize(
    ("kind", "vector", "score", "label"),
    [
        ("CVSS_V3", V3_CRITICAL, 9.8, "critical"),
        ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5, "high"),
        ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, "medium"),
        ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9, "critical"),
        ("CVSS_V3", "CVSS:3.1/AV:L/AC:L/PR:L/UI:R/S:U/C:L/I:N/A:N", 2.8, "low"),
        ("CVSS_V3", "CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9, "medium"),
        ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0, "none"),
        ("CVSS_V4", V4_CRITICAL, 9.3, "critical"),
        ("CVSS_V4", "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.5, "high"),
        ("CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5, "high"),
    ],
)
def test_base_score(kind: str, vector: str, score: float, label: str) -> None:
    assert base_score(kind, vector) == score
    assert rating(score) == label


@pytest.mark.parametrize(
    ("kind", "vector"),
    [
        ("CVSS_V3", "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
        ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H"),
        ("CVSS_V3", "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
        ("CVSS_V3", "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
        ("CVSS_V4", "CVSS:4.0/AV:N/AC:L"),
        ("CVSS_V2", "AV:N/AC:Q/Au:N/C:P/I:P/A:P"),
        ("Ubuntu", "high"),
    ],
)
def test_invalid_vectors_and_unknown_types_give_no_score(kind: str, vector: str) -> None:
    assert base_score(kind, vector) is None


def test_v3_decides_over_v4_and_v2_and_the_highest_of_a_version_wins() -> None:
    medium_v3 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"
    assert best_score([("CVSS_V4", V4_CRITICAL), ("CVSS_V3", medium_v3)]) == 6.1
    assert best_score([("CVSS_V3", medium_v3), ("CVSS_V3", V3_CRITICAL)]) == 9.8
    assert best_score([("CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P"), ("CVSS_V4", V4_CRITICAL)]) == 9.3
    assert best_score([("CVSS_V3", "CVSS:3.1/AV:Z"), ("Ubuntu", "low")]) is None
