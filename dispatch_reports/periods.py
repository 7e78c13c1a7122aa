"""The report period (inclusive dates) and its ISO weeks, clipped to the period."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

#: /metrics.json answers for at most this many days at once.
MAX_PERIOD_DAYS = 366


class PeriodError(ValueError):
    """The requested period cannot be reported (message in Chinese, for the user)."""


@dataclass(frozen=True)
class Period:
    """Registration dates ``first`` … ``last``, both included (Beijing dates)."""

    first: dt.date
    last: dt.date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise PeriodError(f"结束日期 {self.last} 早于开始日期 {self.first}。")
        if self.days > MAX_PERIOD_DAYS:
            raise PeriodError(f"统计期最长 {MAX_PERIOD_DAYS} 天，当前为 {self.days} 天；请缩短 --from/--to。")

    @property
    def end(self) -> dt.date:
        """The exclusive end, as ``/metrics.json`` wants it."""
        return self.last + dt.timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.first).days

    def weeks(self) -> list[Week]:
        """ISO weeks (Monday…Sunday) overlapping the period, the first and last clipped to it."""
        weeks: list[Week] = []
        start = self.first
        while start < self.end:
            next_monday = start + dt.timedelta(days=7 - start.weekday())
            end = min(next_monday, self.end)
            year, number, _ = start.isocalendar()
            weeks.append(Week(start=start, end=end, iso_year=year, iso_week=number))
            start = end
        return weeks


@dataclass(frozen=True)
class Week:
    """One ISO week, possibly clipped: registrations in ``[start, end)``."""

    start: dt.date
    end: dt.date
    iso_year: int
    iso_week: int

    @property
    def last(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    @property
    def label(self) -> str:
        """``2026-W40`` — the ISO week."""
        return f"{self.iso_year}-W{self.iso_week:02d}"

    @property
    def span(self) -> str:
        """``10-01~10-04`` — the dates actually covered."""
        return f"{self.start:%m-%d}~{self.last:%m-%d}"
