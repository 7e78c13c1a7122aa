"""Time expressions in citizens' complaints ("昨天晚上十点半", "每天凌晨两点", "一个多月了").

Rule-based, pure Python. Every mention is resolved against a caller-supplied ``now``:

* Datetimes are wall-clock times in Asia/Shanghai. They carry ``now``'s ``tzinfo``: pass a naive ``now``
  (interpreted as Beijing time) to get naive results, an aware ``now`` to get aware results.
* ``start_at``/``end_at`` form a half-open interval ``[start_at, end_at)``; a clock time ("23:30") resolves to a
  zero-length interval ``start_at == end_at``.
* Complaints report the past, so a time without a date ("23:30", "晚上") resolves to its most recent occurrence
  at or before ``now``; a month/day without a year to the most recent such day.
* Recurring mentions ("每天凌晨两点") set ``recurring`` (e.g. ``"daily 02:00"``, ``"weekly Wed"``,
  ``"weekly Sat,Sun"``) and leave the interval empty unless a start is also given ("从上周三开始每天...").
* ``since`` is true for "开始/以来/起/至今" and for durations ("一个多月了"); the interval then runs to ``now``.
"""
from __future__ import annotations

import calendar
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from nlu.extract.types import Extraction

__all__ = ["TimeMention", "cn_to_int", "extract_times"]

logger = logging.getLogger(__name__)

LABEL = "time"

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUM = r"(?:\d{1,2}|[零〇一二两三四五六七八九十]{1,3})"
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6,
             "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}
_WEEKDAY_EN = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

# Period name -> (start hour, end hour, English key). Hours past 24 belong to the next calendar day.
_PERIODS: dict[str, tuple[int, int, str]] = {
    "凌晨": (0, 6, "early_morning"),
    "清晨": (5, 8, "morning"),
    "早上": (6, 9, "morning"),
    "早晨": (6, 9, "morning"),
    "上午": (8, 12, "morning"),
    "中午": (11, 14, "noon"),
    "下午": (12, 18, "afternoon"),
    "傍晚": (17, 19, "evening"),
    "晚上": (18, 24, "night"),
    "晚间": (18, 24, "night"),
    "夜里": (20, 29, "night"),
    "夜间": (20, 29, "night"),
    "深夜": (23, 27, "late_night"),
    "半夜": (23, 27, "late_night"),
    "午夜": (23, 25, "late_night"),
    "早": (5, 9, "morning"),  # only before a clock time: "早六点"
    "晚": (18, 24, "night"),  # only before a clock time: "晚十点"
}
_PM_PERIODS = {"下午", "傍晚", "晚", "晚上", "晚间", "夜里", "夜间", "深夜", "半夜", "午夜"}
_NIGHT_PERIODS = {"晚", "晚上", "晚间", "夜里", "夜间", "深夜", "半夜", "午夜"}
_DAY_WORDS = {"大前天": -3, "前天": -2, "昨天": -1, "昨日": -1, "今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2}
_DAY_PERIOD_WORDS = {"今晚": (0, "晚上"), "昨晚": (-1, "晚上"), "明晚": (1, "晚上"), "今夜": (0, "晚上"),
                     "昨夜": (-1, "晚上"), "今早": (0, "早上"), "今晨": (0, "早上"), "昨早": (-1, "早上")}
_SEASONS = {"春": (3, 3), "夏": (6, 3), "秋": (9, 3), "冬": (12, 3)}  # first month, length in months
_YEAR_WORDS = {"前年": -2, "去年": -1, "今年": 0, "明年": 1}
_PART_OF_MONTH = {"初": (1, 10), "上旬": (1, 10), "中旬": (11, 20), "下旬": (21, 31), "底": (21, 31), "末": (21, 31)}

_TOKEN_PATTERNS: list[tuple[str, str]] = [
    ("duration", rf"(?P<dn>{_NUM}|半)个?(?P<dmore1>多)?(?P<du>天|周|个?星期|个?礼拜|月|年)(?P<dmore2>多)?(?:了|以来|来)"),
    ("recent", rf"(?:最近|近|这|过去)(?P<rn>{_NUM}|几|两)(?P<ru>天|日|周|个?星期|个月|年)"),
    ("ago", rf"(?P<an>{_NUM}|半|几)(?P<au>天|周|个?星期|个?礼拜|个月|年)(?:前|之前|以前)"),
    ("recur", r"每天晚上|每天|每日|天天|每晚|每夜|夜夜|每个?周末|每逢周末|(?:每个?(?:周|星期|礼拜))(?P<rw>[一二三四五六日天1-7])"),
    ("dayperiod", "|".join(_DAY_PERIOD_WORDS)),
    ("day", "|".join(sorted(_DAY_WORDS, key=len, reverse=True))),
    ("week", r"(?P<wp>上上个?|上个?|这个?|本|下个?)?(?:周|星期|礼拜)(?P<wd>[一二三四五六日天1-7]|末)"),
    ("wholeweek", r"(?P<wwp>上上个?|上个?|这个?|本|下个?)(?:周|星期|礼拜)"),
    ("absdate", rf"(?:(?P<ay>\d{{4}})年|(?P<ayw>今年|去年|前年))?(?P<am>{_NUM})月(?P<ad>{_NUM})[号日]"),
    ("month", r"(?P<mp>本月|这个月|上上个月|上个?月|下个?月)(?P<mpart>初|上旬|中旬|下旬|底|末)?"),
    ("season", r"(?P<sy>今年|去年|前年)?(?P<ss>[春夏秋冬])(?:天|季)"),
    ("period", "|".join(p for p in _PERIODS if len(p) == 2) + rf"|[早晚](?={_NUM}[点时])"),
    ("clock", rf"(?P<ch>\d{{1,2}})[:：](?P<cm>\d{{2}})|(?P<cch>{_NUM})(?:点|时)(?P<cmin>半|一刻|三刻|{_NUM}分?)?(?P<czh>钟)?"),
    ("since", r"开始|以来|起|至今|到现在"),
    ("from", r"自从|从|自"),
]
_TOKEN_RE = re.compile("|".join(f"(?P<T_{name}>{pat})" for name, pat in _TOKEN_PATTERNS))
_GLUE_RE = re.compile(r"[\s的]?")
_CONTENT_KINDS = {"duration", "recent", "ago", "recur", "dayperiod", "day", "week", "wholeweek", "absdate",
                  "month", "season", "period", "clock"}


@dataclass(frozen=True)
class TimeMention(Extraction):
    """An :class:`Extraction` with label ``"time"`` plus its resolution (see module docstring)."""

    start_at: datetime | None = None
    end_at: datetime | None = None
    recurring: str | None = None
    since: bool = False


def cn_to_int(token: str) -> int:
    """Parse "3", "十", "十一", "二十四", "两", "〇五" style numbers (0..99). Raises ValueError otherwise."""
    if token.isdigit():
        return int(token)
    if not token or any(ch not in _CN_DIGITS and ch != "十" for ch in token):
        raise ValueError(token)
    if "十" in token:
        tens, _, ones = token.partition("十")
        if len(tens) > 1 or len(ones) > 1 or "十" in ones:
            raise ValueError(token)
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    value = 0
    for ch in token:
        value = value * 10 + _CN_DIGITS[ch]
    return value


@dataclass
class _Token:
    kind: str
    start: int
    end: int
    match: re.Match[str]

    def group(self, name: str) -> str | None:
        return self.match.group(name)


def _add_months(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _span_back(now: datetime, amount: float, unit: str) -> datetime:
    """``now`` minus ``amount`` units (天/周/星期/月/年)."""
    if unit.endswith(("周", "星期", "礼拜")):
        return now - timedelta(days=7 * amount)
    if unit.endswith("月"):
        whole = int(amount)
        result = datetime.combine(_add_months(now.date(), -whole), now.time(), now.tzinfo)
        return result - timedelta(days=round((amount - whole) * 30))
    if unit.endswith("年"):
        whole = int(amount)
        result = datetime.combine(_add_months(now.date(), -12 * whole), now.time(), now.tzinfo)
        return result - timedelta(days=round((amount - whole) * 365))
    return now - timedelta(days=amount)


def _amount(token: str) -> float:
    if token == "半":
        return 0.5
    if token == "几":
        return 3
    return cn_to_int(token)


def _tokens(text: str) -> list[_Token]:
    tokens = []
    for match in _TOKEN_RE.finditer(text):
        kind = next(name[2:] for name, value in match.groupdict().items() if name.startswith("T_") and value)
        tokens.append(_Token(kind, match.start(), match.end(), match))
    return tokens


def _groups(text: str, tokens: list[_Token]) -> list[list[_Token]]:
    """Adjacent tokens (at most one space or 的 between them) form one mention."""
    groups: list[list[_Token]] = []
    for token in tokens:
        if groups and _GLUE_RE.fullmatch(text[groups[-1][-1].end:token.start]):
            groups[-1].append(token)
        else:
            groups.append([token])
    return groups


class _Resolver:
    """Turns one group of tokens into a :class:`TimeMention` (or None when the group says nothing)."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.today = now.date()

    def at(self, day: date, hour: float = 0) -> datetime:
        return datetime.combine(day, time(0), self.now.tzinfo) + timedelta(hours=hour)

    # -- date-like tokens -> (first day, day after the last day) --------------------------------------------
    def date_range(self, tok: _Token) -> tuple[date, date] | None:
        today = self.today
        text = tok.match.group(0)
        if tok.kind == "day":
            day = today + timedelta(days=_DAY_WORDS[text])
            return day, day + timedelta(days=1)
        if tok.kind == "dayperiod":
            day = today + timedelta(days=_DAY_PERIOD_WORDS[text][0])
            return day, day + timedelta(days=1)
        if tok.kind == "week":
            return self._week(tok.group("wp"), tok.group("wd"))
        if tok.kind == "wholeweek":
            monday = today - timedelta(days=today.weekday()) + timedelta(days=7 * self._week_offset(tok.group("wwp")))
            return monday, monday + timedelta(days=7)
        if tok.kind == "absdate":
            return self._absdate(tok)
        if tok.kind == "month":
            return self._month(tok.group("mp"), tok.group("mpart"))
        if tok.kind == "season":
            return self._season(tok.group("sy"), tok.group("ss"))
        if tok.kind == "ago":
            day = _span_back(self.now, _amount(tok.group("an")), tok.group("au")).date()
            return day, day + timedelta(days=1)
        return None

    @staticmethod
    def _week_offset(prefix: str | None) -> int:
        if not prefix:
            return 0
        if prefix.startswith("上上"):
            return -2
        if prefix.startswith("上"):
            return -1
        if prefix.startswith("下"):
            return 1
        return 0

    def _week(self, prefix: str | None, day_word: str) -> tuple[date, date]:
        monday = self.today - timedelta(days=self.today.weekday())
        if day_word == "末":
            saturday = monday + timedelta(days=5 + 7 * self._week_offset(prefix))
            if prefix is None and saturday > self.today:
                saturday -= timedelta(days=7)
            return saturday, saturday + timedelta(days=2)
        day = monday + timedelta(days=_WEEKDAYS[day_word] + 7 * self._week_offset(prefix))
        if prefix is None and day > self.today:
            day -= timedelta(days=7)
        return day, day + timedelta(days=1)

    def _absdate(self, tok: _Token) -> tuple[date, date] | None:
        month, day_of_month = cn_to_int(tok.group("am")), cn_to_int(tok.group("ad"))
        if tok.group("ay"):
            years = [int(tok.group("ay"))]
        elif tok.group("ayw"):
            years = [self.today.year + _YEAR_WORDS[tok.group("ayw")]]
        else:
            years = [self.today.year, self.today.year - 1]
        for year in years:
            try:
                day = date(year, month, day_of_month)
            except ValueError:
                return None
            if len(years) == 1 or day <= self.today:
                return day, day + timedelta(days=1)
        return None

    def _month(self, prefix: str, part: str | None) -> tuple[date, date]:
        offset = {"本月": 0, "这个月": 0, "上上个月": -2, "上月": -1, "上个月": -1, "下月": 1, "下个月": 1}[prefix]
        first = _add_months(self.today.replace(day=1), offset)
        after = _add_months(first, 1)
        if part:
            low, high = _PART_OF_MONTH[part]
            last_day = (after - timedelta(days=1)).day
            return first.replace(day=low), first.replace(day=min(high, last_day)) + timedelta(days=1)
        return first, after

    def _season(self, year_word: str | None, season: str) -> tuple[date, date]:
        first_month, length = _SEASONS[season]
        if year_word:
            year = self.today.year + _YEAR_WORDS[year_word]
            if season == "冬" and self.today.month <= 2:  # in January "今年冬天" is the winter now under way
                year -= 1
            first = date(year, first_month, 1)
        else:
            first = date(self.today.year, first_month, 1)
            if season == "冬" and self.today.month <= 2:
                first = date(self.today.year - 1, 12, 1)
            elif first > self.today:
                first = date(self.today.year - 1, first_month, 1)
        return first, _add_months(first, length)

    # -- the whole group ------------------------------------------------------------------------------------
    def resolve(self, text: str, group: list[_Token]) -> TimeMention | None:
        kinds = [tok.kind for tok in group]
        if not _CONTENT_KINDS.intersection(kinds):
            return None
        # Trim leading 开始/以来 and trailing 从/自 that belong to neighbouring words.
        while group and group[0].kind == "since":
            group = group[1:]
        while group and group[-1].kind == "from":
            group = group[:-1]
        if self._is_vague_clock(text, group):
            return None
        since = any(tok.kind in ("since", "duration") for tok in group)
        start_at, end_at, recurring = self._interval(group)
        if start_at is None and recurring is None:  # e.g. "13月45号"
            return None
        if since and start_at is not None:
            end_at = self.now
        has_anchor = any(tok.kind in ("day", "dayperiod", "week", "absdate", "month", "season", "recur",
                                      "recent", "ago", "duration") for tok in group)
        start, end = group[0].start, group[-1].end
        value = recurring if recurring and start_at is None else _format_interval(start_at, end_at)
        if recurring and start_at is not None:
            value = f"{recurring} since {start_at.isoformat(timespec='minutes')}"
        return TimeMention(label=LABEL, value=value, start=start, end=end, confidence=0.9 if has_anchor else 0.7,
                           text=text[start:end], start_at=start_at, end_at=end_at, recurring=recurring, since=since)

    @staticmethod
    def _is_vague_clock(text: str, group: list[_Token]) -> bool:
        """A bare "一点"/"三点" usually means "a little" (快一点) or "three points" (有三点建议), not a clock time."""
        content = [tok for tok in group if tok.kind in _CONTENT_KINDS]
        if len(content) != 1 or content[0].kind != "clock":
            return False
        tok = content[0]
        hour_word = tok.group("cch")
        return bool(hour_word) and not hour_word.isdigit() and not tok.group("cmin") \
            and not tok.group("czh") and not text[tok.end:tok.end + 2].startswith(("多", "左右", "前后"))

    def _interval(self, group: list[_Token]) -> tuple[datetime | None, datetime | None, str | None]:
        by_kind: dict[str, _Token] = {}
        for tok in group:
            by_kind[tok.kind] = tok  # the last of each kind wins
        if "duration" in by_kind:
            tok = by_kind["duration"]
            amount = _amount(tok.group("dn"))
            return _span_back(self.now, amount, tok.group("du")), self.now, None
        if "recent" in by_kind:
            tok = by_kind["recent"]
            return _span_back(self.now, _amount(tok.group("rn")), tok.group("ru")), self.now, None

        period = self._period(by_kind)
        clock = self._clock(by_kind.get("clock"), period)
        recurring = self._recurring(by_kind.get("recur"), period, clock)

        date_tokens = [tok for tok in group if self.date_range(tok) is not None]
        days = self.date_range(date_tokens[-1]) if date_tokens else None
        if recurring is not None and days is None:
            return None, None, recurring
        if days is None:
            return self._undated(period, clock) + (recurring,)
        first, after = days
        if recurring is not None:  # "从上周三开始每天两点": the interval is when the pattern started
            return self.at(first), self.at(after), recurring
        if clock is not None:
            moment = self.at(first, clock)
            return moment, moment, recurring
        if period is not None and after - first == timedelta(days=1):
            low, high, _ = _PERIODS[period]
            return self.at(first, low), self.at(first, high), recurring
        return self.at(first), self.at(after), recurring

    @staticmethod
    def _period(by_kind: dict[str, _Token]) -> str | None:
        if "period" in by_kind:
            return by_kind["period"].match.group(0)
        if "dayperiod" in by_kind:
            return _DAY_PERIOD_WORDS[by_kind["dayperiod"].match.group(0)][1]
        if "recur" in by_kind and by_kind["recur"].match.group(0) in ("每晚", "每夜", "夜夜", "每天晚上"):
            return "晚上"
        return None

    @staticmethod
    def _clock(tok: _Token | None, period: str | None) -> float | None:
        """Hours after midnight of the mention's date (may exceed 24 for "昨晚两点")."""
        if tok is None:
            return None
        if tok.group("ch"):
            hour, minute = int(tok.group("ch")), int(tok.group("cm"))
        else:
            hour = cn_to_int(tok.group("cch"))
            minute_word = tok.group("cmin") or ""
            minute = {"半": 30, "一刻": 15, "三刻": 45, "": 0}.get(minute_word)
            if minute is None:
                minute = cn_to_int(minute_word.rstrip("分"))
        if hour > 24 or minute > 59:
            return None
        if period in _NIGHT_PERIODS and (hour == 12 or hour <= 4):  # 晚上12点 / 半夜三点: the next day's small hours
            hour = hour % 12 + 24
        elif (period in _PM_PERIODS and hour < 12) or (period == "中午" and hour <= 2):
            hour += 12
        elif period == "凌晨" and hour == 12:
            hour = 0
        return hour + minute / 60

    def _recurring(self, tok: _Token | None, period: str | None, clock: float | None) -> str | None:
        if tok is None:
            return None
        text = tok.match.group(0)
        if "周末" in text:
            base = "weekly Sat,Sun"
        elif tok.group("rw"):
            base = f"weekly {_WEEKDAY_EN[_WEEKDAYS[tok.group('rw')]]}"
        else:
            base = "daily"
        if clock is not None:
            total = round(clock * 60) % (24 * 60)
            return f"{base} {total // 60:02d}:{total % 60:02d}"
        if period is not None:
            return f"{base} {_PERIODS[period][2]}"
        return base

    def _undated(self, period: str | None, clock: float | None) -> tuple[datetime | None, datetime | None]:
        """Most recent occurrence at or before ``now``."""
        if clock is not None:
            moment = self.at(self.today, clock)
            while moment > self.now:
                moment -= timedelta(days=1)
            return moment, moment
        if period is not None:
            low, high, _ = _PERIODS[period]
            start = self.at(self.today, low)
            while start > self.now:
                start -= timedelta(days=1)
            return start, start + timedelta(hours=high - low)
        return None, None


def _format_interval(start_at: datetime | None, end_at: datetime | None) -> str:
    if start_at is None or end_at is None:
        return ""
    return f"{start_at.isoformat(timespec='minutes')}/{end_at.isoformat(timespec='minutes')}"


def extract_times(text: str, *, now: datetime) -> list[TimeMention]:
    """All time mentions in ``text``, left to right, resolved against ``now`` (see module docstring)."""
    resolver = _Resolver(now)
    mentions = []
    for group in _groups(text, _tokens(text)):
        try:
            mention = resolver.resolve(text, group)
        except (ValueError, OverflowError):  # "一二十点", "13月45号": not a time after all
            logger.debug("unresolvable time expression at %d..%d", group[0].start, group[-1].end)
            continue
        if mention is not None:
            mentions.append(mention)
    return mentions
