"""Survey results that could not reach the dispatch backend, kept in the callback store until they can.

The bot's survey action calls :meth:`ResultQueue.put` when the backend is down; the scheduler's loop calls
:meth:`ResultQueue.flush`. Each item is claimed with one atomic UPDATE (so two schedulers never send it twice) and
goes through two steps, each remembered once done: ``record_survey``, then — when the citizen said "not resolved"
without choosing 不满意 (the backend reopens by itself only on 不满意) — ``reopen`` with the citizen's reason.
A 409 from the backend means the step is already done (recorded by an earlier try, or the order moved on).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Engine

from dispatch_client import ConflictError, DispatchAPIError, DispatchClient, DispatchUnavailable

from .db import make_engine, results, utc_naive

logger = logging.getLogger(__name__)

PENDING, DONE, FAILED = "pending", "done", "failed"
DISSATISFIED = "不满意"
DEFAULT_REOPEN_REASON = "回访：来电人反映问题未解决"


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_owner() -> str:
    """A claim owner id unique to this process and object."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class FlushReport:
    sent: int = 0
    failed: int = 0
    waiting: int = 0


class ResultQueue:
    """A small durable queue of survey results (same database as the scheduler's store)."""

    def __init__(self, store_url: str | None = None, *, engine: Engine | None = None,
                 now: Callable[[], dt.datetime] = _utcnow, lease: dt.timedelta = dt.timedelta(minutes=5)) -> None:
        if engine is None:
            if not store_url:
                raise ValueError("store_url or engine is required")
            engine = make_engine(store_url)
        self.engine = engine
        self._now = now
        self._lease = lease
        self.owner = new_owner()

    def close(self) -> None:
        self.engine.dispose()

    def put(self, service_request_id: str, resolved: bool | None, satisfaction: str | None, comment: str = "",
            reopen_reason: str | None = None) -> int:
        """Queue a result; returns its id. Never talks to the backend."""
        stamp = utc_naive(self._now())
        with self.engine.begin() as conn:
            result = conn.execute(sa.insert(results).values(
                service_request_id=service_request_id, resolved=resolved, satisfaction=satisfaction,
                comment=comment or "", reopen_reason=reopen_reason, state=PENDING, survey_recorded=False,
                attempts=0, created_at=stamp, updated_at=stamp))
            return int(result.inserted_primary_key[0])

    def pending(self) -> list[dict[str, object]]:
        """The items still waiting (for tests and the CLI)."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(results).where(results.c.state == PENDING).order_by(results.c.id)).all()
        return [dict(r._mapping) for r in rows]

    def item(self, item_id: int) -> dict[str, object] | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(results).where(results.c.id == item_id)).first()
        return dict(row._mapping) if row else None

    # ------------------------------------------------------------------ flushing
    def _update(self, item_id: int, where: list[sa.ColumnElement[bool]], values: dict[str, object]) -> bool:
        with self.engine.begin() as conn:
            return conn.execute(sa.update(results).where(results.c.id == item_id, *where)
                                .values(**values)).rowcount == 1

    def _claim(self, item_id: int, now: dt.datetime) -> bool:
        stamp = utc_naive(now)
        return self._update(item_id, [results.c.state == PENDING,
                                      sa.or_(results.c.lease_until.is_(None), results.c.lease_until <= stamp)],
                            {"owner": self.owner, "lease_until": utc_naive(now + self._lease),
                             "attempts": results.c.attempts + 1, "updated_at": stamp})

    def _mine(self) -> list[sa.ColumnElement[bool]]:
        return [results.c.owner == self.owner, results.c.state == PENDING]

    def flush(self, client: DispatchClient, limit: int = 100) -> FlushReport:
        """Send every pending item the backend accepts; stop early when the backend is unreachable."""
        now = self._now()
        stamp = utc_naive(now)
        with self.engine.connect() as conn:
            ids = conn.execute(sa.select(results.c.id).where(
                results.c.state == PENDING,
                sa.or_(results.c.lease_until.is_(None), results.c.lease_until <= stamp))
                .order_by(results.c.id).limit(limit)).scalars().all()
        sent = failed = 0
        for item_id in ids:
            if not self._claim(item_id, now):
                continue
            row = self.item(item_id)
            assert row is not None
            try:
                outcome = self._send(client, row, now)
            except DispatchUnavailable as exc:
                logger.warning("回访结果暂存：派单后台不可达，稍后重试（工单 %s）", row["service_request_id"])
                self._update(item_id, self._mine(), {"owner": None, "lease_until": None,
                                                     "last_error": str(exc)[:500], "updated_at": stamp})
                break
            if outcome:
                sent += 1
            else:
                failed += 1
        return FlushReport(sent=sent, failed=failed, waiting=len(self.pending()))

    def _send(self, client: DispatchClient, row: dict[str, object], now: dt.datetime) -> bool:
        """Both steps of one item; True when done, False when the backend rejected it for good."""
        item_id = int(row["id"])  # type: ignore[arg-type]
        order_id = str(row["service_request_id"])
        resolved = row["resolved"]
        satisfaction = row["satisfaction"]
        stamp = utc_naive(now)
        try:
            if not row["survey_recorded"] and resolved is not None and satisfaction is not None:
                try:
                    client.record_survey(order_id, resolved=bool(resolved), satisfaction=str(satisfaction),
                                         comment=str(row["comment"] or ""))
                except ConflictError:
                    logger.info("回访结果已在后台（409），视为已记录：工单 %s", order_id)
            self._update(item_id, self._mine(), {"survey_recorded": True, "updated_at": stamp})
            if resolved is False and satisfaction != DISSATISFIED:
                try:
                    client.reopen(order_id, str(row["reopen_reason"] or DEFAULT_REOPEN_REASON))
                except ConflictError:
                    logger.info("工单已复核或状态已变化（409），视为已完成：工单 %s", order_id)
        except DispatchAPIError as exc:
            logger.error("回访结果被后台拒绝，不再重试：工单 %s：%s", order_id, exc)
            self._update(item_id, self._mine(), {"state": FAILED, "owner": None, "lease_until": None,
                                                 "last_error": str(exc)[:500], "updated_at": stamp})
            return False
        self._update(item_id, self._mine(), {"state": DONE, "owner": None, "lease_until": None,
                                             "last_error": None, "updated_at": stamp})
        logger.info("回访结果已送达后台：工单 %s", order_id)
        return True
