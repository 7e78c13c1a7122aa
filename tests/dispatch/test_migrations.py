"""The Alembic migrations build exactly the schema the ORM models describe, and re-running is a no-op."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import make_url

from dispatch_backend.db import make_engine, migrate
from dispatch_backend.models import Base

SCHEMA_DB = "rexian_dispatch_schema_test"


def _fresh_pg_database(url: str) -> str:
    """An empty database next to the test database (the session backend owns the test database)."""
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {SCHEMA_DB}"))
        conn.execute(sa.text(f"CREATE DATABASE {SCHEMA_DB}"))
    admin.dispose()
    return make_url(url).set(database=SCHEMA_DB).render_as_string(hide_password=False)


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def test_migrations_match_models_and_are_idempotent(database: str, tmp_path: Path,
                                                    request: pytest.FixtureRequest) -> None:
    if database == "sqlite":
        url = f"sqlite:///{tmp_path / 'schema.sqlite3'}"
    else:
        pg_url = request.getfixturevalue("postgres_url")
        if not pg_url:
            pytest.skip("REXIAN_TEST_PG_URL 未设置")
        url = _fresh_pg_database(pg_url)
    engine = make_engine(url)
    migrate(engine)
    migrate(engine)  # second start: already at head, nothing to do
    with engine.connect() as conn:
        context = MigrationContext.configure(conn)
        assert context.get_current_revision() == "0003_idempotency_request_hash"
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()
