"""Runtime settings of the dispatch backend, read from ``REXIAN_DISPATCH_*`` environment variables."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_URL = "sqlite:///var/dispatch.sqlite3"
DEFAULT_CONFIG_DIR = Path(__file__).resolve().parent / "config"
#: Development-only API key of the bot. Production must set REXIAN_DISPATCH_API_KEY.
DEV_API_KEY = "rexian-dev-key"
#: Development-only webhook secret, used only in development mode (see :attr:`Settings.development`).
DEV_WEBHOOK_SECRET = "rexian-dev-webhook-secret"


def resolve_sqlite_url(url: str) -> str:
    """Make a relative ``sqlite:///relative/path`` absolute against the project root."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return url
    path = url[len(prefix):]
    if not path or path == ":memory:" or path.startswith("/"):
        return url
    return prefix + str(PROJECT_ROOT / path)


@dataclass(frozen=True)
class Settings:
    """Everything the backend needs at start-up."""

    db_url: str = resolve_sqlite_url(DEFAULT_DB_URL)
    host: str = "127.0.0.1"
    port: int = 8311
    config_dir: Path = DEFAULT_CONFIG_DIR
    api_keys: tuple[str, ...] = (DEV_API_KEY,)
    test_clock: bool = False
    webhook_urls: tuple[str, ...] = ()
    webhook_secret: str = ""
    sweep_seconds: float = 60.0
    public_url: str = ""
    #: Reads without a key: off = 403 (the default); on = the redacted public feed (see views.PUBLIC).
    public_feed: bool = False
    #: Unauthenticated requests per client address: a minute's rate and the burst allowed above it.
    public_rate_per_minute: float = 60.0
    public_burst: int = 20
    #: Public-feed reads served at once across all anonymous clients (more get a 429 at once).
    public_concurrency: int = 2

    @property
    def development(self) -> bool:
        """Development mode: the backend runs with the published development api_key (nothing is secret)."""
        return DEV_API_KEY in self.api_keys

    def effective_webhook_secret(self) -> str | None:
        """The key that signs webhooks, or None when webhooks must not be delivered (logged at start-up).

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

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        """Build settings from the environment (``os.environ`` by default)."""
        env = dict(os.environ if env is None else env)
        keys = tuple(k.strip() for k in env.get("REXIAN_DISPATCH_API_KEY", DEV_API_KEY).split(",") if k.strip())
        if DEV_API_KEY in keys:
            logger.warning("正在使用开发用 API key（%s）；生产环境必须设置 REXIAN_DISPATCH_API_KEY。", DEV_API_KEY)
        urls = tuple(u.strip() for u in env.get("REXIAN_DISPATCH_WEBHOOK_URLS", "").split(",") if u.strip())
        host = env.get("REXIAN_DISPATCH_HOST", "127.0.0.1")
        port = int(env.get("REXIAN_DISPATCH_PORT", "8311"))
        return cls(
            db_url=resolve_sqlite_url(env.get("REXIAN_DISPATCH_DB_URL", DEFAULT_DB_URL)),
            host=host,
            port=port,
            config_dir=Path(env.get("REXIAN_DISPATCH_CONFIG_DIR", str(DEFAULT_CONFIG_DIR))),
            api_keys=keys,
            test_clock=env.get("REXIAN_DISPATCH_TEST_CLOCK", "") == "1",
            webhook_urls=urls,
            webhook_secret=env.get("REXIAN_DISPATCH_WEBHOOK_SECRET", ""),
            sweep_seconds=float(env.get("REXIAN_DISPATCH_SWEEP_SECONDS", "60")),
            public_url=env.get("REXIAN_DISPATCH_PUBLIC_URL", f"http://{host}:{port}"),
            public_feed=env.get("REXIAN_DISPATCH_PUBLIC_FEED", "").strip().lower() in ("1", "true", "yes", "on"),
            public_rate_per_minute=float(env.get("REXIAN_DISPATCH_PUBLIC_RATE", "60")),
            public_burst=int(env.get("REXIAN_DISPATCH_PUBLIC_BURST", "20")),
            public_concurrency=int(env.get("REXIAN_DISPATCH_PUBLIC_CONCURRENCY", "2")),
        )
