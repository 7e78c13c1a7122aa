"""Reads of work orders: the filtered list, one order, the change feed. (Writes go through :mod:`.workflow`.)

The HTTP layer parses and checks the parameters into an :class:`OrderFilter`; this module only turns it into SQL.
The orders come back detached but complete (notes and surveys are loaded with them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from .db import Database
from .errors import NotFound
from .models import WorkOrder


@dataclass(frozen=True)
class OrderFilter:
    """What ``GET /requests.json`` asks for. With ``ids`` the other criteria are ignored (GeoReport)."""

    limit: int
    ids: tuple[str, ...] = ()
    #: Registration time range, naive UTC, both ends included.
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    service_codes: tuple[str, ...] = ()
    #: GeoReport statuses (``open`` / ``closed``).
    statuses: tuple[str, ...] = ()
    department: str | None = None
    supervised: bool | None = None
    #: The citizen on a channel (both or neither).
    channel: str | None = None
    channel_user_id: str | None = None


@dataclass(frozen=True)
class ChangePage:
    """One page of the change feed: orders changed after the cursor, oldest change first."""

    orders: list[WorkOrder]
    cursor: int
    has_more: bool


class Orders:
    """Read-only queries over the work orders."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def list(self, wanted: OrderFilter) -> list[WorkOrder]:
        """The orders matching ``wanted``, newest registration first, at most ``wanted.limit``."""
        query = select(WorkOrder)
        if wanted.ids:
            query = query.where(WorkOrder.service_request_id.in_(wanted.ids[:wanted.limit]))
        else:
            if wanted.start is not None:
                query = query.where(WorkOrder.requested_at >= wanted.start)
            if wanted.end is not None:
                query = query.where(WorkOrder.requested_at <= wanted.end)
            if wanted.service_codes:
                query = query.where(WorkOrder.service_code.in_(wanted.service_codes))
            if wanted.statuses:
                query = query.where(WorkOrder.status.in_(wanted.statuses))
            if wanted.department:
                query = query.where(WorkOrder.department == wanted.department)
            if wanted.supervised is not None:
                query = query.where(WorkOrder.supervised.is_(wanted.supervised))
            if wanted.channel_user_id:
                query = query.where(WorkOrder.channel == wanted.channel,
                                    WorkOrder.channel_user_id == wanted.channel_user_id)
        query = query.order_by(WorkOrder.requested_at.desc(), WorkOrder.id.desc()).limit(wanted.limit)
        with self.db.read() as session:
            return list(session.execute(query).scalars())

    def get(self, service_request_id: str) -> WorkOrder:
        """One order (404 when there is none)."""
        with self.db.read() as session:
            order = session.execute(
                select(WorkOrder).where(WorkOrder.service_request_id == service_request_id)
            ).scalar_one_or_none()
        if order is None:
            raise NotFound(f"工单 {service_request_id} 不存在，请检查 service_request_id。")
        return order

    def changed_since(self, cursor: int, limit: int) -> ChangePage:
        """Up to ``limit`` orders whose last change came after ``cursor``, each once, in its current state."""
        with self.db.read() as session:
            orders = list(session.execute(
                select(WorkOrder).where(WorkOrder.change_seq > cursor)
                .order_by(WorkOrder.change_seq).limit(limit + 1)
            ).scalars())
        page = orders[:limit]
        return ChangePage(page, page[-1].change_seq if page else cursor, len(orders) > limit)
