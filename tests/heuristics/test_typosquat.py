"""Squats of popular and approved names are flagged; real names and their relatives are not."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.exit_codes import SkillgateError
from checker.findings import Severity
from checker.heuristics.typosquat import (
    TyposquatIndex,
    load_popular,
    normalize,
    shipped_popular,
    typosquat_finding,
    ultranormalize,
)

SQUATS = {
    "reqeusts": "requests",  # adjacent swap
    "reqests": "requests",  # deletion
    "requestss": "requests",  # insertion
    "python-dateutils": "python-dateutil",
    "dateutil-python": "python-dateutil",  # hyphen permutation / py affix
    "urlib3": "urllib3",
    "urllib-3": "urllib3",  # separator confusion
    "djanga": "django",  # substitution
    "colourama": "colorama",
    "crypt0graphy": "cryptography",  # ultranormalisation o -> 0
    "c1ick": "click",  # ultranormalisation l -> 1
    "nunpy": "numpy",
    "pandsa": "pandas",
    "botocor": "botocore",
    "setuptool": "setuptools",
    "jinja3": "jinja2",
    "python-requests": "requests",  # py/python prefix
    "py-yaml": "pyyaml",
    "beautifulsoup5": "beautifulsoup4",
    "sckit-learn": "scikit-learn",
    "matplotlb": "matplotlib",
    "tensorfow": "tensorflow",
    "pydantc": "pydantic",
    "Typing.Extension": "typing-extensions",
}
LEGITIMATE = [
    "requests",
    "Requests",
    "requests-oauthlib",
    "requests_toolbelt",
    "types-requests",
    "python-dateutil",
    "urllib3",
    "pyyaml",
    "PyYAML",
    "jinja2",
    "boto3",
    "botocore",
    "aiobotocore",
    "beautifulsoup4",
    "scikit-learn",
    "typing_extensions",
    "six",
    "attrs",
]


@pytest.fixture(scope="module")
def index() -> TyposquatIndex:
    return TyposquatIndex(shipped_popular())


@pytest.mark.parametrize(("name", "target"), sorted(SQUATS.items()))
def test_squat_is_flagged(index: TyposquatIndex, name: str, target: str) -> None:
    assert index.check(name) == target


@pytest.mark.parametrize("name", LEGITIMATE)
def test_real_names_are_not_flagged(index: TyposquatIndex, name: str) -> None:
    assert index.check(name) is None


def test_no_popular_name_is_flagged(index: TyposquatIndex) -> None:
    popular = shipped_popular()
    assert len(popular) >= 1000
    flagged = [name for name in popular if index.check(name)]
    assert flagged == []


def test_approved_names_are_protected_too() -> None:
    index = TyposquatIndex(["requests", "numpy"], approved=["pyyaml", "internal-billing"])
    assert index.check("pyyam1") == "pyyaml"
    assert index.check("internal_bi11ing") == "internal-billing"
    assert index.check("pyyaml") is None
    assert "PyYAML" in index


def test_hyphen_permutation() -> None:
    index = TyposquatIndex(["requests-oauthlib"])
    squat = index.explain("oauthlib-requests")
    assert squat is not None
    assert squat.target == "requests-oauthlib"
    assert squat.how == "reorders the hyphenated parts"


def test_short_names_need_more_than_one_edit() -> None:
    index = TyposquatIndex(["six", "tox"])
    assert index.check("sax") is None
    assert index.check("s1x") == "six"  # ultranormalisation still applies


def test_finding_is_gating_and_names_both() -> None:
    squat = TyposquatIndex(["requests"]).explain("reqeusts")
    assert squat is not None
    finding = typosquat_finding(squat, file="skills/demo/requirements.lock", line=3)
    assert finding.rule == "mal.typosquat"
    assert finding.severity is Severity.ERROR
    assert finding.message == "'reqeusts' looks like a typosquat of 'requests' (is one typo away)"
    assert finding.location == "skills/demo/requirements.lock:3:1"


def test_normalisation_helpers() -> None:
    assert normalize("Foo_Bar..baz") == "foo-bar-baz"
    assert ultranormalize("Py.Yam_L-io") == "pyyam110"


def test_loader_reads_ranked_tsv_and_rejects_garbage(tmp_path: Path) -> None:
    good = tmp_path / "popular.tsv"
    good.write_text("# rank<TAB>name\n2\tnumpy\n1\trequests\n\n")
    assert load_popular(good) == ["requests", "numpy"]
    bad = tmp_path / "bad.tsv"
    bad.write_text("1\trequests\nnumpy\n")
    with pytest.raises(SkillgateError, match=r"bad.tsv:2: expected 'rank<TAB>name'"):
        load_popular(bad)
    with pytest.raises(SkillgateError, match="cannot read popular-package list"):
        load_popular(tmp_path / "missing.tsv")
