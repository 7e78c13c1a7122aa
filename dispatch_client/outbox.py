"""The outbox: every write to the backend survives an outage and a restart, and arrives once.

A write (``writes.py``: creation, survey result, 催办, archive, reopen, 改派) is first stored in a local SQLite file,
then sent once by the caller's thread (:meth:`Outbox.submit`: one HTTP attempt, so the citizen is answered within
one timeout); whatever is not delivered then is sent by the outbox's own thread (:meth:`Outbox.start`). A creation
gets a provisional reference (临时受理号) at once, and its idempotency key makes the order appear exactly once.
Several processes may share one file: an entry is claimed (one guarded UPDATE, with a lease) before it is sent.
The :class:`~dispatch_client.policy.RetryPolicy` of the client decides what each attempt means.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from domain import new_provisional_reference

from .calls import new_idempotency_key
from .client import Attempt, DispatchClient
from .errors import DispatchAPIError
from .models import CreateResult
from .outbox_schema import migrate
from .policy import Verdict
from .writes import WRITE, CreateOrder, Write

logger = logging.getLogger(__name__)

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"

_COLUMNS = ("id, kind, key, provisional_reference, payload, state, attempts, service_request_id, result,"
            " last_error")


@dataclass(frozen=True)
class OutboxEntry:
    """What the outbox knows about one write."""

    id: int
    kind: str
    key: str                           # idempotency key (sent with a creation; unique in the outbox)
    provisional_reference: str | None  # creations only
    state: str                         # pending | delivered | failed
    attempts: int
    service_request_id: str | None     # the order written to; for a creation, the new order once delivered
    last_error: str | None
    write: Write
    result: Any = None  # the backend's answer: a creation's CreateResult (kept); an action's order (only on the
    #                     entry :meth:`Outbox.submit` returns when it delivered the write itself)

    @property
    def reference(self) -> str:
        """The number to tell the citizen: the real order id once known, else the provisional one."""
        return self.service_request_id or self.provisional_reference or ""

    @property
    def delivered(self) -> bool:
        return self.state == DELIVERED

    @property
    def idempotency_key(self) -> str:
        return self.key

    @property
    def service_notice(self) -> str | None:
        return self.result.service_notice if isinstance(self.result, CreateResult) else None


def _stamp() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def new_owner() -> str:
    """A claim owner id unique to this process and object."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


class Outbox:
    """Durable queue of writes in front of a :class:`DispatchClient`."""

    def __init__(self, client: DispatchClient, path: str | Path, retry_interval: float = 5.0, *,
                 lease: float | None = None, clock: Callable[[], float] = time.time) -> None:
        self.client = client
        self.policy = client.policy
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.retry_interval = retry_interval
        # A claim outlives any attempt: httpx's timeout applies to connect, write and read one after another.
        self.lease = lease if lease is not None else max(60.0, 4 * client.timeout)
        self.owner = new_owner()
        self._clock = clock
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        with self._lock:
            migrate(self._conn)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    # ---------------------------------------------------------------- public API
    def submit(self, write: Write, key: str | None = None, *, attempt: bool = True) -> OutboxEntry:
        """Store the write, then send it once (unless ``attempt`` is false). Never raises for an unreachable backend.

        ``key`` (e.g. the bot's intake session id) makes a repeated submit of the same write answer the entry
        already stored instead of queueing a second one (a pending one is tried once more, a failed one is stored
        anew and tried); a fresh key is drawn when none is given.

        Raises :class:`DispatchAPIError` when the backend rejects the write (4xx): a defect of the request, not
        an outage; the entry is marked failed and never sent again.
        """
        key = key or new_idempotency_key()
        entry = self.find(key)
        if entry is None:
            entry = self._insert(write, key)
        elif entry.state == FAILED:
            entry = self._rearm(entry, write)
        if entry.state != PENDING or not attempt or not self._claim(entry.id):
            return entry
        outcome = self._send(entry)
        if outcome.verdict is Verdict.REJECTED:
            assert isinstance(outcome.error, DispatchAPIError)
            raise outcome.error
        return self._entry(entry.id, outcome.value if outcome.verdict is Verdict.DONE else None)

    def get(self, provisional_reference: str) -> OutboxEntry:
        """The creation stored under a provisional reference (KeyError when unknown)."""
        entry = self._one("provisional_reference = ?", provisional_reference)
        if entry is None:
            raise KeyError(provisional_reference)
        return entry

    def find(self, key: str) -> OutboxEntry | None:
        """The entry stored under an idempotency key, or None."""
        return self._one("key = ?", key)

    def resolve(self, provisional_reference: str) -> str | None:
        """The backend's service_request_id for a provisional reference, once delivered."""
        return self.get(provisional_reference).service_request_id

    def pending(self) -> list[OutboxEntry]:
        """Entries still waiting for the backend, oldest first."""
        with self._lock:
            rows = self._conn.execute(f"SELECT {_COLUMNS} FROM outbox WHERE state = ? ORDER BY id",
                                      (PENDING,)).fetchall()
        return [self._from_row(row) for row in rows]

    def flush(self) -> int:
        """Try every pending entry once, also those waiting out a backoff; return how many were delivered.
        Stops when the backend is unreachable."""
        return self._round(due_only=False)

    def deliver_due(self) -> int:
        """Try the pending entries whose time has come (what the sender thread does); return how many were
        delivered. Stops when the backend is unreachable."""
        return self._round(due_only=True)

    def start(self) -> None:
        """Send pending entries from a background thread every ``retry_interval`` seconds."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="dispatch-outbox", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the background thread (pending entries stay on disk)."""
        if self._thread is not None:
            self._stop.set()
            self._wake.set()
            self._thread.join(timeout=10 + 3 * self.client.timeout)
            self._thread = None

    def close(self) -> None:
        self.stop()
        with self._lock:
            self._conn.close()

    # ---------------------------------------------------------------- sending
    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.deliver_due()
            except Exception:  # noqa: BLE001 - the sender must survive anything
                logger.exception("outbox round failed")
            self._wake.wait(self.retry_interval)
            self._wake.clear()

    def _round(self, *, due_only: bool) -> int:
        now = self._clock()
        condition = "state = ? AND (lease_until IS NULL OR lease_until <= ?)"
        params: list[object] = [PENDING, now]
        if due_only:
            condition += " AND next_attempt_at <= ?"
            params.append(now)
        with self._lock:
            ids = [r[0] for r in self._conn.execute(f"SELECT id FROM outbox WHERE {condition} ORDER BY id LIMIT 100",
                                                    params)]
        delivered = 0
        for entry_id in ids:
            if self._stop.is_set() and due_only:
                break
            if not self._claim(entry_id):
                continue
            entry = self._entry(entry_id)
            verdict = self._send(entry).verdict
            if verdict is Verdict.DONE:
                delivered += 1
            elif verdict is Verdict.UNREACHABLE:
                break
        return delivered

    def _send(self, entry: OutboxEntry) -> Attempt:
        """One attempt for an entry this outbox has claimed; the entry is updated with its outcome."""
        outcome = self.client.attempt(entry.write.queued_call(self.client.api_key, entry.key))
        verdict = outcome.verdict
        now = self._clock()
        if verdict is Verdict.DONE:
            result = outcome.value
            created = result.service_request_id if isinstance(result, CreateResult) else None
            self._settle(entry.id, DELIVERED, service_request_id=created,
                         result=result.model_dump_json() if isinstance(result, CreateResult) else None)
            logger.info("outbox: %s #%d delivered%s", entry.kind, entry.id, f" as {created}" if created else "")
        elif verdict in (Verdict.REJECTED, Verdict.UNSAFE):
            why = ("rejected by the backend" if verdict is Verdict.REJECTED
                   else "may have reached the backend and is not sent twice")
            logger.error("outbox: %s #%d %s: %s", entry.kind, entry.id, why, outcome.error)
            self._settle(entry.id, FAILED, error=f"{why}: {outcome.error}")
        else:
            # Unreachable: not this entry's fault, try it again with the next round. A 5xx of its own: back off.
            wait = self.policy.queue_delay(entry.attempts + 1) if verdict is Verdict.BACKOFF else 0.0
            logger.warning("outbox: %s #%d not delivered (%s), retrying later", entry.kind, entry.id,
                           type(outcome.error).__name__)
            self._settle(entry.id, PENDING, error=str(outcome.error), next_attempt_at=now + wait)
        return outcome

    # ---------------------------------------------------------------- storage
    def _insert(self, write: Write, key: str) -> OutboxEntry:
        payload = write.model_dump_json()
        for _ in range(5):
            reference = new_provisional_reference() if isinstance(write, CreateOrder) else None
            try:
                with self._lock:
                    cursor = self._conn.execute(
                        "INSERT INTO outbox (kind, key, provisional_reference, payload, state, attempts,"
                        " next_attempt_at, service_request_id, created_at, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?)",
                        (write.kind, key, reference, payload, PENDING, self._clock(), write.order_id, _stamp(),
                         _stamp()))
                return self._entry(int(cursor.lastrowid or 0))
            except sqlite3.IntegrityError:
                raced = self.find(key)
                if raced is not None:  # the same write was submitted concurrently
                    return raced
                # else: the provisional reference was drawn already this minute: draw again
        raise RuntimeError("could not allocate a provisional reference")

    def _rearm(self, entry: OutboxEntry, write: Write) -> OutboxEntry:
        """A rejected write submitted again (the citizen confirms once more): store it anew, keep its number."""
        with self._lock:
            self._conn.execute(
                "UPDATE outbox SET payload = ?, state = ?, last_error = NULL, next_attempt_at = ?, updated_at = ?"
                " WHERE id = ? AND state = ?", (write.model_dump_json(), PENDING, self._clock(), _stamp(), entry.id,
                                               FAILED))
        return self._entry(entry.id)

    def _claim(self, entry_id: int) -> bool:
        now = self._clock()
        with self._lock:
            cursor = self._conn.execute(
                "UPDATE outbox SET owner = ?, lease_until = ? WHERE id = ? AND state = ?"
                " AND (lease_until IS NULL OR lease_until <= ?)",
                (self.owner, now + self.lease, entry_id, PENDING, now))
        return cursor.rowcount == 1

    def _settle(self, entry_id: int, state: str, *, error: str | None = None, service_request_id: str | None = None,
                result: str | None = None, next_attempt_at: float | None = None) -> None:
        with self._lock:
            self._conn.execute(
                "UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ?,"
                " service_request_id = COALESCE(?, service_request_id), result = COALESCE(?, result),"
                " next_attempt_at = COALESCE(?, next_attempt_at), owner = NULL, lease_until = NULL, updated_at = ?"
                " WHERE id = ? AND owner = ?",
                (state, None if error is None else error[:500], service_request_id, result, next_attempt_at,
                 _stamp(), entry_id, self.owner))

    def _one(self, condition: str, value: object) -> OutboxEntry | None:
        with self._lock:
            row = self._conn.execute(f"SELECT {_COLUMNS} FROM outbox WHERE {condition}", (value,)).fetchone()
        return None if row is None else self._from_row(row)

    def _entry(self, entry_id: int, result: Any = None) -> OutboxEntry:
        entry = self._one("id = ?", entry_id)
        assert entry is not None
        if result is not None and entry.result is None:
            entry = replace(entry, result=result)
        return entry

    @staticmethod
    def _from_row(row: tuple[Any, ...]) -> OutboxEntry:
        entry_id, kind, key, reference, payload, state, attempts, order_id, result, last_error = row
        return OutboxEntry(id=entry_id, kind=kind, key=key, provisional_reference=reference, state=state,
                           attempts=attempts, service_request_id=order_id, last_error=last_error,
                           write=WRITE.validate_json(payload),
                           result=CreateResult.model_validate_json(result) if result else None)
