"""ISO weeks of a report period, clipped to it; period limits."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from dispatch_reports.periods import Period, PeriodError


def test_weeks_of_october_november_2026_are_clipped_iso_weeks() -> None:
    weeks = Period(dt.date(2026, 10, 1), dt.date(2026, 11, 27)).weeks()
    # 2026-10-01 is a Thursday (ISO week 40); 2026-11-27 a Friday (ISO week 48).
    assert [w.label for w in weeks] == [f"2026-W{n}" for n in range(40, 49)]
    assert (weeks[0].start, weeks[0].last, weeks[0].span) == (dt.date(2026, 10, 1), dt.date(2026, 10, 4), "10-01~10-04")
    assert (weeks[1].start, weeks[1].end) == (dt.date(2026, 10, 5), dt.date(2026, 10, 12))
    assert (weeks[-1].start, weeks[-1].last) == (dt.date(2026, 11, 23), dt.date(2026, 11, 27))
    for before, after in itertools.pairwise(weeks):
        assert before.end == after.start and after.start.weekday() == 0


def test_to_is_inclusive_and_end_is_exclusive() -> None:
    period = Period(dt.date(2026, 11, 27), dt.date(2026, 11, 27))
    assert period.end == dt.date(2026, 11, 28) and period.days == 1
    assert [(w.start, w.end) for w in period.weeks()] == [(dt.date(2026, 11, 27), dt.date(2026, 11, 28))]


def test_iso_year_at_new_year() -> None:
    weeks = Period(dt.date(2026, 12, 28), dt.date(2027, 1, 5)).weeks()
    # 2026-12-28 … 2027-01-03 is ISO week 2026-W53; 2027-01-04 starts 2027-W01.
    assert [w.label for w in weeks] == ["2026-W53", "2027-W01"]


@pytest.mark.parametrize(("first", "last"), [((2026, 3, 2), (2026, 3, 1)), ((2025, 1, 1), (2026, 1, 2))])
def test_invalid_periods_are_refused(first: tuple[int, int, int], last: tuple[int, int, int]) -> None:
    with pytest.raises(PeriodError):
        Period(dt.date(*first), dt.date(*last))


def test_a_full_leap_year_is_allowed() -> None:  # and 2025-01-01…2026-01-02 (367 days) is not
    assert Period(dt.date(2028, 1, 1), dt.date(2028, 12, 31)).days == 366
