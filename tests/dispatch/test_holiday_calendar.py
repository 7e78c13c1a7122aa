"""Working days beyond the years ``chinese-calendar`` knows: best source per year, the statutory rule with the
lunar calendar (provisional), the operator's official notice, and recomputing open orders after an import."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import chinese_calendar
import httpx
import pytest

from dispatch_backend import deadlines, holiday_sources
from dispatch_backend.clock import parse_datetime, to_local
from dispatch_backend.holiday_sources import (CHINESE_CALENDAR, HOLIDAYS_PACKAGE, OPERATOR, STATUTORY,
                                              from_holidays_package, parse_notice, statutory_holidays)
from dispatch_backend.workcalendar import WorkingCalendar
from dispatch_client import DispatchClient

from .helpers import at, lamp_request

PROJECT_ROOT = Path(__file__).resolve().parents[2]
D = dt.date

#: A hypothetical official 2027 notice (the real one is not published yet): 春节 2-5…2-12 with two working
#: Saturdays, everything else as the statutory rule. Used only to show the operator's file wins.
NOTICE_2027 = """\
year: 2027
notice: 国务院办公厅关于2027年部分节假日安排的通知（测试用）
holidays: [2027-01-01, 2027-02-05, 2027-02-06, 2027-02-07, 2027-02-08, 2027-02-09, 2027-02-10, 2027-02-11,
           2027-02-12, 2027-04-05, 2027-05-01, 2027-05-02, 2027-05-03, 2027-05-04, 2027-05-05, 2027-06-09,
           2027-09-15, 2027-10-01, 2027-10-02, 2027-10-03, 2027-10-04, 2027-10-05, 2027-10-06, 2027-10-07]
workdays: [2027-02-13, 2027-04-25, 2027-09-26, 2027-10-09]
"""


def project_calendar() -> WorkingCalendar:
    return WorkingCalendar.from_file(PROJECT_ROOT / "dispatch_backend" / "config" / "holidays.yml")


# ---------------------------------------------------------------- sources
def test_holidays_package_agrees_with_chinese_calendar_2024_to_2026() -> None:
    for year in (2024, 2025, 2026):
        other = from_holidays_package(year)
        assert other is not None and other.source == HOLIDAYS_PACKAGE, year
        day = D(year, 1, 1)
        while day.year == year:
            assert other.is_working_day(day) == chinese_calendar.is_workday(day), day
            day += dt.timedelta(days=1)


def test_holidays_package_is_used_when_chinese_calendar_does_not_know_the_year(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(holiday_sources, "from_chinese_calendar", lambda _year: None)
    calendar = WorkingCalendar()
    assert calendar.source(2025) == HOLIDAYS_PACKAGE and not calendar.is_provisional_year(2025)
    assert calendar.is_working_day(D(2025, 9, 28)) and not calendar.is_working_day(D(2025, 10, 8))


def test_known_years_come_from_chinese_calendar_and_2027_is_provisional() -> None:
    calendar = project_calendar()
    assert calendar.source(2026) == CHINESE_CALENDAR and not calendar.is_provisional_year(2026)
    assert calendar.source(2027) == STATUTORY and calendar.is_provisional_year(2027)


def test_statutory_rule_matches_the_official_days_off_of_2025_and_2026() -> None:
    """The 2025 rule (春节 4 days from 除夕, 劳动节 2) computed with the lunar calendar: every statutory day of
    2025 and 2026 is a day off in the official calendar."""
    for year in (2025, 2026):
        days = statutory_holidays(year)
        assert len(days) == 13
        for day in days:
            assert not chinese_calendar.is_workday(day), (day, days[day])
    assert D(2026, 2, 16) in statutory_holidays(2026)  # 除夕 2026
    assert statutory_holidays(2027)[D(2027, 2, 5)] == "春节"  # 除夕 2027


# ---------------------------------------------------------------- the cases
def test_new_years_day_2027_is_not_a_first_contact_deadline() -> None:
    calendar = project_calendar()
    assert not calendar.is_working_day(D(2027, 1, 1))
    due = deadlines.compute(calendar, parse_datetime("2026-12-31T10:00:00+08:00"), "general")
    assert to_local(due.first_contact) == at("2027-01-04T10:00:00")  # Fri 01-01 元旦, then the weekend
    assert to_local(due.close) == at("2027-01-08T10:00:00")
    assert due.provisional


def test_spring_festival_2027_is_not_counted_as_working_days() -> None:
    calendar = project_calendar()
    # 除夕 Fri 02-05, 初一…初三 Sat 02-06…Mon 02-08; Sat/Sun made up on Tue 02-09 and Wed 02-10 (补假).
    for day in (D(2027, 2, 5), D(2027, 2, 8), D(2027, 2, 9), D(2027, 2, 10)):
        assert not calendar.is_working_day(day), day
    assert calendar.is_working_day(D(2027, 2, 11))
    due = deadlines.compute(calendar, parse_datetime("2027-01-25T10:00:00+08:00"), "complex")
    # 01-26…29 (4), 02-01…04 (8), 02-11, 12 (10), 02-15…19 (15)
    assert to_local(due.close) == at("2027-02-19T10:00:00")
    assert due.provisional


def test_a_year_no_source_knows_uses_the_statutory_rule_and_is_provisional() -> None:
    calendar = project_calendar()
    assert calendar.source(2031) == STATUTORY and calendar.provisional_years([2030, 2031]) == [2030, 2031]
    # 2031: 除夕 Wed 01-22 … 初三 Sat 01-25 (made up Mon 01-27); 清明 Sat 04-05 (Mon 04-07);
    # 中秋 on 国庆 10-01: one more day, Mon 10-06.
    for day in (D(2031, 1, 1), D(2031, 1, 22), D(2031, 1, 24), D(2031, 1, 27), D(2031, 4, 7), D(2031, 5, 2),
                D(2031, 6, 24), D(2031, 10, 3), D(2031, 10, 6)):
        assert not calendar.is_working_day(day), day
    assert calendar.is_working_day(D(2031, 1, 28)) and not calendar.is_working_day(D(2031, 1, 26))
    start = at("2031-09-30T09:00:00")
    due, provisional = calendar.add_working_days_checked(start, 1)
    assert due == at("2031-10-07T09:00:00") and provisional
    assert calendar.add_working_days_checked(at("2026-06-01T09:00:00"), 5)[1] is False


def test_operator_notice_for_2027_wins_over_the_computed_calendar(tmp_path: Path) -> None:
    holiday_file = tmp_path / "holidays.yml"
    year, off, work, notice = parse_notice(_write(tmp_path / "notice.yml", NOTICE_2027))
    holiday_file.write_text("holidays: []\nworkdays: []\n", encoding="utf-8")
    calendar = WorkingCalendar.from_file(holiday_file)
    calendar.import_notice(year, off, work, notice)
    assert calendar.source(2027) == OPERATOR and not calendar.is_provisional_year(2027)
    assert not calendar.is_working_day(D(2027, 2, 11))  # computed: a working day
    assert calendar.is_working_day(D(2027, 2, 13))      # adjusted working Saturday
    due = deadlines.compute(calendar, parse_datetime("2027-01-25T10:00:00+08:00"), "complex")
    # 01-26…29 (4), 02-01…04 (8), Sat 02-13 (9), 02-15…19 (14), 02-22 (15)
    assert to_local(due.close) == at("2027-02-22T10:00:00") and not due.provisional
    reread = WorkingCalendar.from_file(holiday_file)  # the file keeps it
    assert reread.source(2027) == OPERATOR and reread.is_working_day(D(2027, 2, 13))


def test_top_level_overrides_still_apply_on_top_of_every_source(tmp_path: Path) -> None:
    holiday_file = _write(tmp_path / "holidays.yml", "holidays: [2027-03-03]\nworkdays: [2027-02-09]\n")
    calendar = WorkingCalendar.from_file(holiday_file)
    assert not calendar.is_working_day(D(2027, 3, 3)) and calendar.is_working_day(D(2027, 2, 9))
    assert not calendar.is_provisional(D(2027, 3, 3)) and calendar.is_provisional(D(2027, 3, 4))


def test_notice_files_in_json_and_csv(tmp_path: Path) -> None:
    csv_file = _write(tmp_path / "n.csv", "date,kind,name\n2027-01-01,休,元旦\n2027-02-13,班,春节调休\n")
    assert parse_notice(csv_file)[:3] == (2027, {D(2027, 1, 1)}, {D(2027, 2, 13)})
    json_file = _write(tmp_path / "n.json", '{"holidays": ["2028-01-03"], "workdays": [], "notice": "x"}')
    assert parse_notice(json_file) == (2028, {D(2028, 1, 3)}, set(), "x")
    with pytest.raises(ValueError):
        parse_notice(_write(tmp_path / "bad.csv", "2027-01-01,休\n2028-01-03,休\n"))  # two years


# ---------------------------------------------------------------- API, health, import
def test_api_marks_deadlines_into_2027_as_provisional(client_at: Callable[[str], DispatchClient]) -> None:
    sid = client_at("2026-12-31T10:00:00+08:00").create(lamp_request()).service_request_id or ""
    order = client_at("2026-12-31T10:01:00+08:00").get(sid)
    assert order.first_contact_due_datetime == at("2027-01-04T10:00:00")
    assert order.expected_datetime == at("2027-01-08T10:00:00")
    extra = order.model_extra or {}
    assert extra["first_contact_due_provisional"] is True and extra["expected_datetime_provisional"] is True
    sid = client_at("2026-06-01T10:00:00+08:00").create(lamp_request()).service_request_id or ""
    extra = client_at("2026-06-01T10:01:00+08:00").get(sid).model_extra or {}
    assert extra["first_contact_due_provisional"] is False and extra["expected_datetime_provisional"] is False


def test_health_reports_provisional_years(backend) -> None:  # noqa: ANN001 - BackendProcess
    late_2026 = httpx.get(f"{backend.url}/health.json",
                          headers={"X-Rexian-Test-Now": "2026-12-01T09:00:00+08:00"}).json()
    assert late_2026["calendar"]["provisional_years"] == [2027]
    assert late_2026["calendar"]["sources"]["2026"] == CHINESE_CALENDAR and late_2026["warnings"]
    mid_2025 = httpx.get(f"{backend.url}/health.json",
                         headers={"X-Rexian-Test-Now": "2025-06-01T09:00:00+08:00"}).json()
    assert mid_2025["calendar"]["provisional_years"] == [] and mid_2025["warnings"] == []


def test_import_recomputes_open_orders_and_notes_it(tmp_path: Path) -> None:
    from dispatch_backend.backend import Backend
    from dispatch_backend.cli import main
    from dispatch_backend.settings import Settings
    from dispatch_backend.workflow import NewRequest

    config = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "dispatch_backend" / "config", config)
    db_url = f"sqlite:///{tmp_path / 'd.sqlite3'}"
    backend = Backend(Settings(db_url=db_url, config_dir=config))
    try:
        service = backend.catalog.services["weizhang_jianzhu"]
        created = backend.workflow.create(NewRequest(
            service_code=service.service_code, description="楼顶加盖彩钢房", appeal_type=service.appeal_type,
            category=service.category, deadline_class=service.deadline, address="示例市长安路 5 号"),
            parse_datetime("2027-01-25T10:00:00+08:00"), "热线机器人").order
        second = backend.workflow.create(NewRequest(
            service_code=service.service_code, description="另一处违章建筑，占用消防通道", appeal_type=service.appeal_type,
            category=service.category, deadline_class=service.deadline, address="示例市和平路 1 号"),
            parse_datetime("2027-01-25T11:00:00+08:00"), "热线机器人").order
        assert to_local(created.expected_at) == at("2027-02-19T10:00:00")
        sid = created.service_request_id or ""
    finally:
        backend.stop()
    assert main(["holidays", "import", str(_write(tmp_path / "notice.yml", NOTICE_2027)),
                 "--config-dir", str(config), "--db-url", db_url]) == 0
    backend = Backend(Settings(db_url=db_url, config_dir=config))
    try:
        assert backend.calendar.source(2027) == OPERATOR
        with backend.db.read() as session:
            from sqlalchemy import select

            from dispatch_backend.models import WorkOrder

            order = session.execute(select(WorkOrder).where(WorkOrder.service_request_id == sid)).scalar_one()
            assert to_local(order.expected_at) == at("2027-02-22T10:00:00")
            note = order.notes[-1]
            assert note.kind == "deadline_recomputed" and "2027-02-22T10:00:00+08:00" in note.text
            assert "2027年" in note.text
            other = session.execute(select(WorkOrder).where(
                WorkOrder.service_request_id == second.service_request_id)).scalar_one()
            assert other.notes[-1].kind == "deadline_recomputed"
        # a second import of the same notice changes nothing
        assert main(["holidays", "import", str(tmp_path / "notice.yml"),
                     "--config-dir", str(config), "--db-url", db_url]) == 0
        with backend.db.read() as session:
            order = session.execute(select(WorkOrder).where(WorkOrder.service_request_id == sid)).scalar_one()
            assert [n.kind for n in order.notes].count("deadline_recomputed") == 1
    finally:
        backend.stop()


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
