"""How agents use the suggested answers: of the suggestions shown to the agent who had the conversation, how many
were sent unchanged, sent after editing, or not sent at all. For the supervisor page (``GET /api/stats/suggestions``)
and for ``rexian report`` (:func:`suggestion_usage_from_config`).

A suggestion counts as **shown** when it was pushed while an agent had the conversation, or that agent's page read
it; **sent unchanged** when the agent's reply was its answer (whitespace aside), **edited** when the reply started
from it and differed; **not sent** otherwise (including suggestions of conversations still in progress).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, select

from agent_console.models import SENT_EDITED, SENT_UNCHANGED, SuggestionShown, User
from agent_console.store import Store
from domain import BEIJING


@dataclass(frozen=True)
class UsageCounts:
    shown: int = 0
    unchanged: int = 0
    edited: int = 0

    @property
    def not_sent(self) -> int:
        return self.shown - self.unchanged - self.edited

    @property
    def sent(self) -> int:
        return self.unchanged + self.edited

    def rate(self, count: int) -> float | None:
        return round(count / self.shown, 4) if self.shown else None

    def to_dict(self) -> dict[str, Any]:
        return {"shown": self.shown, "unchanged": self.unchanged, "edited": self.edited, "not_sent": self.not_sent,
                "unchanged_rate": self.rate(self.unchanged), "edited_rate": self.rate(self.edited),
                "not_sent_rate": self.rate(self.not_sent)}


@dataclass(frozen=True)
class SuggestionUsage:
    """Counts over suggestions shown in ``[start, end)`` (either may be open), overall and per agent."""

    start: dt.datetime | None
    end: dt.datetime | None
    overall: UsageCounts
    by_agent: dict[str, UsageCounts] = field(default_factory=dict)   # agent's display name → counts
    by_entry: dict[str, UsageCounts] = field(default_factory=dict)   # KB entry id → counts

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start.isoformat() if self.start else None,
                "end": self.end.isoformat() if self.end else None,
                "overall": self.overall.to_dict(),
                "by_agent": {k: v.to_dict() for k, v in self.by_agent.items()},
                "by_entry": {k: v.to_dict() for k, v in self.by_entry.items()}}


def _bound(value: dt.datetime | dt.date | None) -> dt.datetime | None:
    """A bound as an aware time; a date is midnight in Beijing."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time(), tzinfo=BEIJING)
    return value if value.tzinfo else value.replace(tzinfo=BEIJING)


def suggestion_usage(store: Store, start: dt.datetime | dt.date | None = None,
                     end: dt.datetime | dt.date | None = None) -> SuggestionUsage:
    """Count the suggestions shown in ``[start, end)``."""
    lower, upper = _bound(start), _bound(end)
    unchanged = func.sum(case((SuggestionShown.outcome == SENT_UNCHANGED, 1), else_=0))
    edited = func.sum(case((SuggestionShown.outcome == SENT_EDITED, 1), else_=0))
    conditions = [SuggestionShown.shown_at.is_not(None)]
    if lower is not None:
        conditions.append(SuggestionShown.shown_at >= lower)
    if upper is not None:
        conditions.append(SuggestionShown.shown_at < upper)

    def counts(row: Any) -> UsageCounts:
        return UsageCounts(int(row[-3] or 0), int(row[-2] or 0), int(row[-1] or 0))

    with store.begin() as db:
        overall = db.execute(select(func.count(), unchanged, edited).where(*conditions)).one()
        agents = db.execute(select(func.coalesce(User.display_name, "?"), func.count(), unchanged, edited)
                            .select_from(SuggestionShown)
                            .outerjoin(User, User.id == SuggestionShown.shown_to)
                            .where(*conditions).group_by(User.display_name)).all()
        entries = db.execute(select(SuggestionShown.entry_id, func.count(), unchanged, edited)
                             .where(*conditions).group_by(SuggestionShown.entry_id)).all()
    return SuggestionUsage(lower, upper, counts(overall),
                           {str(r[0]): counts(r) for r in agents},
                           {str(r[0]): counts(r) for r in sorted(entries, key=lambda r: -int(r[1]))})


def suggestion_usage_from_config(start: dt.datetime | dt.date | None = None, end: dt.datetime | dt.date | None = None,
                                 *, db_url: str | None = None) -> SuggestionUsage:
    """The same counts from the console's database of the configuration (``console.db_url``), for ``rexian report``.
    A database the console never created yields zeros."""
    from sqlalchemy import inspect

    from configuration import load_config

    store = Store(db_url or load_config().console.db_url)
    try:
        if not inspect(store.engine).has_table(SuggestionShown.__tablename__):
            return SuggestionUsage(_bound(start), _bound(end), UsageCounts())
        return suggestion_usage(store, start, end)
    finally:
        store.dispose()


def usage_lines(usage: SuggestionUsage) -> list[str]:
    """The counts as lines of text (what ``rexian report`` may print)."""
    o = usage.overall

    def pct(value: float | None) -> str:
        return "—" if value is None else f"{value * 100:.1f}%"

    lines = [f"坐席建议答复：展示 {o.shown} 条，原样发送 {o.unchanged}（{pct(o.rate(o.unchanged))}），"
             f"修改后发送 {o.edited}（{pct(o.rate(o.edited))}），未采用 {o.not_sent}（{pct(o.rate(o.not_sent))}）"]
    for name, counts in usage.by_agent.items():
        lines.append(f"  {name}：展示 {counts.shown}，原样 {counts.unchanged}，修改 {counts.edited}，未采用 {counts.not_sent}")
    return lines


__all__ = ["SuggestionUsage", "UsageCounts", "suggestion_usage", "suggestion_usage_from_config",
           "usage_lines"]
