"""The ``dispatch`` section (the Open311 work-order backend, seen by the bot and run by ``python -m dispatch_backend``)
and ``demo`` (the demo database of ``rexian report``).

One section for both sides, so one variable has one meaning: ``dispatch.api_key`` (``REXIAN_DISPATCH_API_KEY``) is
the bot's one key — the client sends it and the embedded backend accepts it; ``dispatch.extra_api_keys``
(``REXIAN_DISPATCH_EXTRA_API_KEYS``, comma-separated) are further keys the embedded backend accepts, e.g. for an
operator's tools.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from pydantic import field_validator, model_validator

from .base import HttpServiceSection, Section, derive_from_address
from .paths import DatabaseUrl, ProjectPath

logger = logging.getLogger(__name__)

#: Development-only api_key of the bot, accepted by the embedded backend. Production sets REXIAN_DISPATCH_API_KEY.
DEV_DISPATCH_API_KEY = "rexian-dev-key"
#: Development-only webhook secret, used only in development mode (see :attr:`DispatchServerSettings.development`).
DEV_WEBHOOK_SECRET = "rexian-dev-webhook-secret"
#: Where ``seed-demo`` writes, and ``rexian report --demo`` reads, unless ``--db`` names another database.
DEMO_DB_URL = "sqlite:///var/demo_dispatch.sqlite3"


class DispatchServerSettings(Section):
    """What the embedded backend (``python -m dispatch_backend``) needs at start-up."""

    host: str = "127.0.0.1"            # where the embedded backend listens
    port: int = 8311
    api_key: str = ""                  # the bot's one key; empty = the development key
    extra_api_keys: tuple[str, ...] = ()  # further keys the embedded backend accepts (operators' tools)
    db_url: DatabaseUrl = "sqlite:///var/dispatch.sqlite3"
    config_dir: ProjectPath = Path("dispatch_backend/config")  # routing, services, department keys, holidays
    test_clock: bool = False           # honour the X-Rexian-Test-Now header: tests only, never in production
    webhook_urls: tuple[str, ...] = ()
    webhook_secret: str = ""
    sweep_seconds: float = 60.0        # how often open orders are checked for missed deadlines (0 = only on reads)
    public_url: str = ""               # the URL announced in /discovery.json; empty = http://<host>:<port>
    public_feed: bool = False          # reads without a key: off = 403; on = the redacted public feed
    public_rate: float = 60.0          # requests a minute per client address without a valid key ...
    public_burst: int = 20             # ... and the burst allowed above that rate
    public_concurrency: int = 2        # public-feed reads served at once across all anonymous clients

    @model_validator(mode="before")
    @classmethod
    def _derive_public_url(cls, data: Any) -> Any:
        return derive_from_address(cls, data, "public_url", lambda host, port: f"http://{host}:{port}")

    @field_validator("api_key")
    @classmethod
    def _one_key(cls, value: str) -> str:
        value = value.strip()
        if "," in value:
            raise ValueError("dispatch.api_key（REXIAN_DISPATCH_API_KEY）是机器人的一个密钥，不能用逗号分隔多个；"
                             "内置派单后台另外接受的密钥请写在 dispatch.extra_api_keys（REXIAN_DISPATCH_EXTRA_API_KEYS）")
        return value

    @field_validator("extra_api_keys", "webhook_urls")
    @classmethod
    def _no_blanks(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(v.strip() for v in values if v.strip())

    @property
    def effective_api_key(self) -> str:
        """The bot's key: the configured one, or the development key."""
        return self.api_key or DEV_DISPATCH_API_KEY

    @property
    def api_keys(self) -> tuple[str, ...]:
        """Every key the embedded backend accepts for bot operations: the bot's, then the extra ones."""
        return tuple(dict.fromkeys((self.effective_api_key, *self.extra_api_keys)))

    @property
    def development(self) -> bool:
        """Development mode: the backend accepts the published development api_key (nothing is secret)."""
        return DEV_DISPATCH_API_KEY in self.api_keys

    def effective_webhook_secret(self) -> str | None:
        """The key that signs webhooks, or None when webhooks must not be delivered (logged).

        A configured secret always wins. Without one, development mode signs with the published
        :data:`DEV_WEBHOOK_SECRET`; any other deployment refuses to deliver rather than sign with an empty key.
        """
        if self.webhook_secret:
            return self.webhook_secret
        if not self.webhook_urls:
            return None
        if self.development:
            logger.warning("未设置 REXIAN_DISPATCH_WEBHOOK_SECRET：开发模式下 webhook 用公开的开发密钥 %s 签名；"
                           "生产环境必须设置自己的密钥。", DEV_WEBHOOK_SECRET)
            return DEV_WEBHOOK_SECRET
        logger.error("未设置 REXIAN_DISPATCH_WEBHOOK_SECRET：不发送 webhook（REXIAN_DISPATCH_WEBHOOK_URLS 已配置 %d 个地址）。"
                     "Webhooks disabled: REXIAN_DISPATCH_WEBHOOK_SECRET is empty outside development mode; "
                     "set a secret to deliver closure events.", len(self.webhook_urls))
        return None


class DispatchSettings(DispatchServerSettings, HttpServiceSection):
    """The whole section: the server's settings above, and how the bot reaches and uses the backend (``url``: the
    backend the bot talks to; null = ``http://<host>:<port>``, the embedded one)."""

    embedded: bool = True       # start the bundled dispatch_backend with the stack; False for an external server
    outbox: ProjectPath = Path("var/dispatch_outbox.sqlite3")  # creations waiting for an unreachable backend
    timeout: float = 5.0        # seconds per HTTP call
    retries: int = 2            # retries on network errors and 5xx before the outbox takes over

    def server(self) -> DispatchServerSettings:
        """Only what the embedded backend reads."""
        return DispatchServerSettings.model_validate(self.model_dump(include=set(DispatchServerSettings.model_fields)))


class DemoSettings(Section):
    """``rexian report seed-demo`` / ``rexian report --demo``: a database of their own, never the live one."""

    db_url: DatabaseUrl = DEMO_DB_URL
