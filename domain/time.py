"""The hotline's clock: Beijing time (China Standard Time, UTC+8, no daylight saving)."""

from __future__ import annotations

import datetime as dt

#: China Standard Time. Deadlines, quiet hours, reference numbers and the citizen's "今天/明天" all use it.
BEIJING = dt.timezone(dt.timedelta(hours=8), name="Asia/Shanghai")


def beijing_now() -> dt.datetime:
    """The current time, aware, in Beijing time."""
    return dt.datetime.now(BEIJING)
