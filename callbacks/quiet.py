"""Quiet hours (免打扰时段): no survey invitation is sent between ``quiet_start`` and ``quiet_end`` local time.

The range may cross midnight (the default 21:00–08:00). A time inside the range is moved forward to the range's
end; ``quiet_start == quiet_end`` means no quiet hours at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo


def parse_clock(text: str) -> dt.time:
    """``"21:00"`` → ``time(21, 0)``; raises ``ValueError`` for anything else."""
    hours, _, minutes = text.strip().partition(":")
    return dt.time(int(hours), int(minutes or 0))


@dataclass(frozen=True)
class QuietHours:
    """A daily range of local time during which nobody is contacted."""

    start: dt.time
    end: dt.time
    timezone: ZoneInfo

    @classmethod
    def parse(cls, start: str, end: str, timezone: str) -> QuietHours:
        return cls(parse_clock(start), parse_clock(end), ZoneInfo(timezone))

    def is_quiet(self, when: dt.datetime) -> bool:
        """Whether the aware datetime ``when`` falls inside the quiet range."""
        local = when.astimezone(self.timezone).time()
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_allowed(self, when: dt.datetime) -> dt.datetime:
        """``when`` itself when it is outside the quiet range, else the end of that range (aware, local zone)."""
        if when.tzinfo is None:
            raise ValueError("next_allowed needs an aware datetime")
        if not self.is_quiet(when):
            return when
        local = when.astimezone(self.timezone)
        end_today = dt.datetime.combine(local.date(), self.end, tzinfo=self.timezone)
        if self.start < self.end or local.time() < self.end:
            return end_today
        return dt.datetime.combine(local.date() + dt.timedelta(days=1), self.end, tzinfo=self.timezone)
