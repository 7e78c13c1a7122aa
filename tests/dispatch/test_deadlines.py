"""Working-day deadlines (official Chinese calendar + operator file) and overdue supervision."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from dispatch_backend.workcalendar import WorkingCalendar
from dispatch_client import DispatchClient, NewServiceRequest
from domain import BEIJING

from .conftest import DEPT_KEYS
from .helpers import at, lamp_request



def test_calendar_knows_holidays_and_adjusted_working_days() -> None:
    calendar = WorkingCalendar()
    assert not calendar.is_working_day(dt.date(2025, 10, 1))   # National Day
    assert calendar.is_working_day(dt.date(2025, 9, 28))       # adjusted working Sunday
    assert calendar.is_working_day(dt.date(2025, 10, 11))      # adjusted working Saturday
    assert not calendar.is_working_day(dt.date(2025, 10, 12))  # ordinary Sunday
    start = dt.datetime(2025, 9, 30, 10, 0, tzinfo=BEIJING)
    assert calendar.add_working_days(start, 1) == dt.datetime(2025, 10, 9, 10, 0, tzinfo=BEIJING)
    assert calendar.add_working_days(start, 5) == dt.datetime(2025, 10, 14, 10, 0, tzinfo=BEIJING)
    assert calendar.add_working_days(start, 15) == dt.datetime(2025, 10, 28, 10, 0, tzinfo=BEIJING)


def test_unknown_year_uses_the_statutory_rule_plus_operator_file(tmp_path: Path) -> None:
    holiday_file = tmp_path / "holidays.yml"
    holiday_file.write_text("holidays: [2099-01-01, 2099-01-02]\nworkdays: [2099-01-04]\n", encoding="utf-8")
    calendar = WorkingCalendar.from_file(holiday_file)
    assert not calendar.is_working_day(dt.date(2099, 1, 1))   # operator holiday (a Thursday)
    assert not calendar.is_working_day(dt.date(2099, 1, 2))   # operator holiday (a Friday)
    assert not calendar.is_working_day(dt.date(2099, 1, 3))   # Saturday
    assert calendar.is_working_day(dt.date(2099, 1, 4))       # operator adjusted working Sunday
    assert calendar.is_working_day(dt.date(2099, 1, 5))       # Monday
    plain = WorkingCalendar.from_file(tmp_path / "missing.yml")
    # never plain Monday–Friday: 元旦 from the statutory rule, provisional
    assert not plain.is_working_day(dt.date(2099, 1, 1)) and not plain.is_working_day(dt.date(2099, 1, 4))
    assert plain.is_working_day(dt.date(2099, 1, 2)) and plain.is_provisional(dt.date(2099, 1, 2))


def test_first_contact_due_on_an_adjusted_working_sunday(client_at: Callable[[str], DispatchClient]) -> None:
    sid = client_at("2025-09-26T16:00:00+08:00").create(lamp_request()).service_request_id or ""
    order = client_at("2025-09-26T16:01:00+08:00").get(sid)
    assert order.first_contact_due_datetime == at("2025-09-28T16:00:00")
    # 5 working days: 09-28 (Sun, adjusted), 09-29, 09-30, 10-09, 10-10.
    assert order.expected_datetime == at("2025-10-10T16:00:00")


def test_complex_case_has_15_working_days(client_at: Callable[[str], DispatchClient]) -> None:
    request = NewServiceRequest(service_code="weizhang_jianzhu", description="楼顶私自加盖彩钢房",
                                address_string="示例市长安路 5 号")
    sid = client_at("2025-09-30T10:00:00+08:00").create(request).service_request_id or ""
    assert client_at("2025-09-30T10:01:00+08:00").get(sid).expected_datetime == at("2025-10-28T10:00:00")


def test_utility_outage_is_due_in_24_hours_even_on_a_holiday(client_at: Callable[[str], DispatchClient]) -> None:
    request = NewServiceRequest(service_code="tingshuidianqi", description="小区停水一整天了",
                                address_string="示例市和平路 3 号", attributes={"utility_type": "water"})
    sid = client_at("2025-10-01T08:00:00+08:00").create(request).service_request_id or ""
    order = client_at("2025-10-01T08:01:00+08:00").get(sid)
    assert order.department == "water"
    assert order.expected_datetime == at("2025-10-02T08:00:00")
    assert order.first_contact_due_datetime == at("2025-10-02T08:00:00")


def test_missed_first_contact_is_flagged_overdue_and_supervised(
        client_at: Callable[[str], DispatchClient]) -> None:
    sid = client_at("2025-09-30T10:00:00+08:00").create(lamp_request()).service_request_id or ""
    on_time = client_at("2025-10-09T09:59:00+08:00").get(sid)
    assert on_time.overdue is False and on_time.supervised is False
    late = client_at("2025-10-09T10:01:00+08:00").get(sid)
    assert late.overdue is True and late.supervised is True
    assert [n.type for n in late.notes][-2:] == ["overdue", "supervision"]
    assert "首次联系" in late.notes[-2].text
    supervised = client_at("2025-10-09T10:02:00+08:00").list(
        supervised=True, start=dt.date(2025, 9, 29), end=dt.date(2025, 10, 10))
    assert sid in {o.service_request_id for o in supervised}


def test_late_closure_is_flagged(client_at: Callable[[str], DispatchClient]) -> None:
    sid = client_at("2025-09-30T10:00:00+08:00").create(lamp_request()).service_request_id or ""
    client_at("2025-10-09T09:00:00+08:00").first_contact(sid, DEPT_KEYS["shizheng"], "已联系")
    assert client_at("2025-10-14T09:59:00+08:00").get(sid).overdue is False
    closed = client_at("2025-10-15T09:00:00+08:00").close_request(sid, DEPT_KEYS["shizheng"], "已修复")
    assert closed.overdue is True and closed.supervised is True


def test_general_case_can_be_extended_once_to_15_working_days(
        client_at: Callable[[str], DispatchClient]) -> None:
    import pytest

    from dispatch_client import BadRequestError, ConflictError

    sid = client_at("2025-09-30T10:00:00+08:00").create(lamp_request()).service_request_id or ""
    roads = DEPT_KEYS["shizheng"]
    client_at("2025-10-09T08:00:00+08:00").first_contact(sid, roads, "已联系")
    with pytest.raises(BadRequestError):
        client_at("2025-10-09T09:00:00+08:00").extend(sid, roads, "")
    extended = client_at("2025-10-09T09:00:00+08:00").extend(sid, roads, "需协调供电部门更换线路")
    # 15 working days after 09-30: 10-09 … 10-28 (10-11 is an adjusted working day).
    assert extended.expected_datetime == at("2025-10-28T10:00:00")
    assert extended.notes[-1].type == "extended" and "协调供电" in extended.notes[-1].text
    with pytest.raises(ConflictError):
        client_at("2025-10-10T09:00:00+08:00").extend(sid, roads, "再延一次")
    assert client_at("2025-10-20T09:00:00+08:00").get(sid).overdue is False  # the old deadline 10-14 passed
    assert client_at("2025-10-28T10:01:00+08:00").get(sid).overdue is True


def test_test_clock_header_is_ignored_unless_enabled(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from dispatch_backend.backend import Backend
    from dispatch_backend.settings import Settings

    header = {"X-Rexian-Test-Now": "2025-10-01T08:00:00+08:00"}
    fake_request = SimpleNamespace(headers=header)
    production = Backend(Settings(db_url=f"sqlite:///{tmp_path / 'a.sqlite3'}", test_clock=False))
    testing = Backend(Settings(db_url=f"sqlite:///{tmp_path / 'b.sqlite3'}", test_clock=True))
    try:
        assert production.now(fake_request).year >= 2026  # type: ignore[arg-type]
        assert testing.now(fake_request) == dt.datetime(2025, 10, 1, 0, 0)  # type: ignore[arg-type]
    finally:
        production.stop()
        testing.stop()
