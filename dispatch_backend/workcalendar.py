"""Working days of the official Chinese calendar, with an operator holiday file as fallback.

Years that the ``chinese-calendar`` package knows use its public holidays and adjusted working
days (调休). Other years count Monday–Friday as working days. In every year the operator file
(``holidays.yml``) wins: its ``holidays`` are days off, its ``workdays`` are working days.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import chinese_calendar
import yaml


class WorkingCalendar:
    """Answers "is this a working day?" and adds working days to a local datetime."""

    def __init__(self, holidays: set[dt.date] | None = None, workdays: set[dt.date] | None = None) -> None:
        self._holidays = holidays or set()
        self._workdays = workdays or set()

    @classmethod
    def from_file(cls, path: Path) -> "WorkingCalendar":
        """Load the operator holiday file; a missing file means no overrides."""
        if not path.exists():
            return cls()
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        parse = lambda items: {dt.date.fromisoformat(str(x)) for x in (items or [])}  # noqa: E731
        return cls(parse(data.get("holidays")), parse(data.get("workdays")))

    def is_working_day(self, day: dt.date) -> bool:
        """True when ``day`` is a working day."""
        if day in self._holidays:
            return False
        if day in self._workdays:
            return True
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            return day.weekday() < 5

    def add_working_days(self, start: dt.datetime, days: int) -> dt.datetime:
        """The same local clock time on the ``days``-th working day after ``start``'s date.

        Counting starts the day after ``start``: an order registered on Tuesday 2025-09-30 with
        one working day to go is due on Thursday 2025-10-09 (National Day holiday in between).
        """
        day = start.date()
        remaining = days
        while remaining > 0:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return dt.datetime.combine(day, start.timetz())
