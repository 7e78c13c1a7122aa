"""Deadlines of a 12345 work order (first contact, closure, review) in working days."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .clock import to_local, to_utc
from .workcalendar import WorkingCalendar

FIRST_CONTACT_WORKING_DAYS = 1
CLOSE_WORKING_DAYS = {"general": 5, "complex": 15}
#: No order may take longer than this, extensions included.
MAX_WORKING_DAYS = 15
UTILITY_HOURS = 24
REVIEW_WORKING_DAYS = 5


@dataclass(frozen=True)
class Deadlines:
    """Due times (naive UTC)."""

    first_contact: dt.datetime
    close: dt.datetime


def compute(calendar: WorkingCalendar, registered_at: dt.datetime, deadline_class: str) -> Deadlines:
    """Deadlines for an order registered at ``registered_at`` (naive UTC).

    First contact within 1 working day, closure within 5 (general) or 15 (complex) working days;
    water, power and gas outages are closed within 24 calendar hours (first contact no later).
    """
    local = to_local(registered_at)
    first_contact = to_utc(calendar.add_working_days(local, FIRST_CONTACT_WORKING_DAYS))
    if deadline_class == "utility_24h":
        close = registered_at + dt.timedelta(hours=UTILITY_HOURS)
    else:
        close = to_utc(calendar.add_working_days(local, CLOSE_WORKING_DAYS[deadline_class]))
    return Deadlines(first_contact=min(first_contact, close), close=close)


def review_deadline(calendar: WorkingCalendar, reopened_at: dt.datetime) -> dt.datetime:
    """回访复核: a reopened order is handled again within 5 working days."""
    return to_utc(calendar.add_working_days(to_local(reopened_at), REVIEW_WORKING_DAYS))


def extended_deadline(calendar: WorkingCalendar, registered_at: dt.datetime) -> dt.datetime:
    """延期: the longest allowed closure deadline, 15 working days after registration."""
    return to_utc(calendar.add_working_days(to_local(registered_at), MAX_WORKING_DAYS))
