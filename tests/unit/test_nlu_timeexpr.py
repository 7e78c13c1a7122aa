"""Time expressions in complaints, resolved against a fixed ``now``."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from nlu.extract.timeexpr import TimeMention, cn_to_int, extract_times
from nlu.extract.types import Extraction

FRIDAY = datetime(2026, 11, 27, 9, 30)  # a Friday morning
NEW_YEAR = datetime(2026, 1, 1, 0, 30)  # just after midnight, a Thursday


def only(text: str, now: datetime = FRIDAY) -> TimeMention:
    mentions = extract_times(text, now=now)
    assert len(mentions) == 1, mentions
    return mentions[0]


def dt(*parts: int) -> datetime:
    return datetime(*parts)


@pytest.mark.parametrize(
    ("text", "start_at", "end_at"),
    [
        ("今天", dt(2026, 11, 27), dt(2026, 11, 28)),
        ("昨天", dt(2026, 11, 26), dt(2026, 11, 27)),
        ("前天", dt(2026, 11, 25), dt(2026, 11, 26)),
        ("大前天", dt(2026, 11, 24), dt(2026, 11, 25)),
        ("明天", dt(2026, 11, 28), dt(2026, 11, 29)),
        ("今晚", dt(2026, 11, 27, 18), dt(2026, 11, 28)),
        ("昨晚", dt(2026, 11, 26, 18), dt(2026, 11, 27)),
        ("昨天晚上", dt(2026, 11, 26, 18), dt(2026, 11, 27)),
        ("昨天凌晨", dt(2026, 11, 26, 0), dt(2026, 11, 26, 6)),
        ("昨天下午", dt(2026, 11, 26, 12), dt(2026, 11, 26, 18)),
        ("前天傍晚", dt(2026, 11, 25, 17), dt(2026, 11, 25, 19)),
        ("上周三", dt(2026, 11, 18), dt(2026, 11, 19)),
        ("上个星期天", dt(2026, 11, 22), dt(2026, 11, 23)),
        ("这周五", dt(2026, 11, 27), dt(2026, 11, 28)),
        ("本周一", dt(2026, 11, 23), dt(2026, 11, 24)),
        ("上周末", dt(2026, 11, 21), dt(2026, 11, 23)),
        ("上周", dt(2026, 11, 16), dt(2026, 11, 23)),
        ("本月初", dt(2026, 11, 1), dt(2026, 11, 11)),
        ("上个月", dt(2026, 10, 1), dt(2026, 11, 1)),
        ("上月中旬", dt(2026, 10, 11), dt(2026, 10, 21)),
        ("上个月底", dt(2026, 10, 21), dt(2026, 11, 1)),
        ("去年冬天", dt(2025, 12, 1), dt(2026, 3, 1)),
        ("今年夏天", dt(2026, 6, 1), dt(2026, 9, 1)),
        ("3月5号", dt(2026, 3, 5), dt(2026, 3, 6)),
        ("3月5日", dt(2026, 3, 5), dt(2026, 3, 6)),
        ("十二月五号", dt(2025, 12, 5), dt(2025, 12, 6)),  # no year, in the future this year -> last year
        ("2026年3月5日", dt(2026, 3, 5), dt(2026, 3, 6)),
        ("三天前", dt(2026, 11, 24), dt(2026, 11, 25)),
    ],
)
def test_dates_resolve_to_day_ranges(text: str, start_at: datetime, end_at: datetime) -> None:
    mention = only(text)
    assert (mention.start_at, mention.end_at) == (start_at, end_at)
    assert mention.text == text and (mention.start, mention.end) == (0, len(text))
    assert mention.recurring is None and mention.since is False


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("昨天晚上十点半", dt(2026, 11, 26, 22, 30)),
        ("昨天下午3点20", dt(2026, 11, 26, 15, 20)),
        ("昨天下午三点二十分", dt(2026, 11, 26, 15, 20)),
        ("昨天凌晨两点", dt(2026, 11, 26, 2)),
        ("昨天中午1点", dt(2026, 11, 26, 13)),
        ("昨晚两点", dt(2026, 11, 27, 2)),  # the small hours after yesterday evening
        ("昨天半夜三点", dt(2026, 11, 27, 3)),
        ("昨天晚上十二点", dt(2026, 11, 27, 0)),
        ("上周三晚上8点", dt(2026, 11, 18, 20)),
        ("3月5号上午十一点", dt(2026, 3, 5, 11)),
        ("前天二十三点", dt(2026, 11, 25, 23)),
        ("昨天23:30", dt(2026, 11, 26, 23, 30)),
    ],
)
def test_dated_clock_times(text: str, moment: datetime) -> None:
    mention = only(text)
    assert mention.start_at == mention.end_at == moment
    assert mention.text == text


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("23:30", dt(2026, 11, 26, 23, 30)),  # later than now today -> yesterday
        ("凌晨两点", dt(2026, 11, 27, 2)),
        ("早上8点", dt(2026, 11, 27, 8)),
        ("晚上十点半", dt(2026, 11, 26, 22, 30)),
        ("下午3点20", dt(2026, 11, 26, 15, 20)),
    ],
)
def test_undated_clock_times_are_the_latest_past_occurrence(text: str, moment: datetime) -> None:
    mention = only(text)
    assert mention.start_at == moment
    assert mention.confidence < only("昨天" + text).confidence


def test_undated_period_is_the_latest_past_one() -> None:
    mention = only("晚上")
    assert (mention.start_at, mention.end_at) == (dt(2026, 11, 26, 18), dt(2026, 11, 27))


@pytest.mark.parametrize(
    ("text", "start_at"),
    [
        ("最近三天", FRIDAY - timedelta(days=3)),
        ("这两天", FRIDAY - timedelta(days=2)),
        ("这几天", FRIDAY - timedelta(days=3)),
        ("近一周", FRIDAY - timedelta(days=7)),
        ("最近两个月", dt(2026, 9, 27, 9, 30)),
    ],
)
def test_recent_spans_run_to_now(text: str, start_at: datetime) -> None:
    mention = only(text)
    assert (mention.start_at, mention.end_at) == (start_at, FRIDAY)
    assert mention.since is False


@pytest.mark.parametrize(
    ("text", "recurring"),
    [
        ("每天凌晨两点", "daily 02:00"),
        ("每晚", "daily night"),
        ("每天晚上", "daily night"),
        ("天天", "daily"),
        ("每周末", "weekly Sat,Sun"),
        ("每个周末", "weekly Sat,Sun"),
        ("每周三", "weekly Wed"),
        ("每周三晚上8点", "weekly Wed 20:00"),
        ("每天早上六点", "daily 06:00"),
        ("每晚十一点", "daily 23:00"),
    ],
)
def test_recurring(text: str, recurring: str) -> None:
    mention = only(text)
    assert mention.recurring == recurring
    assert mention.value == recurring
    assert mention.start_at is None and mention.end_at is None


@pytest.mark.parametrize(
    ("text", "start_at"),
    [
        ("从上周三开始", dt(2026, 11, 18)),
        ("上周三开始", dt(2026, 11, 18)),
        ("自从上个月起", dt(2026, 10, 1)),
        ("三天前开始", dt(2026, 11, 24)),
        ("今年夏天以来", dt(2026, 6, 1)),
        ("一个多月了", dt(2026, 10, 27, 9, 30)),
        ("半年多了", dt(2026, 5, 29, 9, 30)),
        ("两年了", dt(2024, 11, 27, 9, 30)),
        ("三天了", dt(2026, 11, 24, 9, 30)),
    ],
)
def test_since_runs_to_now(text: str, start_at: datetime) -> None:
    mention = only(text)
    assert mention.since is True
    assert (mention.start_at, mention.end_at) == (start_at, FRIDAY)
    assert mention.text == text


def test_since_with_a_recurring_pattern() -> None:
    mention = only("从上周三开始每天凌晨两点")
    assert mention.since is True
    assert mention.recurring == "daily 02:00"
    assert (mention.start_at, mention.end_at) == (dt(2026, 11, 18), FRIDAY)


def test_offsets_inside_a_complaint() -> None:
    text = "楼下烧烤店从上周三开始每天凌晨两点还在营业，昨天晚上十点半我下楼看过，已经一个多月了。"
    mentions = extract_times(text, now=FRIDAY)
    assert [m.text for m in mentions] == ["从上周三开始每天凌晨两点", "昨天晚上十点半", "一个多月了"]
    for mention in mentions:
        assert text[mention.start:mention.end] == mention.text
        assert isinstance(mention, Extraction) and mention.label == "time"
    assert mentions[1].start_at == dt(2026, 11, 26, 22, 30)


@pytest.mark.parametrize(
    ("text", "start_at", "end_at"),
    [
        ("昨天晚上十点", dt(2025, 12, 31, 22), dt(2025, 12, 31, 22)),  # after midnight: still calendar yesterday
        ("昨天", dt(2025, 12, 31), dt(2026, 1, 1)),
        ("上周三", dt(2025, 12, 24), dt(2025, 12, 25)),
        ("上个月", dt(2025, 12, 1), dt(2026, 1, 1)),
        ("上月中旬", dt(2025, 12, 11), dt(2025, 12, 21)),
        ("去年冬天", dt(2024, 12, 1), dt(2025, 3, 1)),
        ("今年冬天", dt(2025, 12, 1), dt(2026, 3, 1)),
        ("3月5号", dt(2025, 3, 5), dt(2025, 3, 6)),
        ("23:30", dt(2025, 12, 31, 23, 30), dt(2025, 12, 31, 23, 30)),
        ("最近三天", dt(2025, 12, 29, 0, 30), NEW_YEAR),
    ],
)
def test_year_boundary(text: str, start_at: datetime, end_at: datetime) -> None:
    mention = only(text, NEW_YEAR)
    assert (mention.start_at, mention.end_at) == (start_at, end_at)


def test_last_week_on_a_monday_is_the_previous_calendar_week() -> None:
    monday = datetime(2026, 11, 30, 8, 0)
    assert only("上周三", monday).start_at == dt(2026, 11, 25)
    assert only("周三", monday).start_at == dt(2026, 11, 25)  # bare weekday: the latest past one
    assert only("这周三", monday).start_at == dt(2026, 12, 2)


def test_month_arithmetic_clamps_short_months() -> None:
    march_31 = datetime(2026, 3, 31, 12, 0)
    assert only("一个多月了", march_31).start_at == dt(2026, 2, 28, 12)
    assert only("上月底", march_31).end_at == dt(2026, 3, 1)


def test_aware_now_gives_aware_results() -> None:
    shanghai = timezone(timedelta(hours=8))
    mention = only("昨天晚上十点", FRIDAY.replace(tzinfo=shanghai))
    assert mention.start_at == datetime(2026, 11, 26, 22, tzinfo=shanghai)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "楼下噪音很大，请尽快处理",
        "声音小一点",
        "请快一点来人",
        "5号楼3单元",
        "从小区门口开始堵",
        "我一起去",
        "天气很冷",
        "13月45号",
        "一二十天前",
        "二十十点",
    ],
)
def test_no_time(text: str) -> None:
    assert extract_times(text, now=FRIDAY) == []


@pytest.mark.parametrize(
    ("token", "value"),
    [("3", 3), ("十", 10), ("十一", 11), ("二十", 20), ("二十四", 24), ("两", 2), ("〇五", 5), ("三十五", 35)],
)
def test_cn_to_int(token: str, value: int) -> None:
    assert cn_to_int(token) == value


def test_cn_to_int_rejects_non_numbers() -> None:
    with pytest.raises(ValueError):
        cn_to_int("十十")
    with pytest.raises(ValueError):
        cn_to_int("一二十")


def test_short_day_parts_before_a_clock() -> None:
    mentions = extract_times("3月5号早七点到晚十点都在施工", now=FRIDAY)
    assert [(m.text, m.start_at) for m in mentions] == [
        ("3月5号早七点", dt(2026, 3, 5, 7)),
        ("晚十点", dt(2026, 11, 26, 22)),
    ]


@pytest.mark.parametrize("text", ["有三点建议", "十点", "4月前已经交了"])
def test_bare_numbers_are_not_times(text: str) -> None:
    assert extract_times(text, now=FRIDAY) == []


def test_bare_clock_with_approximation_is_a_time() -> None:
    assert only("大概十点多").start_at == dt(2026, 11, 26, 10)  # 10:00 today is still ahead of now


@pytest.mark.parametrize("text", ["尽早解决", "早晚高峰", "晚餐", "早日解决"])
def test_single_character_day_parts_need_a_clock(text: str) -> None:
    assert extract_times(text, now=FRIDAY) == []


@pytest.mark.parametrize(
    ("text", "day"),
    [("半个月前", dt(2026, 11, 12)), ("两个星期前", dt(2026, 11, 13)), ("一年前", dt(2025, 11, 27))],
)
def test_ago(text: str, day: datetime) -> None:
    assert only(text).start_at == day


def test_values() -> None:
    assert only("昨天晚上十点半").value == "2026-11-26T22:30/2026-11-26T22:30"
    assert only("从上周三开始每天凌晨两点").value == "daily 02:00 since 2026-11-18T00:00"
