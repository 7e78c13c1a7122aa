"""The maintainers' feedback log: questions the KB could not answer and citizens' helpful / not-helpful votes.

Stored in SQLite (WAL mode, one short connection per call, so the action server's threads and a maintainer's
``rexian kb feedback`` can use it at the same time). Privacy: sender ids are stored only as salted sha256 hashes,
and mobile phone numbers and 18-character ID card numbers are masked in every stored query text.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Literal

FeedbackKind = Literal["unanswered", "votes"]

# An 18-character ID number (17 digits + digit/X) and a mainland mobile number, not inside a longer digit run.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ID_MASK = "[身份证号]"
PHONE_MASK = "[手机号]"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS unanswered (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    channel TEXT NOT NULL,
    sender_hash TEXT NOT NULL,
    band TEXT NOT NULL,
    query TEXT NOT NULL,
    candidates TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS votes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    channel TEXT NOT NULL,
    sender_hash TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    query TEXT NOT NULL,
    helpful INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS unanswered_created ON unanswered(created_at);
CREATE INDEX IF NOT EXISTS votes_created ON votes(created_at);
CREATE TABLE IF NOT EXISTS handled (
    kind TEXT NOT NULL,
    row_id INTEGER NOT NULL,
    handled_at TEXT NOT NULL,
    handled_by TEXT NOT NULL,
    action TEXT NOT NULL,
    entry_id TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (kind, row_id)
);
"""


def mask_personal_numbers(text: str) -> str:
    """Replace ID card numbers and mobile phone numbers in ``text`` by placeholders."""
    return _PHONE.sub(PHONE_MASK, _ID_NUMBER.sub(ID_MASK, text))


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _since_text(since: date | datetime | str | None) -> str:
    if since is None:
        return ""
    if isinstance(since, datetime):
        moment = since if since.tzinfo else since.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc).isoformat(timespec="seconds")
    if isinstance(since, date):
        return datetime(since.year, since.month, since.day, tzinfo=timezone.utc).isoformat(timespec="seconds")
    return _since_text(datetime.fromisoformat(since))


class FeedbackLog:
    """Append-only feedback tables in one SQLite file.

    ``salt`` hashes sender ids; when it is empty a random salt is created once and kept in the database, so the
    same sender keeps the same hash while raw ids can never be recovered from the file alone.
    """

    def __init__(self, sqlite_path: Path | str, *, salt: str | None = None):
        self.path = Path(sqlite_path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as conn, conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)
            self._salt = salt or self._stored_salt(conn)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=10.0)
        conn.row_factory = sqlite3.Row
        return conn

    @staticmethod
    def _stored_salt(conn: sqlite3.Connection) -> str:
        conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('salt', ?)", (secrets.token_hex(16),))
        return conn.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()[0]

    def hash_sender(self, sender_id: str) -> str:
        """Salted sha256 of a sender id (what is stored instead of the id)."""
        return hashlib.sha256(f"{self._salt}:{sender_id}".encode()).hexdigest()

    def log_unanswered(
        self,
        query: str,
        *,
        channel: str,
        sender_id: str,
        band: str,
        candidates: Iterable[Any] = (),
    ) -> None:
        """Record a question that got a did-you-mean or no-match reply, with the candidate entries offered.

        ``candidates`` are entry ids, :class:`~knowledge_base.service.KBMatch` objects (``KBResult.entries``), index
        hits, or dicts with ``entry_id``/``id`` and ``similarity``.
        """
        rows = [_candidate(c) for c in candidates]
        with closing(self._connect()) as conn, conn:
            conn.execute(
                "INSERT INTO unanswered(created_at, channel, sender_hash, band, query, candidates)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    _now(),
                    channel,
                    self.hash_sender(sender_id),
                    str(getattr(band, "value", band)),
                    mask_personal_numbers(query),
                    json.dumps(rows, ensure_ascii=False),
                ),
            )

    def log_vote(self, entry_id: str, query: str, *, helpful: bool, channel: str, sender_id: str) -> None:
        """Record a citizen's verdict on an answer."""
        with closing(self._connect()) as conn, conn:
            conn.execute(
                "INSERT INTO votes(created_at, channel, sender_hash, entry_id, query, helpful)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (_now(), channel, self.hash_sender(sender_id), entry_id, mask_personal_numbers(query), int(helpful)),
            )

    def export(self, kind: FeedbackKind, since: date | datetime | str | None = None) -> list[dict[str, Any]]:
        """Rows of ``kind`` recorded at or after ``since`` (UTC), oldest first, as plain dicts."""
        if kind not in ("unanswered", "votes"):
            raise ValueError(f"unknown feedback kind {kind!r}; use 'unanswered' or 'votes'")
        with closing(self._connect()) as conn:
            rows = conn.execute(
                f"SELECT * FROM {kind} WHERE created_at >= ? ORDER BY id",  # noqa: S608 - kind is whitelisted
                (_since_text(since),),
            ).fetchall()
        out = []
        for row in rows:
            item = dict(row)
            if kind == "unanswered":
                item["candidates"] = json.loads(item["candidates"])
            else:
                item["helpful"] = bool(item["helpful"])
            out.append(item)
        return out

    def mark_handled(self, refs: Iterable[tuple[str, int]], *, by: str, action: str, entry_id: str = "") -> int:
        """Mark feedback rows (``(kind, row id)``) as handled by ``by`` (e.g. an agent's account) with ``action``
        (``attach``, ``draft``, ``dismiss``) and the entry concerned; rows already handled keep their first
        marking. Returns how many rows were newly marked."""
        stamp = _now()
        marked = 0
        with closing(self._connect()) as conn, conn:
            for kind, row_id in refs:
                if kind not in ("unanswered", "votes"):
                    raise ValueError(f"unknown feedback kind {kind!r}; use 'unanswered' or 'votes'")
                cursor = conn.execute(
                    "INSERT OR IGNORE INTO handled(kind, row_id, handled_at, handled_by, action, entry_id)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (kind, int(row_id), stamp, by, action, entry_id),
                )
                marked += cursor.rowcount
        return marked

    def handled(self) -> dict[tuple[str, int], dict[str, Any]]:
        """Every handled row: ``(kind, row id)`` → when, by whom, which action and entry."""
        with closing(self._connect()) as conn:
            rows = conn.execute("SELECT * FROM handled").fetchall()
        return {(row["kind"], int(row["row_id"])): dict(row) for row in rows}

    def counts(self) -> dict[str, int]:
        """Totals for ``rexian kb stats``: unanswered questions, helpful and unhelpful votes."""
        with closing(self._connect()) as conn:
            unanswered = conn.execute("SELECT COUNT(*) FROM unanswered").fetchone()[0]
            helpful, unhelpful = conn.execute(
                "SELECT COALESCE(SUM(helpful), 0), COALESCE(SUM(1 - helpful), 0) FROM votes"
            ).fetchone()
        return {"unanswered": unanswered, "votes_helpful": helpful, "votes_unhelpful": unhelpful}


def _candidate(candidate: Any) -> dict[str, Any]:
    if isinstance(candidate, str):
        return {"entry_id": candidate}
    if isinstance(candidate, dict):
        data = candidate
    else:
        data = {
            name: getattr(candidate, name)
            for name in ("entry_id", "id", "doc_id", "similarity")
            if hasattr(candidate, name)
        }
        if "entry_id" not in data and hasattr(getattr(candidate, "entry", None), "id"):  # a service.KBMatch
            data["entry_id"] = candidate.entry.id
    entry_id = data.get("entry_id") or data.get("id") or data.get("doc_id")
    row: dict[str, Any] = {"entry_id": str(entry_id)}
    if data.get("similarity") is not None:
        row["similarity"] = round(float(data["similarity"]), 4)
    return row
