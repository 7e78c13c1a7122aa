"""WeChat's retries, recognised across processes and restarts.

WeChat resends a message it got no answer to within 5 seconds, up to three times. Each message is claimed once in
the shared SQLite file under its key (``MsgId``; for events, which have none, sender + ``CreateTime``): the first
request to claim it handles it; a retry gets the answer the first one gave (its passive reply, or ``success`` when
the answer went out as customer-service messages) and, while the first is still at work, waits for it.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from connectors.wechat.sqlite import Database

PROCESSING = "processing"  # the first request is at work
ANSWERED = "answered"      # ``reply`` is the passive reply it gave ("" = ``success``)
DEFERRED = "deferred"      # it said ``success``; the answer goes out as customer-service messages

KEEP_SECONDS = 3 * 24 * 3600  # WeChat retries within seconds; keys are kept days for a late duplicate

SCHEMA = """
CREATE TABLE IF NOT EXISTS wechat_seen_messages (
    key     TEXT PRIMARY KEY,
    state   TEXT NOT NULL,
    reply   TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS wechat_seen_messages_created ON wechat_seen_messages (created);
"""


def message_key(msg_id: int | str | None, sender: str, create_time: int | str | None, event: str = "") -> str:
    """The key a retry shares with its first delivery: ``MsgId``, or ``sender + CreateTime`` for an event."""
    if msg_id and str(msg_id) != "0":
        return f"msg:{msg_id}"
    return f"event:{sender}:{create_time}:{event}"


@dataclass(frozen=True)
class Seen:
    """What became of a message seen before."""

    state: str
    reply: str = ""


class SeenMessages:
    """The claimed messages in the SQLite file ``path``."""

    def __init__(self, path: str | Path, *, clock: Callable[[], float] = time.time,
                 keep_seconds: float = KEEP_SECONDS, poll_seconds: float = 0.05) -> None:
        self.db = Database(path, SCHEMA)
        self.clock = clock
        self.keep_seconds = keep_seconds
        self.poll_seconds = poll_seconds

    def claim(self, key: str) -> Seen | None:
        """``None`` when this request is the first with ``key`` (it must handle the message and then call
        :meth:`answered` or :meth:`deferred`); otherwise what became of the first."""
        now = self.clock()
        with self.db.connect() as db:
            inserted = db.execute(
                "INSERT OR IGNORE INTO wechat_seen_messages (key, state, created) VALUES (?, ?, ?)",
                (key, PROCESSING, now)).rowcount
            if inserted:
                db.execute("DELETE FROM wechat_seen_messages WHERE created < ?", (now - self.keep_seconds,))
                return None
            row = db.execute("SELECT state, reply FROM wechat_seen_messages WHERE key = ?", (key,)).fetchone()
        return Seen(row[0], row[1])

    def get(self, key: str) -> Seen | None:
        with self.db.connect() as db:
            row = db.execute("SELECT state, reply FROM wechat_seen_messages WHERE key = ?", (key,)).fetchone()
        return Seen(row[0], row[1]) if row else None

    def answered(self, key: str, reply: str) -> None:
        """The first request answered with the passive reply ``reply`` (``""`` = ``success``)."""
        self._set(key, ANSWERED, reply)

    def deferred(self, key: str) -> None:
        """The first request said ``success``; the answer follows as customer-service messages."""
        self._set(key, DEFERRED, "")

    def _set(self, key: str, state: str, reply: str) -> None:
        with self.db.connect() as db:
            db.execute("UPDATE wechat_seen_messages SET state = ?, reply = ? WHERE key = ?", (state, reply, key))

    async def wait(self, key: str, timeout: float) -> Seen:
        """What became of the first request, waiting up to ``timeout`` seconds while it is still at work."""
        deadline = time.monotonic() + timeout
        while True:
            seen = self.get(key) or Seen(PROCESSING)
            if seen.state != PROCESSING or time.monotonic() >= deadline:
                return seen
            await asyncio.sleep(self.poll_seconds)
