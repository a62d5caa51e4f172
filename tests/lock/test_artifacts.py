"""The artifacts cache against a real loopback index: verified, content-addressed, fail closed."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest

from checker.exit_codes import ExitCode
from checker.lock import artifacts
from checker.lock.artifacts import ArtifactError, fetch
from checker.lock.lockfile import LockedFile, LockedPackage
from tests.lock.conftest import Index


def _locked(index: Index, filename: str, sha256: str | None = None) -> LockedPackage:
    path = index.root / "files" / filename
    digest = sha256 or hashlib.sha256(path.read_bytes()).hexdigest()
    return LockedPackage(
        name="beta",
        version="2.0",
        hashes=(f"sha256:{digest}",),
        parents=(),
        index_url=index.simple,
        files=(LockedFile(filename=filename, url=f"{index.url}/files/{filename}", sha256=digest),),
    )


def test_fetch_stores_the_verified_file_read_only_by_hash(index: Index, tmp_path: Path) -> None:
    pkg = _locked(index, "beta-2.0-py3-none-any.whl")
    cache = tmp_path / "own-cache"
    (path,) = fetch(pkg, cache)
    digest = pkg.files[0].sha256
    assert path == cache / "artifacts" / "sha256" / digest / "beta-2.0-py3-none-any.whl"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    mode = stat.S_IMODE(path.stat().st_mode)
    assert mode & (stat.S_IWUSR | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH) == 0


def test_cache_hit_needs_no_index(index: Index, tmp_path: Path) -> None:
    pkg = _locked(index, "beta-2.0-py3-none-any.whl")
    (first,) = fetch(pkg, tmp_path / "c")
    (index.root / "files" / "beta-2.0-py3-none-any.whl").unlink()  # the index loses the file
    assert fetch(pkg, tmp_path / "c") == [first]


def test_env_override_sets_the_cache(index: Index, isolated_pip: Path) -> None:
    (path,) = fetch(_locked(index, "beta-1.0-py3-none-any.whl"))
    assert path.is_relative_to(isolated_pip)


def test_hash_mismatch_fails_closed_and_leaves_nothing(index: Index, tmp_path: Path) -> None:
    pkg = _locked(index, "beta-2.0-py3-none-any.whl", sha256="0" * 64)
    with pytest.raises(ArtifactError) as caught:
        fetch(pkg, tmp_path / "c")
    assert caught.value.exit_code is ExitCode.UNDECIDED
    message = str(caught.value)
    assert message.startswith("beta==2.0: beta-2.0-py3-none-any.whl from http://127.0.0.1:")
    assert f"but the lock pins {'0' * 64}; refusing it" in message
    assert not artifacts.artifact_path(pkg.files[0], tmp_path / "c").exists()
    assert not list((tmp_path / "c").rglob("*.whl"))


def test_served_bytes_differ_from_the_locked_ones(index: Index, tmp_path: Path) -> None:
    pkg = _locked(index, "beta-2.0-py3-none-any.whl")
    # The index now serves other bytes under the same name: a compromised mirror.
    (index.root / "files" / "beta-2.0-py3-none-any.whl").write_bytes(b"not the locked wheel")
    with pytest.raises(ArtifactError, match="refusing it"):
        fetch(pkg, tmp_path / "c")


def test_download_failure_fails_closed(index: Index, tmp_path: Path) -> None:
    pkg = _locked(index, "beta-2.0-py3-none-any.whl")
    (index.root / "files" / "beta-2.0-py3-none-any.whl").unlink()
    with pytest.raises(ArtifactError) as caught:
        fetch(pkg, tmp_path / "c")
    assert caught.value.exit_code is ExitCode.UNDECIDED
    assert "cannot download" in str(caught.value)
    assert ": HTTP 404 " in str(caught.value)


def test_tampered_cache_entry_is_replaced(index: Index, tmp_path: Path) -> None:
    pkg = _locked(index, "beta-2.0-py3-none-any.whl")
    (path,) = fetch(pkg, tmp_path / "c")
    path.chmod(0o644)
    path.write_bytes(b"tampered")
    assert fetch(pkg, tmp_path / "c") == [path]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == pkg.files[0].sha256


def test_unpinned_file_and_odd_names_are_refused(index: Index, tmp_path: Path) -> None:
    pkg = _locked(index, "beta-2.0-py3-none-any.whl")
    unpinned = LockedPackage(
        name=pkg.name,
        version=pkg.version,
        hashes=("sha256:" + "1" * 64,),
        parents=(),
        index_url=pkg.index_url,
        files=pkg.files,
    )
    with pytest.raises(ArtifactError, match="not hash-pinned"):
        fetch(unpinned, tmp_path / "c")
    sneaky = LockedFile(filename="../evil.whl", url=pkg.files[0].url, sha256=pkg.files[0].sha256)
    with pytest.raises(ArtifactError, match="refusing artifact file name"):
        artifacts.artifact_path(sneaky, tmp_path / "c")
    with pytest.raises(ArtifactError, match="refusing to download"):
        artifacts.download("ftp://127.0.0.1/x.whl", tmp_path / "x.whl")
