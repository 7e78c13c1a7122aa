"""The bridge's settings: the ``telegram`` section of :mod:`configuration` plus ``rasa.url`` and
``callbacks.push_token`` (tests build them directly; the defaults are the configuration's own)."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from configuration import Settings, TelegramSettings

POLLING = "polling"
WEBHOOK = "webhook"
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as secret_token


class SettingsError(ValueError):
    """The bridge cannot start with these settings; the message is Chinese and says what to set."""


def file_base_url(api_base_url: str) -> str:
    """The Bot API file URL matching ``api_base_url``: ``https://host/bot`` → ``https://host/file/bot``."""
    base = api_base_url.rstrip("/")
    head, sep, tail = base.rpartition("/")
    if sep and tail.startswith("bot"):
        return f"{head}/file/{tail}"
    return base + "/file/bot"


class BridgeSettings(TelegramSettings):
    """The ``telegram`` section and what the bridge needs from the others."""

    rasa_url: str
    push_token: str = ""       # callbacks.push_token: the secret of the bridge's /internal/push
    rasa_timeout: float = 30.0

    @classmethod
    def from_config(cls, settings: Settings) -> BridgeSettings:
        return cls(**settings.telegram.model_dump(), rasa_url=settings.rasa.url or "",
                   push_token=settings.callbacks.push_token)

    @property
    def photo_base_url(self) -> str:
        """Where a citizen's photo is served by the bridge (Telegram's own file URL contains the bot token)."""
        return (self.files_url or f"http://{self.host}:{self.port}").rstrip("/") + "/files"

    @property
    def file_base_url(self) -> str:
        return file_base_url(self.api_base_url)

    @property
    def webhook_path(self) -> str:
        """The path the webhook listener serves: the path of ``webhook_url`` (Telegram posts exactly there)."""
        return urlsplit(self.webhook_url).path or "/"

    def validate(self) -> None:
        """Raise ``SettingsError`` (in Chinese, naming the variable to set) when the bridge cannot start."""
        if not self.token:
            raise SettingsError(
                "未配置 Telegram 机器人令牌：请先通过 @BotFather 创建机器人，"
                "再设置环境变量 REXIAN_TELEGRAM_TOKEN（或 rexian.yml 的 telegram.token）。"
            )
        if not self.rasa_url:
            raise SettingsError("未配置 Rasa 地址：请设置 rasa.url 或 rasa.host/rasa.port。")
        if self.mode not in (POLLING, WEBHOOK):
            raise SettingsError(f"telegram.mode 只能是 polling 或 webhook，当前为：{self.mode!r}")
        if self.mode == WEBHOOK:
            if not self.webhook_url:
                raise SettingsError("webhook 模式需要设置 REXIAN_TELEGRAM_WEBHOOK_URL（Telegram 可访问的 HTTPS 地址）。")
            if not SECRET_PATTERN.match(self.webhook_secret):
                raise SettingsError(
                    "webhook 模式需要设置 REXIAN_TELEGRAM_WEBHOOK_SECRET："
                    "1 至 256 个字符，只能包含字母、数字、下划线和减号。"
                )
        if self.rate_limit_per_minute < 0:
            raise SettingsError("telegram.rate_limit_per_minute 不能为负数（0 表示不限制）。")
