"""Audit stores for the tests: a SQLite file, and a real PostgreSQL (a schema per test).

PostgreSQL comes from ``scripts/ensure-postgres.sh`` (CI runs it): the URL is
``$SKILLGATE_TEST_POSTGRES``, else ``postgresql://skillgate:skillgate@127.0.0.1:5432/skillgate``.
Without a server the PostgreSQL cases skip, unless ``SKILLGATE_REQUIRE_POSTGRES=1`` (CI),
where a missing server fails.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from checker.audit.store import AuditStore, open_store

DEFAULT_URL = "postgresql://skillgate:skillgate@127.0.0.1:5432/skillgate"


def postgres_url() -> str:
    return os.environ.get("SKILLGATE_TEST_POSTGRES", DEFAULT_URL)


@pytest.fixture
def fresh_postgres() -> Iterator[str]:
    """A URL whose search_path is a schema of its own, dropped afterwards."""
    import psycopg

    base = postgres_url()
    try:
        admin = psycopg.connect(base, connect_timeout=5, autocommit=True)
    except psycopg.Error as exc:
        if os.environ.get("SKILLGATE_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"SKILLGATE_REQUIRE_POSTGRES=1 but PostgreSQL does not answer: {exc}")
        pytest.skip(f"no PostgreSQL: {exc}")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in base else "?"
    yield f"{base}{separator}options={quote(f'-c search_path={schema}')}"
    admin.execute(f"DROP SCHEMA {schema} CASCADE")
    admin.close()


@pytest.fixture(params=["sqlite", "postgres"])
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a store lives, once for each backend."""
    if request.param == "sqlite":
        return str(tmp_path / "audit.sqlite3")
    url: str = request.getfixturevalue("fresh_postgres")
    return url


@pytest.fixture
def store(store_location: str) -> AuditStore:
    return open_store(store_location)


StoreFactory = Callable[[], AuditStore]
