"""The outbox file's schema and its migrations (the version lives in SQLite's ``PRAGMA user_version``).

Version 1 was the creations-only table of earlier releases (written without a version: ``user_version`` 0 with an
``outbox`` table); version 2 holds every kind of write. :func:`migrate` brings any file to :data:`SCHEMA_VERSION`
in one transaction, so processes opening the same file together migrate it once.
"""

from __future__ import annotations

import json
import sqlite3

SCHEMA_VERSION = 2

_TABLE = """
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,                      -- create | survey | remind | archive | reopen | dispatch
    key TEXT NOT NULL UNIQUE,                -- idempotency key (sent to the backend with a creation)
    provisional_reference TEXT UNIQUE,       -- 临时受理号 of a creation
    payload TEXT NOT NULL,                   -- the write as JSON (dispatch_client.writes)
    state TEXT NOT NULL,                     -- pending | delivered | failed
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0, -- Unix time
    owner TEXT,                              -- the process sending it now …
    lease_until REAL,                        -- … until then (Unix time)
    service_request_id TEXT,                 -- the order written to, or created
    result TEXT,                             -- a creation's answer (CreateResult JSON)
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)"""
_INDEX = "CREATE INDEX ix_outbox_state_due ON outbox (state, next_attempt_at)"


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


def _from_version_1(conn: sqlite3.Connection) -> None:
    """Creations-only rows → creation entries, with their provisional references and idempotency keys."""
    conn.execute("ALTER TABLE outbox RENAME TO outbox_v1")
    conn.execute(_TABLE)
    conn.execute(_INDEX)
    rows = conn.execute(
        "SELECT provisional_reference, idempotency_key, payload, state, service_request_id, service_notice, attempts,"
        " last_error, created_at, updated_at FROM outbox_v1 ORDER BY created_at, rowid").fetchall()
    for reference, key, payload, state, order_id, notice, attempts, error, created, updated in rows:
        result = (json.dumps({"service_request_id": order_id, "service_notice": notice}, ensure_ascii=False)
                  if order_id else None)
        conn.execute(
            "INSERT INTO outbox (kind, key, provisional_reference, payload, state, attempts, next_attempt_at,"
            " service_request_id, result, last_error, created_at, updated_at)"
            " VALUES ('create', ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)",
            (key, reference, json.dumps({"kind": "create", "request": json.loads(payload)}, ensure_ascii=False),
             state, attempts, order_id, result, error, created, updated))
    conn.execute("DROP TABLE outbox_v1")


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the file to :data:`SCHEMA_VERSION` (``conn`` in autocommit mode)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == 0 and _has_table(conn, "outbox"):
            version = 1
        if version > SCHEMA_VERSION:
            raise RuntimeError(f"outbox schema {version} is newer than this code ({SCHEMA_VERSION})")
        if version == 0:
            conn.execute(_TABLE)
            conn.execute(_INDEX)
        elif version == 1:
            _from_version_1(conn)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
