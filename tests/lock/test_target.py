"""The lock target comes from the sandbox policy, and the resolver is held to it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from checker.exit_codes import SkillgateError
from checker.lock.lockfile import read_lock
from checker.lock.resolver import resolve
from checker.lock.target import Target, parse_tag, target_for
from checker.policy.load import load_repo
from checker.policy.sandbox import BaseSpec
from tests.conftest import run_cli
from tests.lock.conftest import Index, write_repo
from tests.lock.local_index import make_wheel, write_index


def test_default_target_is_the_bookworm_base(tmp_path: Path) -> None:
    target = target_for(load_repo(tmp_path).sandbox_policy().base)
    assert target.tag == "cp311-manylinux_2_36_x86_64"
    assert parse_tag(target.tag) == target
    assert target.platforms()[0] == "manylinux_2_36_x86_64"
    assert target.platforms()[-3:] == [
        "manylinux2014_x86_64",
        "manylinux2010_x86_64",
        "manylinux1_x86_64",
    ]


def test_target_follows_the_sandbox_suite(tmp_path: Path) -> None:
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "sandbox.yaml").write_text("base:\n  suite: trixie\n")
    assert target_for(load_repo(tmp_path).sandbox_policy().base).tag == (
        "cp313-manylinux_2_41_x86_64"
    )
    with pytest.raises(SkillgateError, match="unknown Debian suite 'sid'"):
        target_for(BaseSpec(suite="sid"))


def test_a_lock_for_another_python_is_resolved_for_it(index: Index, tmp_path: Path) -> None:
    built = tmp_path / "conditional"
    built.mkdir()
    requires = ['old-backport; python_version < "3.12"', 'new-only; python_version >= "3.13"']
    make_wheel(built, "gate", "1.0", requires=requires)
    make_wheel(built, "old-backport", "1.0")
    make_wheel(built, "new-only", "1.0")
    write_index(index.root, sorted(built.iterdir()))
    repo = write_repo(tmp_path / "repo", {"demo": ["gate==1.0"]})
    (repo / "policy" / "sandbox.yaml").write_text("base:\n  suite: trixie\n")
    result = run_cli(["lock", "--repo", str(repo)])  # this host runs Python 3.11
    assert result.exit_code == 0, result.stderr
    lock = read_lock(repo / "skills" / "demo" / "requirements.lock")
    assert lock.target == "cp313-manylinux_2_41_x86_64"
    assert [p.name for p in lock.packages] == ["gate", "new-only"]


def test_wheels_are_chosen_for_the_target_glibc_not_the_host(index: Index, tmp_path: Path) -> None:
    built = tmp_path / "native"
    built.mkdir()
    old = make_wheel(built, "native", "1.0", tag="cp311-cp311-manylinux_2_17_x86_64")
    make_wheel(built, "native", "2.0", tag="cp311-cp311-manylinux_2_28_x86_64")
    make_wheel(built, "native", "3.0", tag="cp311-cp311-musllinux_1_1_x86_64")
    make_wheel(built, "native", "4.0", tag="cp312-cp312-manylinux_2_17_x86_64")
    write_index(index.root, sorted(built.iterdir()))
    newest = resolve(["native"], Target(), tmp_path / "c").packages
    assert [(p.name, p.version) for p in newest] == [("native", "2.0")]
    older_base = Target(glibc=(2, 17))
    (pkg,) = resolve(["native"], older_base, tmp_path / "c").packages
    assert pkg.version == "1.0"
    assert pkg.files[0].filename == old.name
    assert pkg.files[0].sha256 == hashlib.sha256(old.read_bytes()).hexdigest()
