"""Everything the scheduler needs: a view of :mod:`configuration` (``callbacks``, ``dispatch``, ``rasa`` and the
connectors' push endpoints), or built directly by tests. The configurable defaults are the configuration's own."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from configuration import CallbacksSettings, DispatchSettings, Settings, load_config

from .quiet import QuietHours

_DEFAULT = CallbacksSettings()  # rexian.yml's callbacks section with nothing set


def _default_quiet() -> QuietHours:
    return QuietHours.parse(_DEFAULT.quiet_start, _DEFAULT.quiet_end, _DEFAULT.timezone)


@dataclass
class CallbackConfig:
    store_url: str
    dispatch_url: str
    dispatch_api_key: str
    rasa_url: str
    rasa_token: str
    push_urls: dict[str, str]
    push_token: str = _DEFAULT.push_token
    quiet: QuietHours = field(default_factory=_default_quiet)
    delay: dt.timedelta = dt.timedelta(minutes=_DEFAULT.delay_minutes)
    retry: dt.timedelta = dt.timedelta(minutes=_DEFAULT.retry_minutes)
    max_attempts: int = _DEFAULT.max_attempts
    poll_seconds: float = _DEFAULT.poll_seconds
    postpone: dt.timedelta = dt.timedelta(minutes=5)         # the citizen is in the middle of a form
    failure_backoff: dt.timedelta = dt.timedelta(minutes=5)  # Rasa, the connector or the backend was down
    lease: dt.timedelta = dt.timedelta(minutes=5)            # how long one invitation round may hold a survey
    max_age: dt.timedelta | None = dt.timedelta(days=7)      # older closures seen for the first time: no survey
    dispatch_timeout: float = DispatchSettings().timeout
    enabled: bool = _DEFAULT.enabled
    console_url: str = ""     # the agent console's internal API (empty: none to ask): no survey while handed off
    console_token: str = ""   # its internal token (empty: the development one)

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
            push_urls={"webchat": s.webchat.url, "telegram": s.telegram.push_url,
                       **({"wechat": s.wechat.push_url} if s.wechat.enabled else {})},  # when it runs
            push_token=cb.push_token,
            quiet=QuietHours.parse(cb.quiet_start, cb.quiet_end, cb.timezone),
            delay=dt.timedelta(minutes=cb.delay_minutes),
            retry=dt.timedelta(minutes=cb.retry_minutes),
            max_attempts=cb.max_attempts,
            poll_seconds=cb.poll_seconds,
            dispatch_timeout=s.dispatch.timeout,
            enabled=cb.enabled,
            console_url=s.console.url,
            console_token=s.console.effective_internal_token,
        )
