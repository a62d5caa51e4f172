"""OSV matching for PyPI on crafted records, and on real records from the advisory-db."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from checker.exit_codes import SkillgateError
from checker.vulns.engines import PinnedPackage
from checker.vulns.matcher import (
    MatchError,
    VulnMatch,
    dedupe,
    match_all,
    match_record,
    parse_version,
)
from checker.vulns.osv_model import OsvFormatError, OsvRecord
from checker.vulns.ours_engine import OursEngine
from checker.vulns.vuln_index import opened


def record(events: list[dict[str, str]] | None = None, **extra: Any) -> OsvRecord:
    """A PyPI record for package ``Demo_Pkg`` with one ECOSYSTEM range of ``events``."""
    affected: dict[str, Any] = {"package": {"name": "Demo_Pkg", "ecosystem": "PyPI"}}
    if events is not None:
        affected["ranges"] = [{"type": "ECOSYSTEM", "events": events}]
    affected.update(extra.pop("affected_extra", {}))
    data = {"id": "PYSEC-0000-1", "summary": "a flaw", "affected": [affected], **extra}
    return OsvRecord.from_dict(data)


def hit(rec: OsvRecord, version: str, name: str = "demo-pkg") -> bool:
    return match_record(rec, name, Version(version)) is not None


@pytest.mark.parametrize(
    ("events", "version", "expected"),
    [
        ([{"introduced": "0"}, {"fixed": "1.2"}], "0.1", True),
        ([{"introduced": "0"}, {"fixed": "1.2"}], "1.1.9", True),
        ([{"introduced": "0"}, {"fixed": "1.2"}], "1.2", False),
        ([{"introduced": "0"}, {"fixed": "1.2"}], "1.2.0", False),
        ([{"introduced": "1.0"}, {"fixed": "1.2"}], "0.9", False),
        ([{"introduced": "1.0"}, {"fixed": "1.2"}], "1.0", True),
        ([{"introduced": "1.0"}, {"fixed": "1.2"}], "1.2rc1", True),
        ([{"introduced": "1.0"}, {"last_affected": "1.5"}], "1.5", True),
        ([{"introduced": "1.0"}, {"last_affected": "1.5"}], "1.5.post1", False),
        ([{"introduced": "1.0"}], "99", True),
        # Two windows in one range, events out of order: OSV sorts them by version.
        (
            [{"fixed": "2.0.3"}, {"introduced": "2.0"}, {"introduced": "0"}, {"fixed": "1.11.5"}],
            "1.11.4",
            True,
        ),
        (
            [{"fixed": "2.0.3"}, {"introduced": "2.0"}, {"introduced": "0"}, {"fixed": "1.11.5"}],
            "1.11.5",
            False,
        ),
        (
            [{"fixed": "2.0.3"}, {"introduced": "2.0"}, {"introduced": "0"}, {"fixed": "1.11.5"}],
            "2.0.1",
            True,
        ),
        ([{"introduced": "1.0"}, {"limit": "1.3"}], "1.2", True),
        ([{"introduced": "1.0"}, {"limit": "1.3"}], "1.3", False),
        # PEP 440, not string order: 1.10 > 1.9.
        ([{"introduced": "1.9"}, {"fixed": "1.10"}], "1.10", False),
        ([{"introduced": "0"}, {"fixed": "1.10"}], "1.9", True),
    ],
)
def test_ecosystem_ranges(events: list[dict[str, str]], version: str, expected: bool) -> None:
    assert hit(record(events), version) is expected


def test_versions_list_matches_without_ranges() -> None:
    rec = record(None, affected_extra={"versions": ["1.0", "1.1.0"]})
    assert hit(rec, "1.0.0")  # PEP 440 equality: 1.0 == 1.0.0
    assert hit(rec, "1.1")
    assert not hit(rec, "1.2")


def test_names_are_pep503_normalised_and_ecosystem_must_be_pypi() -> None:
    rec = record([{"introduced": "0"}])
    assert hit(rec, "1.0", "demo-pkg")
    assert not hit(rec, "1.0", "demo-pkg2")
    npm = OsvRecord.from_dict(
        {
            "id": "GHSA-x",
            "affected": [
                {
                    "package": {"name": "demo-pkg", "ecosystem": "npm"},
                    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}],
                }
            ],
        }
    )
    assert not hit(npm, "1.0")


def test_withdrawn_records_never_match() -> None:
    assert not hit(record([{"introduced": "0"}], withdrawn="2024-01-01T00:00:00Z"), "1.0")


def test_git_ranges_are_ignored() -> None:
    rec = record(
        None,
        affected_extra={
            "ranges": [
                {
                    "type": "GIT",
                    "repo": "https://example.invalid/r",
                    "events": [{"introduced": "0"}],
                }
            ]
        },
    )
    assert not hit(rec, "1.0")


def test_unparsable_bounds_widen_the_range_never_hide_it() -> None:
    assert hit(record([{"introduced": "0"}, {"fixed": "0.2.0-n653"}]), "5.0")
    assert hit(record([{"introduced": "2019-09-12"}, {"fixed": "3.0"}]), "0.1")


def test_report_carries_id_aliases_fixed_summary_and_cvss() -> None:
    rec = record(
        [{"introduced": "0"}, {"fixed": "1.10"}, {"introduced": "2.0"}, {"fixed": "2.0.3"}],
        aliases=["CVE-2020-1", "GHSA-aaaa"],
        severity=[{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
    )
    match = match_record(rec, "demo-pkg", Version("1.9"))
    assert match == VulnMatch(
        id="PYSEC-0000-1",
        aliases=("CVE-2020-1", "GHSA-aaaa"),
        package="demo-pkg",
        version="1.9",
        fixed=("1.10", "2.0.3"),
        summary="a flaw",
        severity="critical",
        score=9.8,
        malicious=False,
    )


def test_github_label_is_the_fallback_severity() -> None:
    rec = record([{"introduced": "0"}], database_specific={"severity": "MODERATE"})
    match = match_record(rec, "demo-pkg", Version("1"))
    assert match is not None
    assert (match.severity, match.score) == ("medium", None)


def test_an_advisory_with_only_a_cvss_v4_vector_gets_a_severity() -> None:
    vector = "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
    rec = record([{"introduced": "0"}], severity=[{"type": "CVSS_V4", "score": vector}])
    match = match_record(rec, "demo-pkg", Version("1"))
    assert match is not None
    assert (match.severity, match.score) == ("high", 8.5)


def test_malformed_vector_leaves_the_severity_unknown() -> None:
    rec = record([{"introduced": "0"}], severity=[{"type": "CVSS_V3", "score": "CVSS:3.1/AV:Z"}])
    match = match_record(rec, "demo-pkg", Version("1"))
    assert match is not None
    assert (match.severity, match.score) == ("", None)


def test_aliases_collapse_preferring_pysec() -> None:
    ghsa = OsvRecord.from_dict(
        {
            "id": "GHSA-aaaa",
            "aliases": ["CVE-2020-1"],
            "affected": [{"package": {"name": "demo-pkg", "ecosystem": "PyPI"}, "versions": ["1"]}],
        }
    )
    pysec = record(None, aliases=["CVE-2020-1"], affected_extra={"versions": ["1"]})
    found = match_all([ghsa, pysec], "demo-pkg", Version("1"))
    assert [(m.id, m.aliases) for m in found] == [("PYSEC-0000-1", ("CVE-2020-1", "GHSA-aaaa"))]
    assert dedupe([]) == []


@pytest.mark.parametrize(
    "data",
    [
        {"affected": []},
        {"id": "X", "affected": [{"package": {"ecosystem": "PyPI"}}]},
        {
            "id": "X",
            "affected": [
                {
                    "package": {"name": "a", "ecosystem": "PyPI"},
                    "ranges": [{"type": "ECOSYSTEM", "events": [{"bad": "1"}]}],
                }
            ],
        },
        {
            "id": "X",
            "affected": [{"package": {"name": "a", "ecosystem": "PyPI"}, "versions": [1.1]}],
        },
        {"id": "X", "affected": "nope"},
    ],
)
def test_malformed_records_are_rejected(data: dict[str, Any]) -> None:
    with pytest.raises(OsvFormatError):
        OsvRecord.from_dict(data)


def test_invalid_locked_version_cannot_be_decided(advisory_index: Path) -> None:
    with opened(advisory_index) as index, pytest.raises(SkillgateError, match="not a PEP 440"):
        OursEngine(index).audit([PinnedPackage(name="requests", version="not-a-version")])
    with pytest.raises(MatchError):
        parse_version("x y", "demo")


@pytest.mark.parametrize(
    ("name", "version", "expected_ids"),
    [
        ("requests", "2.28.0", {"PYSEC-2023-74"}),
        ("requests", "2.31.0", set()),
        ("pyyaml", "5.3", {"PYSEC-2020-96", "PYSEC-2021-142"}),
        ("pyyaml", "6.0.2", set()),
        ("urllib3", "1.26.4", {"PYSEC-2021-108", "PYSEC-2023-192", "PYSEC-2023-212"}),
    ],
)
def test_real_advisories(
    advisory_index: Path, name: str, version: str, expected_ids: set[str]
) -> None:
    with opened(advisory_index) as index:
        found = OursEngine(index).audit([PinnedPackage(name=name, version=version)])
    assert {m.id for m in found[name]} == expected_ids


def test_requests_2_28_0_reports_pysec_2023_74_in_full(advisory_index: Path) -> None:
    with opened(advisory_index) as index:
        found = OursEngine(index).audit([PinnedPackage(name="requests", version="2.28.0")])
    (match,) = found["requests"]
    assert match.id == "PYSEC-2023-74"
    assert "CVE-2023-32681" in match.aliases
    assert match.fixed == ("2.31.0",)
    assert match.summary.startswith("Requests is a HTTP library.")
