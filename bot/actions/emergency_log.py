"""Every emergency the bot recognised, recorded for supervisors (SQLite; one row per recognised message).

Rows hold when, the channel, a salted hash of the sender (never the raw id), the kind, the numbers named and the
trigger phrase, plus the message with phone and ID numbers masked.
"""
from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

logger = logging.getLogger(__name__)
_NUMBER_RUN = re.compile(r"[+\d][\d\s\-xX]{5,}[\dxX]")


def redact_numbers(text: str) -> str:
    """Every run of seven or more digits (phones, ID numbers, however written) replaced by ***."""
    return _NUMBER_RUN.sub("***", text or "")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS emergency_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    channel TEXT NOT NULL,
    sender_hash TEXT NOT NULL,
    kind TEXT NOT NULL,
    services TEXT NOT NULL,
    evidence TEXT NOT NULL,
    message TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class EmergencyEvent:
    at: str
    channel: str
    sender_hash: str
    kind: str
    services: str
    evidence: str
    message: str


class EmergencyLog:
    """Append-only log of recognised emergencies; safe to share between the action server's threads."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def record(self, *, channel: str, sender_id: str, kind: str, services: list[str], evidence: str,
               message: str) -> None:
        row = (datetime.now(timezone.utc).isoformat(timespec="seconds"), channel,
               hashlib.sha256(sender_id.encode("utf-8")).hexdigest()[:16], kind, ",".join(services),
               redact_numbers(evidence), redact_numbers(message)[:500])
        with self._lock, self._connect() as db:
            db.execute("INSERT INTO emergency_events (at, channel, sender_hash, kind, services, evidence, message) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)", row)
        logger.warning("emergency recognised (%s) on channel %s", kind, channel)

    def recent(self, limit: int = 100) -> list[EmergencyEvent]:
        with self._connect() as db:
            rows = db.execute("SELECT at, channel, sender_hash, kind, services, evidence, message "
                              "FROM emergency_events ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [EmergencyEvent(*row) for row in rows]
