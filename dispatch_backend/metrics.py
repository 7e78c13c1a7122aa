"""Period metrics: 按时办结率 (on-time closure), 解决率 (resolution), 满意率 (satisfaction).

Over orders *registered* in ``[start, end)``:

* on-time closure rate = orders whose first closure met the deadline ÷ (closed orders + never-closed
  orders already past their deadline at ``now``); orders still within their deadline are not judged
  yet, and an order reopened for review keeps the verdict of its first closure;
* resolution rate = surveys answering "resolved" ÷ surveys;
* satisfaction rate = (满意 + 基本满意) ÷ surveys.

A rate with an empty denominator is ``null``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from .catalog import Catalog
from .db import Database
from .models import WorkOrder


@dataclass
class _Tally:
    total: int = 0
    closed: int = 0
    closed_on_time: int = 0
    open_overdue: int = 0
    surveyed: int = 0
    resolved: int = 0
    satisfied: int = 0

    def add(self, row: Any, now: dt.datetime) -> None:
        self.total += 1
        if row.closed_at is not None:
            self.closed += 1
            self.closed_on_time += bool(row.closed_on_time)
        elif row.expected_at < now:
            self.open_overdue += 1
        if row.survey_at is not None:
            self.surveyed += 1
            self.resolved += bool(row.survey_resolved)
            self.satisfied += row.survey_satisfaction in ("满意", "基本满意")

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
        }


def compute(db: Database, catalog: Catalog, start: dt.datetime, end: dt.datetime, now: dt.datetime) -> dict[str, Any]:
    """Overall and per-department metrics of orders registered in ``[start, end)`` (naive UTC)."""
    columns = (WorkOrder.department, WorkOrder.closed_at, WorkOrder.closed_on_time, WorkOrder.expected_at,
               WorkOrder.survey_at, WorkOrder.survey_resolved, WorkOrder.survey_satisfaction)
    overall = _Tally()
    per_dept: dict[str, _Tally] = {}
    with db.read() as session:
        rows = session.execute(
            select(*columns).where(WorkOrder.requested_at >= start, WorkOrder.requested_at < end)
        )
        for row in rows:
            overall.add(row, now)
            per_dept.setdefault(row.department, _Tally()).add(row, now)
    return {
        "overall": overall.json(),
        "departments": [
            {"department": code, "department_name": catalog.departments[code].name
             if code in catalog.departments else code, **tally.json()}
            for code, tally in sorted(per_dept.items())
        ],
    }
