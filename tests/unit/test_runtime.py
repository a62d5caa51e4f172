"""The in-process runtime: loading, reload, cache, threads, kill switch, imports."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from checker.runtime import BundleError, Decision, Engine
from checker.runtime.bundle_format import canonical_digest, day_of
from checker.runtime.engine import CACHE_SIZE_ENV, DEFAULT_CACHE_SIZE
from tests.property.bundles import bundle_for
from tests.property.reference import RefApproval, RefBan, RefLevel, RefPolicy, RefSkill

LEVELS = (
    RefLevel(name="STUDENT", packages=False),
    RefLevel(name="INTERN", packages=True, exact_pins_only=True),
    RefLevel(name="SUPERVISED", packages=True),
)
POLICY = RefPolicy(
    levels=LEVELS,
    default_level="STUDENT",
    agents={"intern": "INTERN", "senior": "SUPERVISED"},
    approvals=(
        RefApproval(package="requests", versions=">=2.31,<3", min_level="SUPERVISED"),
        RefApproval(package="PyYAML", versions="==6.0.2", min_level="INTERN"),
    ),
    bans=(RefBan(package="ctx"),),
    skills={"fetch": RefSkill(min_level="INTERN", direct=(("requests", "2.32.3"),))},
)
# The same policy with requests banned: every requests decision flips to deny.
BANNED = RefPolicy(
    levels=LEVELS,
    default_level="STUDENT",
    agents=POLICY.agents,
    approvals=POLICY.approvals,
    bans=(*POLICY.bans, RefBan(package="requests")),
    skills=POLICY.skills,
)


def write_bundle(path: Path, bundle: dict[str, Any]) -> Path:
    path.write_text(json.dumps(bundle), encoding="utf-8")
    return path


def redigest(bundle: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """``bundle`` with ``changes`` applied and a digest that matches them."""
    changed = {**bundle, **changes}
    changed["digest"] = canonical_digest(changed)
    return changed


@pytest.fixture
def bundle_file(tmp_path: Path) -> Path:
    return write_bundle(tmp_path / "bundle.json", bundle_for(POLICY, revision="good"))


def test_load_and_decide(bundle_file: Path) -> None:
    engine = Engine.load(bundle_file)
    assert engine.revision == "good"
    assert engine.check("senior", "Requests", "2.32.3") == Decision(
        True,
        "SUPERVISED",
        "requests==2.32.3 approved (>=2.31,<3) for SUPERVISED and above",
        "policy/packages/requests.yaml:2",
        "good",
    )
    assert engine.check("intern", "py_yaml", "6.0.2").allowed is False
    assert engine.check("intern", "pyyaml", "6.0.2").allowed is True
    assert engine.level_of("nobody") == "STUDENT"
    denied = engine.check("nobody", "pyyaml", "6.0.2")
    assert (denied.allowed, denied.maturity_required) == (False, "INTERN")
    assert "unknown agent 'nobody'" in denied.reason


def test_missing_bundle_refuses_to_load(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match=r"cannot read bundle .*absent\.json"):
        Engine.load(tmp_path / "absent.json")


def _truncated(good: dict[str, Any]) -> str:
    return json.dumps(good)[:-40]


def _wrong_digest(good: dict[str, Any]) -> str:
    return json.dumps({**good, "enabled": False})


def _wrong_format(good: dict[str, Any]) -> str:
    return json.dumps(redigest(good, format=99))


def _unknown_level(good: dict[str, Any]) -> str:
    return json.dumps(redigest(good, agents={"intern": "WIZARD"}))


def _not_an_object(good: dict[str, Any]) -> str:
    return json.dumps([good])


@pytest.mark.parametrize(
    ("corrupt", "message"),
    [
        (_truncated, r"is not valid JSON"),
        (_wrong_digest, r"digest mismatch: the bundle is corrupt or was edited"),
        (_wrong_format, r"unsupported bundle format 99"),
        (_unknown_level, r"unknown level 'WIZARD'"),
        (_not_an_object, r"is not a JSON object"),
    ],
)
def test_reload_keeps_the_last_good_bundle(
    tmp_path: Path, bundle_file: Path, corrupt: Any, message: str
) -> None:
    engine = Engine.load(bundle_file)
    good = json.loads(bundle_file.read_text(encoding="utf-8"))
    bad = tmp_path / "bad.json"
    bad.write_text(corrupt(good), encoding="utf-8")
    with pytest.raises(BundleError, match=message):
        engine.reload(bad)
    assert engine.revision == "good"
    assert engine.check("senior", "requests", "2.32.3").allowed is True
    with pytest.raises(BundleError, match=message):
        Engine.load(bad)
    # The failed reload did not move the engine to the bad path either.
    engine.reload()
    assert engine.revision == "good"


def test_reload_swaps_in_the_new_bundle(bundle_file: Path) -> None:
    engine = Engine.load(bundle_file)
    assert engine.check("senior", "requests", "2.32.3").allowed is True
    write_bundle(bundle_file, bundle_for(BANNED, revision="banned"))
    engine.reload()
    decision = engine.check("senior", "requests", "2.32.3")
    assert (decision.allowed, decision.revision) == (False, "banned")
    assert decision.rule == "policy/bans.yaml:3"


def test_reload_without_a_path_is_an_error() -> None:
    engine = Engine.from_bundle(bundle_for(POLICY))
    with pytest.raises(BundleError, match="no bundle path to reload from"):
        engine.reload()


def test_cache_counts_hits_and_misses() -> None:
    engine = Engine.from_bundle(bundle_for(POLICY), cache_size=8)
    engine.check("senior", "requests", "2.32.3")
    engine.check("senior", "requests", "2.32.3")
    engine.check("senior", "requests", "2.32.4")
    info = engine.cache_info()
    assert (info.hits, info.misses, info.size, info.maxsize) == (1, 2, 2, 8)


def test_cache_is_bounded_and_evicts_the_least_recent() -> None:
    engine = Engine.from_bundle(bundle_for(POLICY), cache_size=3)
    for patch in range(10):
        engine.check("senior", "requests", f"2.32.{patch}")
    assert engine.cache_info().size == 3
    engine.check("senior", "requests", "2.32.9")
    engine.check("senior", "requests", "2.32.0")
    info = engine.cache_info()
    assert (info.hits, info.misses, info.size) == (1, 11, 3)


@pytest.mark.parametrize(("raw", "size"), [("5", 5), ("0", 0), ("junk", DEFAULT_CACHE_SIZE)])
def test_cache_size_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, raw: str, size: int
) -> None:
    monkeypatch.setenv(CACHE_SIZE_ENV, raw)
    engine = Engine.from_bundle(bundle_for(POLICY))
    assert engine.cache_info().maxsize == size
    for patch in range(20):
        engine.check("senior", "requests", f"2.32.{patch}")
    assert engine.cache_info().size == min(size, 20)


def test_constructor_size_beats_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_SIZE_ENV, "5")
    assert Engine.from_bundle(bundle_for(POLICY), cache_size=2).cache_info().maxsize == 2


def test_cached_decisions_do_not_outlive_an_expiry() -> None:
    """The cache is per day: an approval stops applying the day after it expires."""
    expiring = RefPolicy(
        levels=LEVELS,
        default_level="STUDENT",
        agents=POLICY.agents,
        approvals=(
            RefApproval(
                package="requests",
                versions=">=2.31,<3",
                min_level="SUPERVISED",
                expires=date(2026, 3, 31),
            ),
        ),
    )
    now = [day_of(date(2026, 3, 31)) * 86400.0 + 86399]  # the last second of the last day
    engine = Engine.from_bundle(bundle_for(expiring), clock=lambda: now[0])
    assert engine.check("senior", "requests", "2.32.3").allowed is True
    assert engine.check("senior", "requests", "2.32.3").allowed is True
    now[0] += 1  # midnight: 2026-04-01
    expired = engine.check("senior", "requests", "2.32.3")
    assert (expired.allowed, expired.rule) == (False, "not-approved")
    assert engine.cache_info().hits == 1


def test_kill_switch_denies_everything() -> None:
    off = RefPolicy(
        levels=LEVELS,
        default_level="STUDENT",
        enabled=False,
        agents=POLICY.agents,
        approvals=POLICY.approvals,
        skills=POLICY.skills,
    )
    engine = Engine.from_bundle(bundle_for(off))
    decision = engine.check("senior", "requests", "2.32.3")
    assert (decision.allowed, decision.rule, decision.maturity_required) == (
        False,
        "disabled",
        None,
    )
    assert "kill switch" in decision.reason
    assert engine.check_skill("senior", "fetch").allowed is False
    assert engine.check_level("SUPERVISED", "requests", "2.32.3").rule == "disabled"


def test_concurrent_checks_see_one_bundle_or_the_other(tmp_path: Path) -> None:
    """Every decision is consistent with the revision it carries, whatever reloads do."""
    good = write_bundle(tmp_path / "good.json", bundle_for(POLICY, revision="good"))
    banned = write_bundle(tmp_path / "banned.json", bundle_for(BANNED, revision="banned"))
    engine = Engine.load(good, cache_size=64)
    errors: list[BaseException] = []
    seen: set[str] = set()
    stop = threading.Event()

    banned_seen = threading.Event()

    def reloader() -> None:
        try:
            for i in range(300):
                engine.reload(banned if i % 2 == 0 else good)
                if i == 0:  # make sure the checkers really run across a swap
                    banned_seen.wait(timeout=30)
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assert below
            errors.append(exc)
        finally:
            stop.set()

    def checker_thread(offset: int) -> None:
        try:
            i = 0
            while not stop.is_set() or i < 500:
                # A window of versions wider than the cache mixes hits and misses.
                decision = engine.check("senior", "requests", f"2.32.{(i + offset) % 100}")
                expected = decision.revision == "good"
                assert decision.allowed is expected, decision
                seen.add(decision.revision)
                if decision.revision == "banned":
                    banned_seen.set()
                skill = engine.check_skill("senior", "fetch")
                assert skill.allowed is (skill.revision == "good"), skill
                i += 1
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=checker_thread, args=(n * 7,)) for n in range(6)]
    threads.append(threading.Thread(target=reloader))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert seen == {"good", "banned"}
    info = engine.cache_info()
    assert info.size <= info.maxsize


def test_runtime_imports_only_stdlib_and_packaging() -> None:
    probe = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import checker.runtime\n"
        "print('\\n'.join(sorted(set(sys.modules) - before)))\n"
    )
    command = [sys.executable, "-c", probe]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 0, (command, result.returncode, result.stdout, result.stderr)
    roots = {name.split(".")[0] for name in result.stdout.split()}
    allowed = set(sys.stdlib_module_names) | {"checker", "packaging"}
    assert roots - allowed == set()
    assert not roots & {"yaml", "jsonschema", "click"}
    assert "checker.runtime" in result.stdout.split()
