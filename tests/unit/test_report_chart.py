"""The weekly trend PNG: size, CJK font choice, English fallback without a CJK font."""

from __future__ import annotations

import datetime as dt
import struct
from pathlib import Path

import pytest

from dispatch_client.models import MetricTally
from dispatch_reports import chart, fonts
from dispatch_reports.fonts import CJKFont, choose
from dispatch_reports.model import RateRow, Report, WeekPoint
from dispatch_reports.periods import Period


def _report() -> Report:
    period = Period(dt.date(2026, 10, 1), dt.date(2026, 10, 20))
    points = []
    for i, week in enumerate(period.weeks()):
        tally = MetricTally(total=10 + i, closed=8, closed_on_time=6 + i % 2, open_overdue=1, surveyed=5 * (i != 1),
                            resolved=4 * (i != 1), satisfied=5 * (i != 1), on_time_closure_rate=None,
                            resolution_rate=None, satisfaction_rate=None)
        points.append(WeekPoint(week, RateRow.from_tally(tally, "全部部门", None)))
    return Report(period, points[0].overall, [], points)


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_chart_is_a_png_of_the_fixed_size(tmp_path: Path) -> None:
    result = chart.write_chart(_report(), tmp_path / "sub" / "trend.png")
    if fonts.installed_cjk_fonts():
        assert result.font and result.warning is None
    assert _png_size(result.path) == (chart.WIDTH_PX, chart.HEIGHT_PX) == (1100, 600)


def test_without_cjk_font_the_chart_falls_back_to_english_with_a_warning(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "installed_cjk_fonts", list)
    result = chart.write_chart(_report(), tmp_path / "en.png")
    assert result.font is None and result.warning and "fonts-noto-cjk" in result.warning
    assert _png_size(result.path) == (1100, 600)


def test_font_choice_prefers_simplified_chinese_sans() -> None:
    installed = [CJKFont("Noto Serif CJK SC", Path("/f/serif.ttc")), CJKFont("AR PL UMing CN", Path("/f/uming.ttc")),
                 CJKFont("Noto Sans CJK SC", Path("/f/sans.ttc"))]
    assert choose(installed) == installed[2]
    assert choose([CJKFont("Some Hei", Path("/f/a.ttf")), CJKFont("Odd Ming", Path("/f/b.ttf"))]).family == "Some Hei"
    assert choose([]) is None
    bold, regular = CJKFont("Noto Sans CJK SC", Path("/f/A-Bold.ttc")), CJKFont("Noto Sans CJK SC", Path("/f/B-Regular.ttc"))
    assert choose([bold, regular]) == regular
