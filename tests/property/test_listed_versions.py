"""Listed versions compare under PEP 440 equality: the string fast path for plain releases
gives packaging's canonical spelling, whatever the zeros."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from packaging.utils import canonicalize_version
from packaging.version import Version

from checker.runtime.advisories import affected, normalised

_PART = st.one_of(st.integers(0, 12).map(str), st.from_regex(r"0{0,3}[0-9]{1,20}", fullmatch=True))
_PLAIN = st.lists(_PART, min_size=1, max_size=6).map(".".join)
_OTHER = st.sampled_from(
    ["1.0rc1", "1.0-RC1", "v1.0", "1.0.post0", "1!2.0", "1.0+local", "2.0.dev0"]
)


@given(st.one_of(_PLAIN, _OTHER))
def test_normalised_is_packagings_canonical_spelling(version: str) -> None:
    assert normalised(version) == canonicalize_version(version, strip_trailing_zero=True)


@given(_PLAIN, st.integers(0, 3))
def test_a_listed_version_matches_every_spelling_of_itself(version: str, zeros: int) -> None:
    spelled = version + ".0" * zeros
    assert affected((), [spelled], Version(version))
    assert not affected((), [spelled + ".1"], Version(version))
