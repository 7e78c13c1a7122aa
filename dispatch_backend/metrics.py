"""Period metrics: 按时办结率 (on-time closure), 解决率 (resolution), 满意率 (satisfaction).

Over orders *registered* in ``[start, end)``:

* on-time closure rate = orders whose first closure met the deadline ÷ (closed orders + never-closed
  orders already past their deadline at ``now``); orders still within their deadline are not judged
  yet, and an order reopened for review keeps the verdict of its first closure;
* resolution rate (解决率) = surveyed orders whose *first* survey answered "resolved" ÷ surveyed orders;
* satisfaction rate (满意率) = surveyed orders whose *first* survey was 满意 or 基本满意 ÷ surveyed orders.

The first survey (初次回访) is the one about the order's first closure that was surveyed. An order keeps every
survey: "not resolved" or 不满意 reopens it for review (回访复核), and after the next closure it is surveyed again.
That re-survey never replaces the first one in the two rates, so an initial 不满意 stays counted. The re-surveys are
reported apart: ``resurveys`` (surveys after an order's first), and ``final_resolution_rate`` /
``final_satisfaction_rate``, the same rates on each surveyed order's *latest* survey (the outcome after review).

A rate with an empty denominator is ``null``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from domain import SATISFIED_LEVELS

from .catalog import Catalog
from .db import Database
from .models import Survey, WorkOrder


@dataclass
class _Tally:
    total: int = 0
    closed: int = 0
    closed_on_time: int = 0
    open_overdue: int = 0
    surveyed: int = 0
    resolved: int = 0
    satisfied: int = 0
    resurveys: int = 0
    final_resolved: int = 0
    final_satisfied: int = 0

    def add(self, row: Any, surveys: list[Any], now: dt.datetime) -> None:
        """Count one order; ``surveys`` are its surveys, oldest closure first."""
        self.total += 1
        if row.closed_at is not None:
            self.closed += 1
            self.closed_on_time += bool(row.closed_on_time)
        elif row.expected_at < now:
            self.open_overdue += 1
        if surveys:
            first, latest = surveys[0], surveys[-1]
            self.surveyed += 1
            self.resolved += bool(first.resolved)
            self.satisfied += first.satisfaction in SATISFIED_LEVELS
            self.resurveys += len(surveys) - 1
            self.final_resolved += bool(latest.resolved)
            self.final_satisfied += latest.satisfaction in SATISFIED_LEVELS

    def json(self) -> dict[str, Any]:
        def rate(num: int, den: int) -> float | None:
            return round(num / den, 4) if den else None

        judged = self.closed + self.open_overdue
        return {
            "total": self.total, "closed": self.closed, "closed_on_time": self.closed_on_time,
            "open_overdue": self.open_overdue, "surveyed": self.surveyed, "resolved": self.resolved,
            "satisfied": self.satisfied,
            "on_time_closure_rate": rate(self.closed_on_time, judged),
            "resolution_rate": rate(self.resolved, self.surveyed),
            "satisfaction_rate": rate(self.satisfied, self.surveyed),
            "resurveys": self.resurveys, "final_resolved": self.final_resolved,
            "final_satisfied": self.final_satisfied,
            "final_resolution_rate": rate(self.final_resolved, self.surveyed),
            "final_satisfaction_rate": rate(self.final_satisfied, self.surveyed),
        }


def compute(db: Database, catalog: Catalog, start: dt.datetime, end: dt.datetime, now: dt.datetime) -> dict[str, Any]:
    """Overall and per-department metrics of orders registered in ``[start, end)`` (naive UTC)."""
    columns = (WorkOrder.id, WorkOrder.department, WorkOrder.closed_at, WorkOrder.closed_on_time,
               WorkOrder.expected_at)
    registered = (WorkOrder.requested_at >= start, WorkOrder.requested_at < end)
    overall = _Tally()
    per_dept: dict[str, _Tally] = {}
    with db.read() as session:
        surveys: dict[int, list[Any]] = {}
        for survey in session.execute(
            select(Survey.order_id, Survey.resolved, Survey.satisfaction)
            .join(WorkOrder, WorkOrder.id == Survey.order_id).where(*registered)
            .order_by(Survey.order_id, Survey.closure)
        ):
            surveys.setdefault(survey.order_id, []).append(survey)
        for row in session.execute(select(*columns).where(*registered)):
            answers = surveys.get(row.id, [])
            overall.add(row, answers, now)
            per_dept.setdefault(row.department, _Tally()).add(row, answers, now)
    return {
        "overall": overall.json(),
        "departments": [
            {"department": code, "department_name": catalog.departments[code].name
             if code in catalog.departments else code, **tally.json()}
            for code, tally in sorted(per_dept.items())
        ],
    }
