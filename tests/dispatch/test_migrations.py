"""The Alembic migrations build exactly the schema the ORM models describe, and re-running is a no-op;
data migrations carry existing rows over."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy.engine import make_url

from dispatch_backend.db import MIGRATIONS_DIR, make_engine, migrate
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


def _empty_database(database: str, sqlite_file: Path, request: pytest.FixtureRequest) -> str:
    """The URL of an empty database: a new SQLite file, or a fresh PostgreSQL database (skipped without one)."""
    if database == "sqlite":
        return f"sqlite:///{sqlite_file}"
    pg_url = request.getfixturevalue("postgres_url")
    if not pg_url:
        pytest.skip("REXIAN_TEST_PG_URL 未设置")
    return _fresh_pg_database(pg_url)


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def test_migrations_match_models_and_are_idempotent(database: str, tmp_path: Path,
                                                    request: pytest.FixtureRequest) -> None:
    engine = make_engine(_empty_database(database, tmp_path / "schema.sqlite3", request))
    migrate(engine)
    migrate(engine)  # second start: already at head, nothing to do
    with engine.connect() as conn:
        context = MigrationContext.configure(conn)
        assert context.get_current_revision() == "0004_surveys"
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def _upgrade_to(engine: sa.Engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _order(number: int, state: str, reopen_count: int = 0, **survey: Any) -> dict[str, Any]:
    at = dt.datetime(2025, 9, 22, 1, 0)
    return {
        "id": number, "service_request_id": f"2025092200{number:06d}", "service_code": "ludeng",
        "appeal_type": "求助", "category": "城乡建设/市政设施/路灯", "department": "shizheng", "state": state,
        "status": "open" if state == "reopened" else "closed", "description": "路灯不亮", "attachments": [],
        "attributes": {}, "callback_consent": True, "anonymous": False, "deadline_class": "general",
        "reminder_count": 0, "supervised": False, "overdue": False, "requested_at": at, "updated_at": at,
        "first_contact_due": at, "expected_at": at, "closed_at": at, "closed_on_time": True,
        "reopen_count": reopen_count, "change_seq": number,
        "survey_resolved": survey.get("resolved"), "survey_satisfaction": survey.get("satisfaction"),
        "survey_comment": survey.get("comment"), "survey_at": survey.get("at"),
    }


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def test_0004_carries_existing_surveys_over(database: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Before 0004 a second survey overwrote the first; 0004 keeps the latest (columns) and restores the
    overwritten one from its callback_done note, so the first 不满意 counts again."""
    engine = make_engine(_empty_database(database, tmp_path / "old.sqlite3", request))
    _upgrade_to(engine, "0003_idempotency_request_hash")
    day = dt.datetime(2025, 9, 24)
    with engine.begin() as conn:
        tables = sa.MetaData()
        tables.reflect(conn)
        orders, notes = tables.tables["dispatch_work_orders"], tables.tables["dispatch_notes"]
        long_comment = "修好了，" + "谢谢" * 400
        conn.execute(orders.insert(), [
            # 1: 不满意 → review → closed again → 基本满意 (the columns only kept the second survey)
            _order(1, "callback_done", 1, resolved=True, satisfaction="基本满意", comment=long_comment,
                   at=day + dt.timedelta(days=5)),
            # 2: surveyed once, then reopened on request (columns: the only survey, about closure 1)
            _order(2, "reopened", 1, resolved=True, satisfaction="满意", comment="", at=day + dt.timedelta(days=1)),
            # 3: closed, never surveyed
            _order(3, "closed"),
        ])
        history = [
            (1, "closed", "市市政设施管理中心", "办结：已更换灯泡"),
            (1, "callback_done", "热线机器人", "回访：问题未解决，不满意。灯还是不亮"),
            (1, "reopened", "系统", "回访复核（第 1 次）：来电人对办理结果不满意"),
            (1, "contacted", "市市政设施管理中心", "再次联系"),
            (1, "closed", "市市政设施管理中心", "办结：已更换整套灯具"),
            (1, "callback_done", "热线机器人", "回访：问题已解决，基本满意。" + long_comment[:500]),
            (2, "closed", "市市政设施管理中心", "办结：已修复"),
            (2, "callback_done", "热线机器人", "回访：问题已解决，满意。"),
            (2, "reopened", "热线机器人", "回访复核（第 1 次）：第二天又坏了"),
            (3, "closed", "市市政设施管理中心", "办结：已修复"),
        ]
        conn.execute(notes.insert(), [
            {"order_id": order_id, "at": day + dt.timedelta(days=i), "actor": actor, "kind": kind, "text": text}
            for i, (order_id, kind, actor, text) in enumerate(history)
        ])
    migrate(engine)
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT order_id, closure, resolved, satisfaction, comment, recorded_at, actor FROM dispatch_surveys "
            "ORDER BY order_id, closure")).all()
        latest = conn.execute(sa.text(
            "SELECT survey_satisfaction FROM dispatch_work_orders ORDER BY id")).scalars().all()
    engine.dispose()
    assert [(r.order_id, r.closure, bool(r.resolved), r.satisfaction) for r in rows] == [
        (1, 1, False, "不满意"), (1, 2, True, "基本满意"), (2, 1, True, "满意")]
    assert rows[0].comment == "灯还是不亮" and rows[0].actor == "热线机器人"
    assert str(rows[0].recorded_at).startswith("2025-09-25")          # the time of its callback_done note
    assert rows[1].comment == long_comment                              # the latest keeps its whole comment
    assert str(rows[1].recorded_at).startswith("2025-09-29")           # survey_at of the order
    assert latest == ["基本满意", "满意", None]                          # the latest-survey columns stay
