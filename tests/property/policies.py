"""Hypothesis strategies for random policies, skills and queries.

A policy is drawn as the reference's plain values (``RefPolicy``);
``tests.property.bundles`` compiles it the way the product does.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from tests.property.reference import (
    RefApproval,
    RefBan,
    RefLevel,
    RefPolicy,
    RefSkill,
    normalise,
    reference_check,
)

LEVEL_NAMES = ("STUDENT", "INTERN", "SUPERVISED", "AUTONOMOUS", "ROOT")
# Spellings that PEP 503 folds together, plus names that must stay apart.
NAME_POOL = (
    "requests",
    "Requests",
    "pyyaml",
    "PyYAML",
    "Py_YAML",
    "py.yaml",
    "py-yaml",
    "typing-extensions",
    "Typing_Extensions",
    "typing.extensions",
    "ctx",
)
INVALID_NAMES = ("", "-lead", "trail-", "a b", "näme", "x/y", "numpy\n", "py yaml", "..")
INVALID_VERSIONS = ("", "latest", "1.0-", "1..0", "1.0.0.0.0a", "v", "1.0+", "1!", "==1.0")
AGENT_IDS = ("alpha", "beta", "gamma", "delta")
QUERY_AGENTS = (*AGENT_IDS, "stranger", "")
ORDERED_OPS = ("<", "<=", ">", ">=")

_release = st.lists(st.integers(0, 3), min_size=1, max_size=3).map(
    lambda parts: ".".join(map(str, parts))
)
_pre = st.sampled_from(("", "", "a1", "b2", "rc1", "rc0"))
_post = st.sampled_from(("", "", ".post1", ".post0"))
_dev = st.sampled_from(("", "", "", ".dev0", ".dev3"))
_epoch = st.sampled_from(("", "", "", "1!"))
_local = st.sampled_from(("", "", "", "+cpu", "+cu121.x"))

public_versions: st.SearchStrategy[str] = st.builds(
    lambda e, r, p, q, d: e + r + p + q + d, _epoch, _release, _pre, _post, _dev
)
versions: st.SearchStrategy[str] = st.builds(lambda v, loc: v + loc, public_versions, _local)


def _release_key(release: str) -> tuple[int, ...]:
    return tuple(int(part) for part in release.split("."))


@st.composite
def single_specifiers(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(("ordered", "eq", "ne", "compat", "wild", "arbitrary")))
    if kind == "ordered":
        return draw(st.sampled_from(ORDERED_OPS)) + draw(public_versions)
    if kind in ("eq", "ne"):
        return ("==" if kind == "eq" else "!=") + draw(versions)
    if kind == "compat":
        return "~=" + draw(st.sampled_from(("1.0", "1.2", "2.0.1", "1.0rc1", "0.3.post1")))
    if kind == "wild":
        return draw(st.sampled_from(("==", "!="))) + draw(_epoch) + draw(_release) + ".*"
    return "===" + draw(versions)


@st.composite
def specifier_sets(draw: st.DrawFn) -> str:
    """A valid specifier set: a range, one or two clauses of any kind, or ``*``."""
    shape = draw(st.integers(0, 9))
    if shape == 0:
        return "*"
    if shape < 4:
        low, high = sorted(draw(st.lists(_release, min_size=2, max_size=2)), key=_release_key)
        lower = draw(st.sampled_from((">=", ">"))) + low + draw(_pre)
        return f"{lower},{draw(st.sampled_from(('<', '<=')))}{high}{draw(_pre)}"
    clauses = draw(st.lists(single_specifiers(), min_size=1, max_size=2))
    text = draw(st.sampled_from((",", ", "))).join(clauses)
    try:
        SpecifierSet(text)
    except InvalidSpecifier:
        return "==" + draw(public_versions)
    return text


@st.composite
def ref_policies(draw: st.DrawFn) -> tuple[RefPolicy, date]:
    """A random policy and the day it is judged on."""
    count = draw(st.integers(2, 5))
    levels = tuple(
        RefLevel(
            name=name,
            packages=draw(st.integers(0, 3)) != 2,
            exact_pins_only=draw(st.booleans()),
        )
        for name in LEVEL_NAMES[:count]
    )
    names = [lv.name for lv in levels]
    level = st.sampled_from(names)
    today = date(2026, 1, 10) + timedelta(days=draw(st.integers(0, 400)))
    expiry = st.one_of(
        st.none(), st.integers(-2, 2).map(lambda delta: today + timedelta(days=delta))
    )
    approvals = draw(
        st.lists(
            st.builds(
                RefApproval,
                package=st.sampled_from(NAME_POOL),
                versions=specifier_sets(),
                min_level=level,
                prereleases=st.booleans(),
                expires=expiry,
            ),
            min_size=1,
            max_size=8,
        )
    )
    bans = draw(
        st.lists(
            st.builds(
                RefBan,
                package=st.sampled_from(NAME_POOL),
                versions=st.one_of(st.none(), st.just("*"), specifier_sets(), specifier_sets()),
            ),
            max_size=2,
        )
    )
    agents = draw(st.dictionaries(st.sampled_from(AGENT_IDS), level, max_size=len(AGENT_IDS)))
    policy = RefPolicy(
        levels=levels,
        default_level=draw(level),
        enabled=draw(st.integers(0, 9)) != 7,
        agents=agents,
        approvals=tuple(approvals),
        bans=tuple(bans),
        transitive=draw(st.sampled_from(("inherit", "explicit"))),
    )
    return policy, today


def mentioned_versions(policy: RefPolicy) -> list[str]:
    """Versions named in the policy's specifiers: the boundaries worth querying."""
    found: list[str] = []
    for text in [a.versions for a in policy.approvals] + [b.versions or "*" for b in policy.bans]:
        if text.strip() == "*":
            continue
        found += [s.version.removesuffix(".*") for s in SpecifierSet(text)]
    return found


def _weighted(draw: st.DrawFn, options: list[tuple[int, st.SearchStrategy[str]]]) -> str:
    """Draw from one of ``options``, chosen with the given weights."""
    slots = [strategy for weight, strategy in options for _ in range(weight)]
    return draw(draw(st.sampled_from(slots)))


@st.composite
def query_versions(draw: st.DrawFn, policy: RefPolicy) -> str:
    """Mostly the policy's boundaries (and their neighbours), some random and invalid."""
    invalid = st.sampled_from(INVALID_VERSIONS)
    boundaries = mentioned_versions(policy)
    if not boundaries:
        return _weighted(draw, [(4, versions), (1, invalid)])
    near = st.builds(
        lambda v, s: v + s,
        st.sampled_from(boundaries),
        st.sampled_from(("rc1", ".dev0", ".post1", "+cpu", ".0", "a1", ".1")),
    )
    exact = st.sampled_from(boundaries)
    return _weighted(draw, [(6, exact), (3, near), (2, versions), (1, invalid)])


@st.composite
def query_names(draw: st.DrawFn, policy: RefPolicy) -> str:
    """Mostly spellings of approved names, some other pool names and invalid ones."""
    approved = {normalise(a.package) for a in policy.approvals}
    spellings = [n for n in NAME_POOL if normalise(n) in approved]
    pool = st.sampled_from(NAME_POOL)
    invalid = st.sampled_from(INVALID_NAMES)
    if not spellings:
        return _weighted(draw, [(6, pool), (1, invalid)])
    return _weighted(draw, [(10, st.sampled_from(spellings)), (2, pool), (1, invalid)])


@st.composite
def skills_for(draw: st.DrawFn, policy: RefPolicy, today: date) -> RefSkill:
    """A skill whose direct packages are mostly allowed at some level (so that the
    skill rule, not a first denied package, decides), over valid versions only."""
    pool = sorted({normalise(n) for n in NAME_POOL})
    known = [v for v in mentioned_versions(policy) if _valid(v)] or ["1.0"]
    pair = st.tuples(st.sampled_from(pool), st.one_of(st.sampled_from(known), public_versions))
    admitted = [
        (name, version)
        for name in pool
        for version in known
        if reference_check(policy, "", name, version, today)[1] is not None
    ]
    direct_pair = st.one_of(st.sampled_from(admitted), pair) if admitted else pair
    direct = draw(st.lists(direct_pair, min_size=1, max_size=2, unique_by=lambda p: p[0]))
    used = {n for n, _ in direct}
    # Transitive packages: allowed ones, ones under a ban (inherit must still deny), any.
    near_bans = [(normalise(b.package), v) for b in policy.bans for v in known]
    options = [pair, *(st.sampled_from(c) for c in (admitted, near_bans) if c)]
    transitive = draw(
        st.lists(
            st.one_of(options).filter(lambda p: p[0] not in used),
            max_size=2,
            unique_by=lambda p: p[0],
        )
    )
    return RefSkill(
        min_level=draw(st.sampled_from([lv.name for lv in policy.levels])),
        direct=tuple(direct),
        transitive=tuple(transitive),
    )


def _valid(version: str) -> bool:
    try:
        Version(version)
    except InvalidVersion:
        return False
    return True
