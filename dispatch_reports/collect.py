"""Read the rates from the backend's ``GET /metrics.json``: once for the period, once per ISO week."""

from __future__ import annotations

import logging

from dispatch_client import DispatchClient

from .model import RateRow, Report, WeekPoint
from .periods import Period

logger = logging.getLogger(__name__)

OVERALL_NAME = "全部部门"


def collect(client: DispatchClient, period: Period, weekly: bool = True) -> Report:
    """The report of orders registered from ``period.first`` to ``period.last`` (Beijing dates, inclusive)."""
    metrics = client.metrics(period.first, period.end)
    departments = [RateRow.from_tally(d, d.department_name, d.department) for d in metrics.departments]
    departments.sort(key=lambda row: (-row.total, row.code or ""))
    report = Report(period=period, overall=RateRow.from_tally(metrics.overall, OVERALL_NAME, None),
                    departments=departments)
    if weekly:
        for week in period.weeks():
            week_metrics = client.metrics(week.start, week.end)
            report.weeks.append(WeekPoint(week, RateRow.from_tally(week_metrics.overall, OVERALL_NAME, None)))
        logger.debug("collected %d weeks", len(report.weeks))
    return report
