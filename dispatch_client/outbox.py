"""Outbox: work-order creations survive a backend outage and a restart of the bot.

Every creation is first written to a local SQLite file (write-ahead), then sent. When the backend
is unreachable the citizen gets a provisional reference (临时受理号) and a background thread keeps
retrying with the same idempotency key, so the order appears exactly once when the backend returns.
A new :class:`Outbox` on the same file picks up whatever was pending before a restart.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from .client import DispatchClient, new_idempotency_key
from .errors import DispatchAPIError, DispatchUnavailable
from .models import NewServiceRequest

logger = logging.getLogger(__name__)

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    provisional_reference TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    service_request_id TEXT,
    service_notice TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class OutboxEntry:
    """What the outbox knows about one creation."""

    provisional_reference: str
    idempotency_key: str
    state: str
    service_request_id: str | None
    service_notice: str | None
    attempts: int
    last_error: str | None

    @property
    def reference(self) -> str:
        """The number to tell the citizen: the real order id once known, else the provisional one."""
        return self.service_request_id or self.provisional_reference


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def new_provisional_reference() -> str:
    """``LS`` + Beijing date-time + random suffix, e.g. ``LS202611271530-7F3A2C``."""
    local = dt.datetime.now(dt.timezone(dt.timedelta(hours=8)))
    return f"LS{local:%Y%m%d%H%M}-{secrets.token_hex(3).upper()}"


class Outbox:
    """Durable queue of creations in front of a :class:`DispatchClient`."""

    def __init__(self, client: DispatchClient, path: str | Path, retry_interval: float = 5.0) -> None:
        self.client = client
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.retry_interval = retry_interval
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute(_SCHEMA)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    # ---------------------------------------------------------------- public API
    def submit(self, request: NewServiceRequest, idempotency_key: str | None = None) -> OutboxEntry:
        """Store the creation, then try to send it once. Never raises for an unreachable backend.

        ``idempotency_key`` (e.g. the bot's intake session id) makes a repeated submit of the same
        creation answer the entry already stored instead of queueing a second one; a fresh key is
        drawn when none is given.

        Raises :class:`DispatchAPIError` when the backend rejects the request (4xx): that is a bug
        in the request, not an outage, and the entry is marked failed.
        """
        key = idempotency_key or new_idempotency_key()
        existing = self.find_by_key(key)
        if existing is not None:
            if existing.state == PENDING:
                try:
                    self._send(existing.provisional_reference)
                except DispatchUnavailable:
                    self._wake.set()
            return self.get(existing.provisional_reference)
        for _attempt in range(5):
            reference = new_provisional_reference()
            try:
                with self._lock:
                    self._conn.execute(
                        "INSERT INTO outbox (provisional_reference, idempotency_key, payload, state, created_at,"
                        " updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                        (reference, key, request.model_dump_json(), PENDING, _now(), _now()),
                    )
                break
            except sqlite3.IntegrityError:  # provisional reference already used this minute: draw again
                raced = self.find_by_key(key)
                if raced is not None:  # the same creation was submitted concurrently
                    return raced
                continue
        else:
            raise RuntimeError("could not allocate a provisional reference")
        try:
            self._send(reference)
        except DispatchUnavailable:
            self._wake.set()
        return self.get(reference)

    def get(self, provisional_reference: str) -> OutboxEntry:
        """The entry for a provisional reference (KeyError when unknown)."""
        with self._lock:
            row = self._conn.execute(
                "SELECT provisional_reference, idempotency_key, state, service_request_id, service_notice,"
                " attempts, last_error FROM outbox WHERE provisional_reference = ?",
                (provisional_reference,),
            ).fetchone()
        if row is None:
            raise KeyError(provisional_reference)
        return OutboxEntry(*row)

    def find_by_key(self, idempotency_key: str) -> OutboxEntry | None:
        """The entry stored under an idempotency key, or None."""
        with self._lock:
            row = self._conn.execute(
                "SELECT provisional_reference FROM outbox WHERE idempotency_key = ?", (idempotency_key,)
            ).fetchone()
        return None if row is None else self.get(row[0])

    def resolve(self, provisional_reference: str) -> str | None:
        """The backend's service_request_id for a provisional reference, once delivered."""
        return self.get(provisional_reference).service_request_id

    def pending(self) -> list[OutboxEntry]:
        """Entries still waiting for the backend, oldest first."""
        with self._lock:
            refs = [r[0] for r in self._conn.execute(
                "SELECT provisional_reference FROM outbox WHERE state = ? ORDER BY created_at, rowid", (PENDING,)
            )]
        return [self.get(r) for r in refs]

    def flush(self) -> int:
        """Try every pending entry once; return how many were delivered. Stops at the first outage."""
        delivered = 0
        for entry in self.pending():
            try:
                if self._send(entry.provisional_reference):
                    delivered += 1
            except DispatchUnavailable:
                break
            except DispatchAPIError:
                continue
        return delivered

    def start(self) -> None:
        """Retry pending entries in a background thread every ``retry_interval`` seconds."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="dispatch-outbox", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the background thread (pending entries stay on disk)."""
        if self._thread is not None:
            self._stop.set()
            self._wake.set()
            self._thread.join(timeout=10)
            self._thread = None

    def close(self) -> None:
        self.stop()
        with self._lock:
            self._conn.close()

    # ---------------------------------------------------------------- internals
    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - the retry loop must survive anything
                logger.exception("outbox flush failed")
            self._wake.wait(self.retry_interval)
            self._wake.clear()

    def _send(self, reference: str) -> bool:
        """Send one entry; True when it was delivered by this call."""
        with self._send_lock:
            with self._lock:
                row = self._conn.execute(
                    "SELECT idempotency_key, payload, state FROM outbox WHERE provisional_reference = ?",
                    (reference,),
                ).fetchone()
            if row is None or row[2] != PENDING:
                return False
            key, payload, _state = row
            request = NewServiceRequest.model_validate(json.loads(payload))
            try:
                result = self.client.create(request, idempotency_key=key)
            except DispatchUnavailable as exc:
                self._update(reference, PENDING, error=str(exc)[:500])
                raise
            except DispatchAPIError as exc:
                logger.error("outbox %s rejected by backend: %s", reference, exc.description)
                self._update(reference, FAILED, error=str(exc)[:500])
                raise
            self._update(reference, DELIVERED, service_request_id=result.service_request_id,
                         notice=result.service_notice)
            logger.info("outbox %s delivered as %s", reference, result.service_request_id)
            return True

    def _update(self, reference: str, state: str, *, error: str | None = None,
                service_request_id: str | None = None, notice: str | None = None) -> None:
        with self._lock:
            self._conn.execute(
                "UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ?,"
                " service_request_id = COALESCE(?, service_request_id),"
                " service_notice = COALESCE(?, service_notice), updated_at = ?"
                " WHERE provisional_reference = ?",
                (state, error, service_request_id, notice, _now(), reference),
            )
