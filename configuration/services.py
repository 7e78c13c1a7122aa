"""The processes of the stack and how they reach each other: ``rasa``, ``actions``, ``webchat``, ``tracker_store``,
``telegram``, ``callbacks``."""

from __future__ import annotations

from pathlib import Path

from pydantic import field_validator

from domain import BEIJING

from .base import HttpServiceSection, Section, ServerSection
from .paths import DatabaseUrl, ProjectPath, service_url

#: Development-only token of Rasa's HTTP API (production sets rasa.api_token / REXIAN_RASA_API_TOKEN).
DEV_RASA_API_TOKEN = "rexian-dev-rasa-token"


class RasaSettings(HttpServiceSection):
    port: int = 5005
    api_token: str = ""  # Rasa's HTTP API token (--auth-token) for triggering surveys; empty = development token
    venv: ProjectPath = Path(".venv/rasa")  # the Python 3.10 environment with rasa installed (the launcher runs it)

    @property
    def effective_api_token(self) -> str:
        return self.api_token or DEV_RASA_API_TOKEN


class ActionsSettings(ServerSection):
    port: int = 5055
    threads: int = 4  # worker threads the actions run in, off the server's event loop (bot/actions/offload.py)


class WebchatSettings(ServerSection):
    port: int = 8000
    push_db: ProjectPath = Path("var/webchat_push.sqlite3")  # pushed messages (surveys) until the page fetches them


class TrackerStoreSettings(Section):
    url: DatabaseUrl = "sqlite:///var/rasa_tracker.sqlite3"  # Rasa's conversations (the launcher writes endpoints.yml)


class TelegramSettings(Section):
    """The Telegram bridge (connectors/telegram): python-telegram-bot 22 in front of Rasa's REST channel."""

    token: str = ""                                  # from @BotFather; the bridge does not start without it
    api_base_url: str = "https://api.telegram.org/bot"  # tests point this at a local fake Bot API server
    mode: str = "polling"                            # "polling" or "webhook" (any case)
    webhook_url: str = ""                            # public HTTPS URL Telegram posts updates to (webhook mode)
    webhook_secret: str = ""                         # checked against X-Telegram-Bot-Api-Secret-Token
    webhook_host: str = "127.0.0.1"                  # where the webhook listener binds
    webhook_port: int = 8443
    host: str = "127.0.0.1"                          # the bridge's internal push endpoint (surveys)
    port: int = 8010
    rate_limit_per_minute: int = 20                  # messages a user may send per minute (0 = no limit)
    files_url: str = ""   # base URL where staff fetch citizens' photos (/files/<id>); empty = http://host:port

    @field_validator("token", "webhook_url", "files_url")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @field_validator("mode")
    @classmethod
    def _mode(cls, value: str) -> str:
        return value.strip().lower()

    @property
    def push_url(self) -> str:
        """The bridge's internal push endpoint as reached from this machine (callbacks push surveys there)."""
        return service_url(self.host, self.port)


class CallbacksSettings(Section):
    """Satisfaction callbacks (回访) after a work order is closed."""

    enabled: bool = True
    delay_minutes: float = 30.0        # wait this long after the closure before asking
    quiet_start: str = "21:00"         # no surveys from this local time ...
    quiet_end: str = "08:00"           # ... until this one
    timezone: str = str(BEIJING)       # Asia/Shanghai
    max_attempts: int = 3              # survey invitations before recording "no reply"
    retry_minutes: float = 240.0       # between invitations
    poll_seconds: float = 10.0         # how often the change feed is read
    store_url: DatabaseUrl = "sqlite:///var/callbacks.sqlite3"  # survey bookkeeping (SQLite or PostgreSQL URL)
    push_token: str = ""               # shared secret for the connectors' /internal/push; empty = development token
