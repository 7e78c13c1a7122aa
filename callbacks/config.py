"""Everything the scheduler needs, taken from ``rexian.config.load_config()`` (or built directly by tests)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from rexian.config import Settings, load_config

from .quiet import QuietHours


def _url(host: str, port: int) -> str:
    host = "127.0.0.1" if host in ("0.0.0.0", "") else host
    return f"http://{host}:{port}"


@dataclass
class CallbackConfig:
    store_url: str
    dispatch_url: str
    dispatch_api_key: str
    rasa_url: str
    rasa_token: str
    push_urls: dict[str, str]
    push_token: str = ""
    quiet: QuietHours = field(default_factory=lambda: QuietHours.parse("21:00", "08:00", "Asia/Shanghai"))
    delay: dt.timedelta = dt.timedelta(minutes=30)
    retry: dt.timedelta = dt.timedelta(minutes=240)
    max_attempts: int = 3
    poll_seconds: float = 10.0
    postpone: dt.timedelta = dt.timedelta(minutes=5)         # the citizen is in the middle of a form
    failure_backoff: dt.timedelta = dt.timedelta(minutes=5)  # Rasa, the connector or the backend was down
    lease: dt.timedelta = dt.timedelta(minutes=5)            # how long one invitation round may hold a survey
    max_age: dt.timedelta | None = dt.timedelta(days=7)      # older closures seen for the first time: no survey
    dispatch_timeout: float = 5.0
    enabled: bool = True

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> CallbackConfig:
        s = settings or load_config()
        cb = s.callbacks
        return cls(
            store_url=cb.store_url,
            dispatch_url=str(s.dispatch.url),
            dispatch_api_key=s.dispatch.effective_api_key,
            rasa_url=str(s.rasa.url),
            rasa_token=s.rasa.effective_api_token,
            push_urls={"webchat": _url(s.webchat.host, s.webchat.port),
                       "telegram": _url(s.telegram.host, s.telegram.port)},
            push_token=cb.push_token,
            quiet=QuietHours.parse(cb.quiet_start, cb.quiet_end, cb.timezone),
            delay=dt.timedelta(minutes=cb.delay_minutes),
            retry=dt.timedelta(minutes=cb.retry_minutes),
            max_attempts=cb.max_attempts,
            poll_seconds=cb.poll_seconds,
            dispatch_timeout=s.dispatch.timeout,
            enabled=cb.enabled,
        )
