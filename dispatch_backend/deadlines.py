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
    #: A deadline was counted across a day whose year the calendar only knows from the statutory rule.
    provisional: bool = False


def compute(calendar: WorkingCalendar, registered_at: dt.datetime, deadline_class: str) -> Deadlines:
    """Deadlines for an order registered at ``registered_at`` (naive UTC).

    First contact within 1 working day, closure within 5 (general) or 15 (complex) working days;
    water, power and gas outages are closed within 24 calendar hours (first contact no later).
    """
    local = to_local(registered_at)
    contact_local, contact_provisional = calendar.add_working_days_checked(local, FIRST_CONTACT_WORKING_DAYS)
    first_contact = to_utc(contact_local)
    if deadline_class == "utility_24h":
        close, close_provisional = registered_at + dt.timedelta(hours=UTILITY_HOURS), False
    else:
        close_local, close_provisional = calendar.add_working_days_checked(local, CLOSE_WORKING_DAYS[deadline_class])
        close = to_utc(close_local)
    if close <= first_contact:
        contact_provisional = close_provisional
    return Deadlines(first_contact=min(first_contact, close), close=close,
                     provisional=contact_provisional or close_provisional)


def is_provisional(calendar: WorkingCalendar, registered_at: dt.datetime, due: dt.datetime | None,
                   deadline_class: str = "general") -> bool:
    """Whether a working-day deadline ``due`` of an order registered at ``registered_at`` (naive UTC) was counted
    across a provisional day (a year known only from the statutory rule). Calendar-hour deadlines never are."""
    if due is None:
        return False
    if deadline_class == "utility_24h" and due <= registered_at + dt.timedelta(hours=UTILITY_HOURS):
        return False
    first = to_local(registered_at).date() + dt.timedelta(days=1)
    return calendar.span_provisional(first, to_local(due).date())


def review_deadline(calendar: WorkingCalendar, reopened_at: dt.datetime) -> dt.datetime:
    """回访复核: a reopened order is handled again within 5 working days."""
    return to_utc(calendar.add_working_days(to_local(reopened_at), REVIEW_WORKING_DAYS))


def extended_deadline(calendar: WorkingCalendar, registered_at: dt.datetime) -> dt.datetime:
    """延期: the longest allowed closure deadline, 15 working days after registration."""
    return to_utc(calendar.add_working_days(to_local(registered_at), MAX_WORKING_DAYS))
