"""Messages pushed to web-chat citizens (satisfaction surveys) wait here until their page fetches them."""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pushed (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient TEXT NOT NULL,
    message TEXT NOT NULL,
    created_at REAL NOT NULL,
    fetched_at REAL
);
CREATE INDEX IF NOT EXISTS ix_pushed_recipient ON pushed (recipient, fetched_at);
"""


class PushQueue:
    """A small SQLite queue per recipient; a message is handed out once."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.executescript(_SCHEMA)

    def put(self, recipient: str, messages: list[dict[str, Any]]) -> None:
        now = time.time()
        with self._lock:
            self._conn.executemany(
                "INSERT INTO pushed (recipient, message, created_at) VALUES (?, ?, ?)",
                [(recipient, json.dumps(m, ensure_ascii=False), now) for m in messages],
            )

    def take(self, recipient: str) -> list[dict[str, Any]]:
        """The recipient's waiting messages, oldest first, marked as fetched."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                rows = self._conn.execute(
                    "SELECT id, message FROM pushed WHERE recipient = ? AND fetched_at IS NULL ORDER BY id",
                    (recipient,),
                ).fetchall()
                if rows:
                    self._conn.execute(
                        f"UPDATE pushed SET fetched_at = ? WHERE id IN ({','.join('?' * len(rows))})",
                        (time.time(), *[r[0] for r in rows]),
                    )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return [json.loads(r[1]) for r in rows]

    def close(self) -> None:
        with self._lock:
            self._conn.close()
