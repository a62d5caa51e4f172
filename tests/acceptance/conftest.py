"""Acceptance tests see copies as unversioned unless they make a git repository."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _no_enclosing_git_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Copies are "unversioned" even when the temporary directory sits in a checkout."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
