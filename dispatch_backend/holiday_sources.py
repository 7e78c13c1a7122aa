"""Where the days off of one year come from, best source first.

1. ``operator`` — the official notice (国务院办公厅关于某年部分节假日安排的通知) as the operator loaded it into
   ``holidays.yml`` (``years:`` block, see :func:`load_operator_file`);
2. ``chinese_calendar`` — the ``chinese-calendar`` package, for the years it knows (official notices);
3. ``holidays`` — the ``holidays`` package's China calendar, for the years it has adjusted working days (调休) for,
   i.e. the years it took from an official notice (for later years it only extrapolates);
4. ``statutory`` — computed from the national rule (《全国年节及纪念日放假办法》, 2025 revision) with the lunar
   calendar of ``borax``: 元旦 1 day, 春节 4 days from 除夕, 清明 1, 劳动节 2 from 1 May, 端午 1, 中秋 1,
   国庆 3 from 1 October; a holiday on a Saturday/Sunday, or on another holiday, is made up on the next working
   day (补假, article 6). The notice's adjusted working days (调休) cannot be predicted, so this year is
   **provisional** until the operator loads the notice or a package release brings it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

OPERATOR = "operator"
CHINESE_CALENDAR = "chinese_calendar"
HOLIDAYS_PACKAGE = "holidays"
STATUTORY = "statutory"


@dataclass(frozen=True)
class YearCalendar:
    """The non-weekend days off (``holidays``) and the weekend working days (``workdays``) of one year."""

    year: int
    source: str
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date] = frozenset()
    provisional: bool = False
    note: str = ""

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.holidays:
            return False
        if day in self.workdays:
            return True
        return day.weekday() < 5


# ------------------------------------------------------------------ chinese_calendar
def from_chinese_calendar(year: int) -> YearCalendar | None:
    """The year from ``chinese-calendar``, or None when the package does not know it."""
    import chinese_calendar

    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
    except NotImplementedError:
        return None
    holidays = frozenset(d for d in chinese_calendar.holidays if d.year == year)
    workdays = frozenset(d for d in chinese_calendar.workdays if d.year == year)
    if not holidays:
        return None
    return YearCalendar(year, CHINESE_CALENDAR, holidays, workdays)


# ------------------------------------------------------------------ holidays package
def holidays_package_years() -> set[int]:
    """Years for which the ``holidays`` package's China calendar has adjusted working days (official data)."""
    return set(_holidays_official_years())


@lru_cache(maxsize=1)
def _holidays_official_years() -> tuple[int, ...]:
    try:
        import holidays
    except ImportError:  # pragma: no cover - the package is a requirement; degrade to the next source
        return ()
    cn = holidays.China(years=range(2000, dt.date.today().year + 3))
    return tuple(sorted({d.year for d in cn.weekend_workdays}))


def from_holidays_package(year: int) -> YearCalendar | None:
    """The year from the ``holidays`` package, only when it holds that year's official notice (调休)."""
    if year not in _holidays_official_years():
        return None
    import holidays

    cn = holidays.China(years=year)
    days_off = frozenset(d for d in cn if d.year == year and d.weekday() < 5)
    workdays = frozenset(d for d in cn.weekend_workdays if d.year == year)
    return YearCalendar(year, HOLIDAYS_PACKAGE, days_off, workdays)


# ------------------------------------------------------------------ statutory rule
def statutory_holidays(year: int) -> dict[dt.date, str]:
    """The statutory days off of ``year`` (no 补假), from the national rule and the lunar calendar."""
    from borax.calendars.lunardate import LunarDate, TermUtils

    days: dict[dt.date, str] = {}

    def add(day: dt.date, name: str, count: int = 1) -> None:
        for i in range(count):
            d = day + dt.timedelta(days=i)
            days[d] = f"{days[d]}、{name}" if d in days else name

    add(dt.date(year, 1, 1), "元旦")
    add(LunarDate(year, 1, 1).to_solar_date() - dt.timedelta(days=1), "春节", 4)  # 除夕 … 正月初三
    add(TermUtils.nth_term_day(year, term_name="清明"), "清明节")
    add(dt.date(year, 5, 1), "劳动节", 2)
    add(LunarDate(year, 5, 5).to_solar_date(), "端午节")
    add(LunarDate(year, 8, 15).to_solar_date(), "中秋节")
    add(dt.date(year, 10, 1), "国庆节", 3)
    return days


@lru_cache(maxsize=64)
def from_statutory_rule(year: int) -> YearCalendar:
    """The year computed from the national rule (provisional): statutory days plus 补假."""
    statutory = statutory_holidays(year)
    off = set(statutory)
    for day in sorted(statutory):
        # one day off per holiday: a holiday on a weekend or on another holiday is made up on the next weekday
        make_up = statutory[day].count("、") + (1 if day.weekday() >= 5 else 0)
        for _ in range(make_up):
            off.add(_next_free_weekday(day, off))
    holidays = frozenset(d for d in off if d.weekday() < 5 and d.year == year)
    return YearCalendar(year, STATUTORY, holidays, frozenset(), provisional=True,
                        note="按《全国年节及纪念日放假办法》推算（含补假，不含调休），待国务院办公厅通知公布后更新")


def _next_free_weekday(day: dt.date, off: set[dt.date]) -> dt.date:
    d = day + dt.timedelta(days=1)
    while d in off or d.weekday() >= 5:
        d += dt.timedelta(days=1)
    return d


# ------------------------------------------------------------------ operator file
@dataclass
class OperatorFile:
    """``holidays.yml``: per-year official notices plus local overrides valid in every year."""

    years: dict[int, YearCalendar] = field(default_factory=dict)
    holidays: set[dt.date] = field(default_factory=set)
    workdays: set[dt.date] = field(default_factory=set)


def _dates(items: Any) -> set[dt.date]:
    return {d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d).strip()) for d in (items or [])}


def load_operator_file(path: Path) -> OperatorFile:
    """Parse ``holidays.yml`` (a missing file means nothing loaded).

    ``years: {2027: {notice: ..., holidays: [...], workdays: [...]}}`` — the complete arrangement of a year (its
    days off and its adjusted working days); top-level ``holidays`` / ``workdays`` are local overrides that apply
    on top of whichever source a year uses.
    """
    if not path.exists():
        return OperatorFile()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    result = OperatorFile(holidays=_dates(data.get("holidays")), workdays=_dates(data.get("workdays")))
    for key, entry in (data.get("years") or {}).items():
        year = int(key)
        entry = entry or {}
        off, work = _dates(entry.get("holidays")), _dates(entry.get("workdays"))
        wrong = sorted(d for d in off | work if d.year != year)
        if wrong:
            raise ValueError(f"{path}: years.{year} 中的日期 {wrong[0].isoformat()} 不属于 {year} 年")
        result.years[year] = YearCalendar(year, OPERATOR, frozenset(off), frozenset(work),
                                          note=str(entry.get("notice") or ""))
    return result


def parse_notice(path: Path) -> tuple[int, set[dt.date], set[dt.date], str]:
    """Read one year's official arrangement from YAML, JSON or CSV (for ``rexian dispatch holidays import``).

    YAML/JSON: ``{"year": 2027, "notice": "...", "holidays": [...], "workdays": [...]}`` (``year`` optional
    when the dates say it). CSV: rows ``date,kind[,name]`` with kind ``holiday``/``休`` or ``workday``/``班``.
    Returns (year, days off, adjusted working days, notice).
    """
    text = path.read_text(encoding="utf-8-sig")
    off: set[dt.date] = set()
    work: set[dt.date] = set()
    notice = ""
    year: int | None = None
    if path.suffix.lower() == ".csv":
        import csv

        for row in csv.reader(text.splitlines()):
            if not row or not row[0].strip() or row[0].strip().startswith("#") or row[0].strip() == "date":
                continue
            day = dt.date.fromisoformat(row[0].strip())
            kind = (row[1].strip().lower() if len(row) > 1 else "holiday")
            if kind in ("holiday", "休", "off", "h"):
                off.add(day)
            elif kind in ("workday", "班", "work", "w"):
                work.add(day)
            else:
                raise ValueError(f"{path}: 无法识别的类型 {kind!r}（应为 holiday/休 或 workday/班）")
    else:
        import json

        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
        if not isinstance(data, dict):
            raise ValueError(f"{path}: 应为包含 holidays / workdays 的对象")
        off, work = _dates(data.get("holidays")), _dates(data.get("workdays"))
        notice = str(data.get("notice") or "")
        year = int(data["year"]) if data.get("year") else None
    years = {d.year for d in off | work}
    if year is None:
        if len(years) != 1:
            raise ValueError(f"{path}: 文件应只包含一个年份的安排（发现 {sorted(years) or '无日期'}）")
        year = years.pop()
    elif years - {year}:
        raise ValueError(f"{path}: 日期 {sorted(d for d in off | work if d.year != year)[0]} 不属于 {year} 年")
    if not off:
        raise ValueError(f"{path}: 没有放假日期")
    both = off & work
    if both:
        raise ValueError(f"{path}: {sorted(both)[0]} 同时是放假日和调休上班日")
    return year, off, work, notice


def best_source(year: int, operator: OperatorFile | None = None) -> YearCalendar:
    """The best-known calendar of ``year``."""
    if operator is not None and year in operator.years:
        return operator.years[year]
    return from_chinese_calendar(year) or from_holidays_package(year) or from_statutory_rule(year)
