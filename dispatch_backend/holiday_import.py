"""Loading an official holiday notice and recomputing the deadlines of open orders.

``rexian dispatch holidays import FILE`` (see :mod:`.cli`) writes the year into ``holidays.yml`` and calls
:func:`recompute_open_orders`; the backend does the same at start-up and when its sweeper sees ``holidays.yml``
change, so a hand-edited file or a package upgrade that brings a new year also corrects open orders.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import select

from domain import REOPENED

from . import deadlines
from .clock import format_w3c
from .models import WorkOrder
from .workcalendar import WorkingCalendar

logger = logging.getLogger(__name__)

NOTE_KIND = "deadline_recomputed"


@dataclass(frozen=True)
class Recomputed:
    service_request_id: str
    first_contact_due: tuple[dt.datetime, dt.datetime] | None  # (old, new) when changed
    expected: tuple[dt.datetime, dt.datetime] | None


def planned_deadlines(calendar: WorkingCalendar, order: WorkOrder) -> tuple[dt.datetime, dt.datetime]:
    """The first-contact and closure deadlines ``order`` should have under ``calendar``, following its history
    (a review after reopening, an extension); a first contact already made keeps its deadline."""
    first_contact, expected = order.first_contact_due, order.expected_at
    if order.reopen_count:
        reopened = [n.at for n in order.notes if n.kind == REOPENED]
        if reopened:
            expected = deadlines.review_deadline(calendar, reopened[-1])
        return first_contact, expected
    base = deadlines.compute(calendar, order.requested_at, order.deadline_class)
    if order.first_contacted_at is None:
        first_contact = base.first_contact
    if any(n.kind == "extended" for n in order.notes):
        expected = deadlines.extended_deadline(calendar, order.requested_at)
    else:
        expected = base.close
    return first_contact, expected


def recompute_open_orders(workflow, calendar: WorkingCalendar, now: dt.datetime, reason: str) -> list[Recomputed]:
    """Recompute the deadlines of every open order; changed orders get the new values, a history note
    (``deadline_recomputed``) and a change-feed entry. Returns what changed."""
    changes: list[Recomputed] = []
    with workflow.db.write() as session:
        query = select(WorkOrder).where(WorkOrder.status == "open").order_by(WorkOrder.id)
        if not workflow.db.is_sqlite:
            query = query.with_for_update()
        changed_orders = []
        for order in session.execute(query).scalars():
            first_contact, expected = planned_deadlines(calendar, order)
            fc_change = (order.first_contact_due, first_contact) if first_contact != order.first_contact_due else None
            exp_change = (order.expected_at, expected) if expected != order.expected_at else None
            if not (fc_change or exp_change):
                continue
            parts = []
            if fc_change:
                parts.append(f"首次联系时限 {format_w3c(fc_change[0])} → {format_w3c(fc_change[1])}")
                order.first_contact_due = first_contact
            if exp_change:
                parts.append(f"办结时限 {format_w3c(exp_change[0])} → {format_w3c(exp_change[1])}")
                order.expected_at = expected
            workflow._note(order, now, "系统", NOTE_KIND, f"节假日安排更新（{reason}），重新计算时限：{'；'.join(parts)}。")
            changed_orders.append(order)
            changes.append(Recomputed(order.service_request_id or "", fc_change, exp_change))
        workflow._bump(session, changed_orders)
    if changes:
        logger.warning("holiday calendar changed (%s): deadlines of %d open orders recomputed", reason, len(changes))
    return changes
