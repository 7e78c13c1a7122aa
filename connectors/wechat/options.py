"""Buttons on WeChat: the options offered to a citizen, remembered per user, and reading the answer back.

WeChat text has no inline keyboard. The bot's buttons become numbered options (回复1/2/3) in a passive reply, and a
``msgmenu`` customer-service menu where one is allowed, whose items carry the same numbers as their ids. The answer
comes back as the typed number (half- or full-width, or 一/二/三), the option's title, or a menu click — a text
message whose ``bizmsgmenuid`` is the item's id. The options are kept in the shared SQLite file, so any process
of the connector reads the answer back; a new reply of the bot replaces them (no buttons: none offered).
"""
from __future__ import annotations

import json
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from connectors.push import PushButton
from connectors.wechat.sqlite import Database

CHINESE_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
TRAILING = " 。.、，,！!？?号个项"

SCHEMA = """
CREATE TABLE IF NOT EXISTS wechat_offered_options (
    openid  TEXT PRIMARY KEY,
    options TEXT NOT NULL,
    offered REAL NOT NULL
);
"""


@dataclass(frozen=True)
class Option:
    """One offered choice: its number (the msgmenu item id too), what the citizen reads, what Rasa gets."""

    number: int
    title: str
    payload: str


def numbered(buttons: list[PushButton]) -> list[Option]:
    """The bot's buttons as options numbered from 1."""
    return [Option(i, b.title, b.payload) for i, b in enumerate(buttons, start=1)]


def _number(text: str) -> int | None:
    text = text.removeprefix("第").rstrip(TRAILING)
    if text.isdigit():
        return int(text)
    return CHINESE_NUMERALS.get(text)


def choose(options: list[Option], text: str, menu_id: str = "") -> Option | None:
    """The option the citizen picked with ``text`` (or the msgmenu item ``menu_id``); None when none was."""
    if not options:
        return None
    if menu_id:
        return next((o for o in options if str(o.number) == menu_id.strip()), None)
    typed = unicodedata.normalize("NFKC", text).strip()
    if not typed:
        return None
    number = _number(typed)
    if number is not None:
        return next((o for o in options if o.number == number), None)
    return next((o for o in options if o.title.strip() == typed), None)


class OfferedOptions:
    """The options last offered to each citizen, in the SQLite file ``path``."""

    def __init__(self, path: str | Path, *, clock: Callable[[], float] = time.time) -> None:
        self.db = Database(path, SCHEMA)
        self.clock = clock

    def remember(self, openid: str, options: list[Option]) -> None:
        """What was just offered to ``openid`` (an empty list: nothing is on offer any more)."""
        with self.db.connect() as db:
            if not options:
                db.execute("DELETE FROM wechat_offered_options WHERE openid = ?", (openid,))
                return
            data = json.dumps([[o.number, o.title, o.payload] for o in options], ensure_ascii=False)
            db.execute("INSERT INTO wechat_offered_options (openid, options, offered) VALUES (?, ?, ?) "
                       "ON CONFLICT (openid) DO UPDATE SET options = excluded.options, offered = excluded.offered",
                       (openid, data, self.clock()))

    def offered(self, openid: str) -> list[Option]:
        with self.db.connect() as db:
            row = db.execute("SELECT options FROM wechat_offered_options WHERE openid = ?", (openid,)).fetchone()
        return [Option(int(n), str(t), str(p)) for n, t, p in json.loads(row[0])] if row else []
