"""Who wrote when, and the messages kept for a citizen outside the 48-hour window.

WeChat lets an account send customer-service messages (客服消息) only within 48 hours of the citizen's last message.
A push (a survey, an agent's answer) for someone who wrote longer ago is kept here, a template message invites them
back, and the kept messages are the reply to whatever they write next.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from connectors.push import PushMessage
from connectors.wechat.sqlite import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS wechat_contacts (
    openid       TEXT PRIMARY KEY,
    last_inbound REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS wechat_kept_messages (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    openid   TEXT NOT NULL,
    messages TEXT NOT NULL,
    kept     REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS wechat_kept_messages_openid ON wechat_kept_messages (openid);
"""


class Contacts:
    """The citizens' last messages and their kept messages, in the SQLite file ``path``."""

    def __init__(self, path: str | Path, *, window_hours: float = 48.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.db = Database(path, SCHEMA)
        self.window_seconds = window_hours * 3600
        self.clock = clock

    def wrote(self, openid: str) -> None:
        """``openid`` just sent the account a message (or clicked its menu)."""
        with self.db.connect() as db:
            db.execute("INSERT INTO wechat_contacts (openid, last_inbound) VALUES (?, ?) "
                       "ON CONFLICT (openid) DO UPDATE SET last_inbound = excluded.last_inbound",
                       (openid, self.clock()))

    def last_inbound(self, openid: str) -> float | None:
        with self.db.connect() as db:
            row = db.execute("SELECT last_inbound FROM wechat_contacts WHERE openid = ?", (openid,)).fetchone()
        return float(row[0]) if row else None

    def within_window(self, openid: str) -> bool:
        """Whether customer-service messages may reach ``openid`` now."""
        last = self.last_inbound(openid)
        return last is not None and self.clock() - last < self.window_seconds

    def keep(self, openid: str, messages: list[PushMessage]) -> None:
        data = json.dumps([m.model_dump() for m in messages], ensure_ascii=False)
        with self.db.connect() as db:
            db.execute("INSERT INTO wechat_kept_messages (openid, messages, kept) VALUES (?, ?, ?)",
                       (openid, data, self.clock()))

    def take_kept(self, openid: str) -> list[PushMessage]:
        """The messages kept for ``openid``, oldest first, removed (one process gets them)."""
        with self.db.connect() as db:
            rows = db.execute("SELECT id, messages FROM wechat_kept_messages WHERE openid = ? ORDER BY id",
                              (openid,)).fetchall()
            db.execute("DELETE FROM wechat_kept_messages WHERE openid = ?", (openid,))
        return [PushMessage.model_validate(m) for _, data in rows for m in json.loads(data)]

    def has_kept(self, openid: str) -> bool:
        with self.db.connect() as db:
            return db.execute("SELECT 1 FROM wechat_kept_messages WHERE openid = ? LIMIT 1",
                              (openid,)).fetchone() is not None
