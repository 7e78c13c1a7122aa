"""The ``console`` section: the seat-agent console (坐席助手, ``python -m agent_console``, docs/console.md).

Only the console's own knobs live here. What the console shares with the rest of the stack is read from the
section that owns it, never repeated: the connectors' push endpoints (``webchat``, ``telegram``) and their token
(``callbacks.push_token``), Rasa's HTTP API (``rasa.url``, ``rasa.api_token``), the knowledge base of the suggested
answers (``kb``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from pydantic import Field, field_validator, model_validator

from domain import BEIJING

from .base import ServerSection
from .paths import DatabaseUrl

#: Development-only token of the console's internal API (production sets console.internal_token /
#: REXIAN_CONSOLE_INTERNAL_TOKEN); the console and the bot side both fall back to it when none is set.
DEV_CONSOLE_TOKEN = "rexian-dev-console-token"

DAY_MINUTES = 24 * 60


@dataclass(frozen=True)
class ServiceHours:
    """When agents are on duty (人工在线服务时间), every day, Beijing time: ``"08:00-20:00"``, several ranges separated
    by commas (``"08:00-12:00,13:30-18:00"``), a range may cross midnight (``"20:00-02:00"``), ``"00:00-24:00"`` is
    the whole day and ``""`` never (no agent works on the chat channels)."""

    windows: tuple[tuple[int, int], ...]   # (start, end) in minutes after midnight; end may be 1440 (24:00)

    @classmethod
    def parse(cls, text: str) -> ServiceHours:
        windows = []
        for part in (p.strip() for p in text.replace("，", ",").split(",")):
            if not part:
                continue
            start, sep, end = part.replace("～", "-").replace("~", "-").partition("-")
            if not sep:
                raise ValueError(f"人工服务时间“{part}”应写成“08:00-20:00”")
            first, last = _minutes(start), _minutes(end)
            if first == last or first == DAY_MINUTES:
                raise ValueError(f"人工服务时间“{part}”的开始和结束不能相同（全天请写“00:00-24:00”）")
            windows.append((first, last))
        return cls(tuple(windows))

    def on_duty(self, when: dt.datetime) -> bool:
        """Whether agents are on duty at the aware datetime ``when``."""
        local = when.astimezone(BEIJING)
        minute = local.hour * 60 + local.minute
        for start, end in self.windows:
            if start < end and start <= minute < end:
                return True
            if start > end and (minute >= start or minute < end):  # across midnight
                return True
        return False

    def describe(self) -> str:
        """For the citizen: "每天 08:00-20:00", "全天", "" (never)."""
        if any((start, end) == (0, DAY_MINUTES) for start, end in self.windows):
            return "全天"
        return ("每天 " + "、".join(f"{_clock(s)}-{_clock(e)}" for s, e in self.windows)) if self.windows else ""


def _minutes(text: str) -> int:
    hours, sep, minutes = text.strip().partition(":")
    try:
        value = int(hours) * 60 + (int(minutes) if sep else 0)
    except ValueError:
        raise ValueError(f"“{text.strip()}”不是时刻（应写成 08:00）") from None
    if not 0 <= int(hours) <= 24 or (sep and not 0 <= int(minutes) < 60) or not 0 <= value <= DAY_MINUTES:
        raise ValueError(f"“{text.strip()}”不是时刻（应写成 08:00）")
    return value


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class ConsoleSettings(ServerSection):
    """The seat-agent console: where it listens (``url`` from ``host`` and ``port``), its database, the bot side's
    token, sessions and heartbeats, the notices pushed to the citizen, suggested answers, and when agents are on
    duty (``service_hours``: the bot hands a conversation over only then)."""

    port: int = 8020
    db_url: DatabaseUrl = "sqlite:///var/console.sqlite3"  # SQLite file, or postgresql+psycopg://user:pw@host/db
    internal_token: str = ""              # shared secret of /internal/* (the bot side); empty = development token
    heartbeat_timeout: float = 60.0       # seconds without a heartbeat before an agent's conversations return
    ping_seconds: float = 15.0            # SSE keep-alive, each one a heartbeat (at most half the timeout)
    sweep_seconds: float = 5.0            # how often absent agents and expired sessions are looked for
    session_hours: float = 12.0           # a login lasts at most this long ...
    session_idle_minutes: float = 120.0   # ... and ends after this long without any request or ping
    login_max_failures: int = 5           # wrong passwords in a row before a name is locked ...
    login_lock_minutes: float = 15.0      # ... for this long
    cookie_secure: bool = False           # Secure session cookies: true behind HTTPS
    assist: Literal["none", "kb"] = "none"  # suggested answers: none, or from the knowledge base (the kb section)
    resume_reset_slots: list[str] = Field(default_factory=lambda: ["handoff_active"])  # set to null with the resume
    service_hours: str = "08:00-20:00"    # when agents are on duty, Beijing time, every day ("" = never)
    take_message: str = "您好，人工话务员已接入，正在查看您之前的对话，请稍候。"  # pushed on take; empty = none
    handback_message: str = "人工服务已结束，接下来由智能助手继续为您服务。如需人工，请回复“转人工”。"  # empty = none

    @field_validator("internal_token")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @field_validator("assist", mode="before")
    @classmethod
    def _assist(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("service_hours")
    @classmethod
    def _service_hours(cls, value: str) -> str:
        ServiceHours.parse(value)  # refuses what it cannot read
        return value.strip()

    @field_validator("resume_reset_slots")
    @classmethod
    def _no_blank_slots(cls, values: list[str]) -> list[str]:
        return [v.strip() for v in values if v.strip()]

    @model_validator(mode="after")
    def _timing(self) -> ConsoleSettings:
        if self.ping_seconds <= 0 or self.heartbeat_timeout < 2 * self.ping_seconds:
            raise ValueError("console.heartbeat_timeout 至少要是 console.ping_seconds 的两倍（ping_seconds 须大于 0）")
        if self.sweep_seconds <= 0:
            raise ValueError("console.sweep_seconds 必须大于 0")
        return self

    @property
    def hours(self) -> ServiceHours:
        """``service_hours`` read: when agents are on duty (the bot tells the citizen, docs/console.md)."""
        return ServiceHours.parse(self.service_hours)

    @property
    def effective_internal_token(self) -> str:
        """The internal API's token: the configured one, or the development token."""
        return self.internal_token or DEV_CONSOLE_TOKEN
