"""Rates with counts, the printed table and the JSON shape."""

from __future__ import annotations

import datetime as dt

from dispatch_client.models import MetricTally
from dispatch_reports.model import Rate, RateRow, Report
from dispatch_reports.periods import Period
from dispatch_reports.table import display_width, render


def _tally(**counts: int) -> MetricTally:
    base: dict[str, int | None] = {
        "total": 0, "closed": 0, "closed_on_time": 0, "open_overdue": 0, "surveyed": 0, "resolved": 0, "satisfied": 0,
        "on_time_closure_rate": None, "resolution_rate": None, "satisfaction_rate": None}
    return MetricTally(**{**base, **counts})


def test_rate_text_and_json() -> None:
    assert Rate(3, 4).text() == "75.0% (3/4)"
    assert Rate(2, 3).text() == "66.7% (2/3)"
    assert Rate(0, 0).text() == "—" and Rate(0, 0).value is None
    assert Rate(2, 3).json() == {"rate": 0.6667, "numerator": 2, "denominator": 3}


def test_on_time_denominator_counts_closed_and_overdue_orders() -> None:
    row = RateRow.from_tally(_tally(total=9, closed=5, closed_on_time=4, open_overdue=2, surveyed=4, resolved=3,
                                    satisfied=1), "市公安局", "gongan")
    assert (row.on_time.numerator, row.on_time.denominator) == (4, 7)
    assert (row.resolution.numerator, row.resolution.denominator) == (3, 4)
    assert (row.satisfaction.numerator, row.satisfaction.denominator) == (1, 4)


def test_table_columns_line_up_with_chinese_names() -> None:
    period = Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    rows = [RateRow.from_tally(_tally(total=12, closed=10, closed_on_time=9, surveyed=8, resolved=6, satisfied=7),
                               "市城市管理综合执法局", "chengguan"),
            RateRow.from_tally(_tally(total=1), "市供电公司", "power")]
    overall = RateRow.from_tally(_tally(total=13, closed=10, closed_on_time=9, surveyed=8, resolved=6,
                                        satisfied=7), "全部部门", None)
    text = render(Report(period, overall, rows))
    table = [line for line in text.splitlines() if line.startswith(("部门", "市", "合计"))]
    assert len(table) == 4
    ends = {display_width(line) for line in table}
    assert len(ends) == 1, text          # right-aligned last column: every row ends at the same column
    power = next(line for line in table if line.startswith("市供电公司")).split()
    assert power == ["市供电公司", "1", "—", "—", "—"]
    assert "90.0% (9/10)" in text and "75.0% (6/8)" in text and "87.5% (7/8)" in text


def test_display_width_counts_wide_characters_twice() -> None:
    assert display_width("合计") == 4 and display_width("W40") == 3 and display_width("—") == 1
