"""The weekly trend chart: one line per rate, ISO weeks on the x axis, registered orders as light bars.

Rendered with matplotlib's Agg backend into a PNG of a fixed size (:data:`WIDTH_PX` × :data:`HEIGHT_PX`).
Chinese labels need a CJK font; without one the chart falls back to English labels and a warning is returned.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

from .fonts import use_cjk_font
from .model import RATE_KEYS, Report

logger = logging.getLogger(__name__)

DPI = 100
WIDTH_PX, HEIGHT_PX = 1100, 600
MAX_TICK_LABELS = 14
COLORS = {"on_time": "#1f77b4", "resolution": "#2ca02c", "satisfaction": "#ff7f0e"}

LABELS = {
    "zh": {"on_time": "按时办结率", "resolution": "解决率", "satisfaction": "满意率", "orders": "登记工单数",
           "rate": "比率", "week": "周（ISO 周，统计期首尾按实际日期截取）",
           "title": "12345 热线工单三率按周趋势（{first} 至 {last}）"},
    "en": {"on_time": "On-time closure", "resolution": "Resolution", "satisfaction": "Satisfaction",
           "orders": "Registered orders", "rate": "Rate", "week": "ISO week",
           "title": "12345 hotline: weekly rates ({first} to {last})"},
}
NO_FONT_WARNING = "未找到可显示中文的字体（fc-list :lang=zh 为空），图表改用英文标注；安装 fonts-noto-cjk 可显示中文。"


@dataclass(frozen=True)
class ChartResult:
    path: Path
    font: str | None
    warning: str | None


def write_chart(report: Report, path: Path, language: str | None = None) -> ChartResult:
    """Draw the weekly trend of ``report`` into ``path`` (PNG). ``language`` forces ``zh``/``en`` labels."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    font = use_cjk_font() if language != "en" else None
    warning = None
    if language is None:
        language = "zh" if font else "en"
        if font is None:
            warning = NO_FONT_WARNING
            logger.warning("no CJK font found; chart labels in English")
    text = LABELS[language]

    weeks = report.weeks
    x = list(range(len(weeks)))
    fig, ax = plt.subplots(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    try:
        bars = ax.twinx()
        totals = [p.overall.total for p in weeks]
        bars.bar(x, totals, color="#d9d9d9", width=0.6, label=text["orders"], zorder=0)
        bars.set_ylim(0, max(totals, default=0) * 1.3 or 1)
        bars.set_ylabel(text["orders"], color="#7f7f7f")
        bars.yaxis.set_major_locator(MaxNLocator(integer=True))
        bars.tick_params(axis="y", colors="#7f7f7f")
        ax.set_zorder(bars.get_zorder() + 1)
        ax.patch.set_visible(False)
        for key in RATE_KEYS:
            values = [p.overall.rate(key).value for p in weeks]
            ax.plot(x, [math.nan if v is None else v for v in values], marker="o", linewidth=2,
                    color=COLORS[key], label=text[key])
        ax.set_ylim(0, 1.05)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_ylabel(text["rate"])
        ax.set_xticks(x)
        step = max(1, math.ceil(len(weeks) / MAX_TICK_LABELS))   # a long period labels every n-th week
        ax.set_xticklabels([f"W{p.week.iso_week:02d}\n{p.week.span}" if i % step == 0 else ""
                            for i, p in enumerate(weeks)], fontsize=8)
        ax.set_xlabel(text["week"])
        ax.grid(axis="y", alpha=0.3)
        ax.set_title(text["title"].format(first=report.period.first, last=report.period.last))
        lines, names = ax.get_legend_handles_labels()
        bar_handles, bar_names = bars.get_legend_handles_labels()
        ax.legend(lines + bar_handles, names + bar_names, loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=4,
                  fontsize=10, frameon=False)
        fig.subplots_adjust(left=0.07, right=0.92, top=0.92, bottom=0.22)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format="png", dpi=DPI)
    finally:
        plt.close(fig)
    return ChartResult(path=path, font=font, warning=warning)
