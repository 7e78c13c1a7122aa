"""Working days of the official Chinese calendar, best source per year (see :mod:`.holiday_sources`).

Per year: the operator's official notice in ``holidays.yml`` (``years:``) > ``chinese-calendar`` > the
``holidays`` package (years it has 调休 for) > the statutory rule computed with the lunar calendar, which is
**provisional**. A year is never counted as plain Monday–Friday. The top-level ``holidays`` / ``workdays`` of
``holidays.yml`` are local overrides applied on top of every year's source.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from pathlib import Path
from typing import Any

import yaml

from .holiday_sources import OperatorFile, YearCalendar, best_source, load_operator_file

logger = logging.getLogger(__name__)


class WorkingCalendar:
    """Answers "is this a working day?" and adds working days to a local datetime."""

    def __init__(self, holidays: set[dt.date] | None = None, workdays: set[dt.date] | None = None,
                 operator: OperatorFile | None = None, path: Path | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._set_operator(operator or OperatorFile(holidays=set(holidays or ()), workdays=set(workdays or ())))

    def _set_operator(self, operator: OperatorFile) -> None:
        self._operator = operator
        self._years: dict[int, YearCalendar] = {}
        self._mtime = self._file_mtime()

    def _file_mtime(self) -> float | None:
        try:
            return self.path.stat().st_mtime if self.path is not None else None
        except OSError:
            return None

    @classmethod
    def from_file(cls, path: Path) -> "WorkingCalendar":
        """Load the operator holiday file; a missing file means no overrides and no notices."""
        return cls(operator=load_operator_file(path), path=path)

    def reload(self) -> None:
        """Re-read ``holidays.yml`` (after an import)."""
        if self.path is not None:
            with self._lock:
                self._set_operator(load_operator_file(self.path))

    def reload_if_changed(self) -> bool:
        """Reload ``holidays.yml`` when it changed on disk since it was read; True when it did."""
        if self.path is None or self._file_mtime() == self._mtime:
            return False
        self.reload()
        return True

    # ------------------------------------------------------------------ per year
    def year(self, year: int) -> YearCalendar:
        """The calendar ``year`` uses (cached)."""
        found = self._years.get(year)
        if found is None:
            found = best_source(year, self._operator)
            self._years[year] = found
        return found

    def source(self, year: int) -> str:
        return self.year(year).source

    def is_provisional_year(self, year: int) -> bool:
        return self.year(year).provisional

    def provisional_years(self, years: list[int] | range) -> list[int]:
        return [y for y in years if self.is_provisional_year(y)]

    # ------------------------------------------------------------------ days
    def is_working_day(self, day: dt.date) -> bool:
        """True when ``day`` is a working day."""
        if day in self._operator.holidays:
            return False
        if day in self._operator.workdays:
            return True
        return self.year(day.year).is_working_day(day)

    def is_provisional(self, day: dt.date) -> bool:
        """True when whether ``day`` is a working day is only computed from the statutory rule."""
        if day in self._operator.holidays or day in self._operator.workdays:
            return False
        return self.year(day.year).provisional

    def span_provisional(self, first: dt.date, last: dt.date) -> bool:
        """True when a day in ``first`` … ``last`` (inclusive) is provisional."""
        return any(self.is_provisional_year(y) and self._any_provisional(max(first, dt.date(y, 1, 1)),
                                                                          min(last, dt.date(y, 12, 31)))
                   for y in range(first.year, last.year + 1))

    def _any_provisional(self, first: dt.date, last: dt.date) -> bool:
        day = first
        while day <= last:
            if self.is_provisional(day):
                return True
            day += dt.timedelta(days=1)
        return False

    def add_working_days(self, start: dt.datetime, days: int) -> dt.datetime:
        """The same local clock time on the ``days``-th working day after ``start``'s date.

        Counting starts the day after ``start``: an order registered on Tuesday 2025-09-30 with
        one working day to go is due on Thursday 2025-10-09 (National Day holiday in between).
        """
        return self.add_working_days_checked(start, days)[0]

    def add_working_days_checked(self, start: dt.datetime, days: int) -> tuple[dt.datetime, bool]:
        """:meth:`add_working_days` and whether the count crossed a provisional day."""
        day = start.date()
        remaining = days
        provisional = False
        while remaining > 0:
            day += dt.timedelta(days=1)
            provisional = provisional or self.is_provisional(day)
            if self.is_working_day(day):
                remaining -= 1
        return dt.datetime.combine(day, start.timetz()), provisional

    # ------------------------------------------------------------------ status
    def status(self, today: dt.date) -> dict[str, Any]:
        """The ``calendar`` block of the health endpoint: sources of this and next year, provisional years."""
        years = [today.year, today.year + 1]
        return {
            "sources": {str(y): self.source(y) for y in years},
            "provisional_years": self.provisional_years(years),
            "operator_years": sorted(self._operator.years),
        }

    def warnings(self, today: dt.date) -> list[str]:
        """Warnings for the operator while this or next year is provisional."""
        return [f"{y} 年的节假日安排尚未载入（来源：按法定规则推算，不含调休），涉及该年的工单时限为暂定值；"
                f"国务院办公厅通知公布后请执行 rexian dispatch holidays import FILE 或更新 holidays.yml。"
                for y in self.provisional_years([today.year, today.year + 1])]

    # ------------------------------------------------------------------ operator import
    def import_notice(self, year: int, holidays: set[dt.date], workdays: set[dt.date], notice: str = "") -> None:
        """Write one year's official arrangement into ``holidays.yml`` (``years:``) and reload."""
        if self.path is None:
            raise ValueError("这个日历没有关联 holidays.yml，无法导入")
        write_year(self.path, year, holidays, workdays, notice)
        self.reload()


def write_year(path: Path, year: int, holidays: set[dt.date], workdays: set[dt.date], notice: str = "") -> None:
    """Replace ``years.<year>`` of ``holidays.yml``, keeping the rest of the file's data (comments are lost
    only when the file had no ``years:`` block yet — the header comment is kept)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    data = yaml.safe_load(text) or {}
    header = "".join(line + "\n" for line in text.splitlines() if line.startswith("#"))
    years = {int(k): v for k, v in (data.get("years") or {}).items()}
    years[year] = {
        "notice": notice,
        "holidays": [d.isoformat() for d in sorted(holidays)],
        "workdays": [d.isoformat() for d in sorted(workdays)],
    }
    data["years"] = dict(sorted(years.items()))
    data.setdefault("holidays", [])
    data.setdefault("workdays", [])
    body = yaml.safe_dump({"holidays": [str(d) for d in data["holidays"]],
                           "workdays": [str(d) for d in data["workdays"]],
                           "years": data["years"]}, allow_unicode=True, sort_keys=False)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(header + body, encoding="utf-8")
    tmp.replace(path)
