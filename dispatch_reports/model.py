"""Rates with the counts behind them, per department, for the period and for each week."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dispatch_client.models import MetricTally

from .periods import Period, Week

#: Shown for a rate with nothing to count.
NO_VALUE = "—"
RATE_KEYS = ("on_time", "resolution", "satisfaction")
RATE_NAMES = {"on_time": "按时办结率", "resolution": "解决率", "satisfaction": "满意率"}


@dataclass(frozen=True)
class Rate:
    """``numerator / denominator``; no value when the denominator is 0."""

    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    def text(self) -> str:
        """``75.0% (3/4)``, or ``—`` when there is nothing to count."""
        value = self.value
        if value is None:
            return NO_VALUE
        return f"{value * 100:.1f}% ({self.numerator}/{self.denominator})"

    def json(self) -> dict[str, Any]:
        value = self.value
        return {"rate": None if value is None else round(value, 4),
                "numerator": self.numerator, "denominator": self.denominator}


@dataclass(frozen=True)
class RateRow:
    """The three rates of one department (or of all departments: ``code`` is ``None``)."""

    name: str
    code: str | None
    total: int
    on_time: Rate
    resolution: Rate
    satisfaction: Rate

    @classmethod
    def from_tally(cls, tally: MetricTally, name: str, code: str | None) -> RateRow:
        """Build from a ``/metrics.json`` tally: 按时办结率 counts closed + never-closed overdue orders."""
        return cls(
            name=name, code=code, total=tally.total,
            on_time=Rate(tally.closed_on_time, tally.closed + tally.open_overdue),
            resolution=Rate(tally.resolved, tally.surveyed),
            satisfaction=Rate(tally.satisfied, tally.surveyed),
        )

    def rate(self, key: str) -> Rate:
        return {"on_time": self.on_time, "resolution": self.resolution, "satisfaction": self.satisfaction}[key]

    def json(self) -> dict[str, Any]:
        return {"department": self.code, "department_name": self.name, "total": self.total,
                **{f"{key}_rate": self.rate(key).json() for key in RATE_KEYS}}


@dataclass(frozen=True)
class WeekPoint:
    """The overall rates of orders registered in one (clipped) ISO week."""

    week: Week
    overall: RateRow

    def json(self) -> dict[str, Any]:
        return {"week": self.week.label, "start": self.week.start.isoformat(), "last": self.week.last.isoformat(),
                **{k: v for k, v in self.overall.json().items() if k not in ("department", "department_name")}}


@dataclass
class Report:
    """Everything ``rexian report`` shows."""

    period: Period
    overall: RateRow
    departments: list[RateRow]
    weeks: list[WeekPoint] = field(default_factory=list)

    def json(self) -> dict[str, Any]:
        return {
            "from": self.period.first.isoformat(), "to": self.period.last.isoformat(),
            "overall": self.overall.json(),
            "departments": [row.json() for row in self.departments],
            "weeks": [point.json() for point in self.weeks],
        }
