"""Tables of the callback store (SQLite or PostgreSQL by URL) and the engine factory.

Times are stored as naive UTC. The schema is created on first use (:func:`create_tables`, safe when several processes
start together); it has no migrations yet: a later step may only add tables (``callback_pushes`` was one), a
change of an existing table needs one. Earlier versions also kept a
``callback_results`` table here (survey results waiting for the backend); those now wait in the dispatch client's
outbox, and ``callbacks/legacy.py`` moves what an old store still holds there and drops the table.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import Engine, event, make_url

metadata = sa.MetaData()

#: One survey per closure of a work order: (service_request_id, closure) is unique.
surveys = sa.Table(
    "callback_surveys", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("service_request_id", sa.String(64), nullable=False),
    sa.Column("closure", sa.Integer, nullable=False),  # the order's reopen_count when it was closed
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("channel", sa.String(32), nullable=False, default=""),
    sa.Column("recipient", sa.String(256), nullable=False, default=""),
    sa.Column("closed_at", sa.DateTime, nullable=False),
    sa.Column("due_at", sa.DateTime, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("last_invited_at", sa.DateTime, nullable=True),
    sa.Column("owner", sa.String(96), nullable=True),
    sa.Column("lease_until", sa.DateTime, nullable=True),
    sa.Column("backend_done", sa.Boolean, nullable=False, default=True),  # False: the archive is not in the outbox yet
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("service_request_id", "closure", name="uq_callback_survey_closure"),
    sa.Index("ix_callback_surveys_state_due", "state", "due_at"),
)

#: Every invitation the scheduler pushed and the connector accepted, with the connector's delivery path
#: (``PushResult.path``: WeChat's ``customer_service`` or ``template``; empty for the other channels). Added after
#: ``callback_surveys``: :func:`create_tables` adds it to an existing store (a new table, no column changes).
pushes = sa.Table(
    "callback_pushes", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("survey_id", sa.Integer, nullable=False, index=True),
    sa.Column("attempt", sa.Integer, nullable=False),  # 1 for the first invitation
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("delivered", sa.Boolean, nullable=False),  # False: queued until the citizen opens the page
    sa.Column("path", sa.String(32), nullable=False, default=""),
)

#: Position in the dispatch backend's change feed.
cursors = sa.Table(
    "callback_cursors", metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("value", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)


def utc_naive(when: dt.datetime) -> dt.datetime:
    """An aware datetime as naive UTC (how the store keeps times)."""
    if when.tzinfo is None:
        raise ValueError("the callback store needs aware datetimes")
    return when.astimezone(dt.UTC).replace(tzinfo=None)


def from_store(value: dt.datetime | None) -> dt.datetime | None:
    """A stored naive UTC time as an aware datetime."""
    return None if value is None else value.replace(tzinfo=dt.UTC)


def make_engine(url: str) -> Engine:
    """Engine for ``url`` with the tables created; SQLite gets WAL and a busy timeout (several processes)."""
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()
    else:
        engine = sa.create_engine(url, pool_size=5, max_overflow=5, pool_pre_ping=True)
    create_tables(engine)
    return engine


CREATE_ATTEMPTS = 10


def create_tables(engine: Engine, *, sleep: Callable[[float], None] = time.sleep) -> None:
    """Create the missing tables, also when other processes do the same at the same moment.

    Each table is checked and created on its own, so two schedulers starting together on a new store can each find
    a table missing and then lose the race to create it ("table … already exists" on SQLite, a unique violation on
    PostgreSQL). Every such loss means the other process made progress, so trying again (with the existence checks
    repeated) soon finds everything there; an error that persists is raised after :data:`CREATE_ATTEMPTS` tries.
    """
    for attempt in range(CREATE_ATTEMPTS):
        try:
            metadata.create_all(engine)
            return
        except (sa.exc.IntegrityError, sa.exc.OperationalError, sa.exc.ProgrammingError):
            if attempt == CREATE_ATTEMPTS - 1:
                raise
            sleep(0.05 * (attempt + 1))
