"""The printed 三率 table: one row per department and a 合计 row, Chinese headings, CJK-aware alignment."""

from __future__ import annotations

import unicodedata

from .model import NO_VALUE, RATE_KEYS, RATE_NAMES, RateRow, Report

HEADINGS = ("部门", "登记工单", *(RATE_NAMES[key] for key in RATE_KEYS))
TOTAL_NAME = "合计"


def display_width(text: str) -> int:
    """Terminal columns of ``text``: wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * max(0, width - display_width(text))
    return gap + text if right else text + gap


def _cells(row: RateRow, name: str | None = None) -> list[str]:
    return [name or row.name, str(row.total), *(row.rate(key).text() for key in RATE_KEYS)]


def render_rows(rows: list[list[str]]) -> str:
    """Align ``rows`` (the first is the heading) into columns; numbers are right-aligned."""
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        lines.append("  ".join(_pad(cell, widths[i], right=i > 0) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render(report: Report) -> str:
    """The whole printed report: title, table, note on how the rates are counted."""
    period = report.period
    title = f"12345 热线工单三率报表（登记日期 {period.first} 至 {period.last}，共 {period.days} 天）"
    rows = [list(HEADINGS)] + [_cells(row) for row in report.departments] + [_cells(report.overall, TOTAL_NAME)]
    notes = (
        "说明：括号内为 分子/分母。按时办结率 = 按时办结 ÷（已办结 + 超期未办结）；"
        "解决率 = 初次回访“已解决” ÷ 已回访工单数；满意率 = 初次回访（满意 + 基本满意）÷ 已回访工单数"
        "（复核后的再次回访不替换初次回访）；"
        f"“{NO_VALUE}”表示没有可统计的工单。"
    )
    return "\n".join([title, "", render_rows(rows), "", notes])


def render_weeks(report: Report) -> str:
    """The weekly trend as a table (printed under the main table)."""
    rows = [["周", "日期", "登记工单", *(RATE_NAMES[key] for key in RATE_KEYS)]]
    for point in report.weeks:
        row = point.overall
        rows.append([point.week.label, point.week.span, str(row.total), *(row.rate(k).text() for k in RATE_KEYS)])
    return "按周趋势（全部部门）\n\n" + render_rows(rows)
