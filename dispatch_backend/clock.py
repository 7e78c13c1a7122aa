"""Time of the backend: Beijing time for working days, naive UTC in the database."""

from __future__ import annotations

import datetime as dt

from domain import BEIJING

TEST_NOW_HEADER = "X-Rexian-Test-Now"


def utcnow() -> dt.datetime:
    """Current time as a naive UTC datetime (the database representation)."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def parse_datetime(text: str) -> dt.datetime:
    """Parse an ISO 8601 / W3C datetime; a value without offset is Beijing time. Returns naive UTC."""
    value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=BEIJING)
    return value.astimezone(dt.timezone.utc).replace(tzinfo=None)


def to_local(value: dt.datetime) -> dt.datetime:
    """Naive UTC → aware Beijing time."""
    return value.replace(tzinfo=dt.timezone.utc).astimezone(BEIJING)


def to_utc(value: dt.datetime) -> dt.datetime:
    """Aware datetime → naive UTC."""
    return value.astimezone(dt.timezone.utc).replace(tzinfo=None)


def format_w3c(value: dt.datetime | None) -> str | None:
    """Naive UTC → ``2025-10-09T10:00:00+08:00`` as GeoReport wants it."""
    if value is None:
        return None
    return to_local(value).isoformat(timespec="seconds")
