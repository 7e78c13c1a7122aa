"""Quiet hours (免打扰) arithmetic of the callback scheduler."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from callbacks.quiet import QuietHours, parse_clock

SH = ZoneInfo("Asia/Shanghai")
NIGHT = QuietHours.parse("21:00", "08:00", "Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=SH)


@pytest.mark.parametrize(("when", "expected"), [
    (at(2, 20, 59), at(2, 20, 59)),   # one minute before the quiet range: unchanged
    (at(2, 21, 0), at(3, 8, 0)),      # start of the range: next morning
    (at(2, 23, 30), at(3, 8, 0)),
    (at(3, 0, 0), at(3, 8, 0)),       # after midnight: the same morning
    (at(3, 7, 59), at(3, 8, 0)),
    (at(3, 8, 0), at(3, 8, 0)),       # end of the range is allowed
    (at(3, 12, 0), at(3, 12, 0)),
])
def test_night_range_crossing_midnight(when: dt.datetime, expected: dt.datetime) -> None:
    assert NIGHT.next_allowed(when) == expected


def test_closure_plus_delay_lands_in_quiet_hours() -> None:
    delay = dt.timedelta(minutes=30)
    assert NIGHT.next_allowed(at(2, 20, 29) + delay) == at(2, 20, 59)
    assert NIGHT.next_allowed(at(2, 20, 59) + delay) == at(3, 8, 0)
    assert NIGHT.next_allowed(at(2, 21, 0) + delay) == at(3, 8, 0)
    assert NIGHT.next_allowed(at(3, 7, 59) + delay) == at(3, 8, 29)


def test_other_timezone_input_is_judged_in_local_time() -> None:
    utc_evening = dt.datetime(2026, 3, 2, 13, 30, tzinfo=dt.UTC)  # 21:30 in Shanghai
    assert NIGHT.next_allowed(utc_evening) == at(3, 8, 0)
    utc_morning = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)   # 10:00 in Shanghai
    assert NIGHT.next_allowed(utc_morning) == utc_morning


def test_same_day_range() -> None:
    lunch = QuietHours.parse("12:00", "14:00", "Asia/Shanghai")
    assert lunch.next_allowed(at(2, 11, 59)) == at(2, 11, 59)
    assert lunch.next_allowed(at(2, 12, 0)) == at(2, 14, 0)
    assert lunch.next_allowed(at(2, 13, 59)) == at(2, 14, 0)
    assert lunch.next_allowed(at(2, 22, 0)) == at(2, 22, 0)


def test_equal_start_and_end_means_no_quiet_hours() -> None:
    never = QuietHours.parse("00:00", "00:00", "Asia/Shanghai")
    assert never.next_allowed(at(2, 23, 0)) == at(2, 23, 0)
    assert not never.is_quiet(at(3, 3, 0))


def test_parse_and_naive_input() -> None:
    assert parse_clock("7:05") == dt.time(7, 5)
    with pytest.raises(ValueError):
        parse_clock("abc")
    with pytest.raises(ValueError):
        NIGHT.next_allowed(dt.datetime(2026, 3, 2, 22, 0))
