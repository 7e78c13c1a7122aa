"""The ``wechat`` section: the WeChat Official Account connector (微信公众号, ``python -m connectors.wechat``,
docs/wechat.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, field_validator

from .base import ServerSection
from .paths import ProjectPath

#: The message-encryption modes of the WeChat admin console (消息加解密方式): 明文 / 兼容 / 安全.
WECHAT_MODES = ("plaintext", "compatible", "safe")

#: The custom menu published by ``rexian wechat menu push`` unless ``wechat.menu`` says otherwise: four CLICK
#: buttons whose keys the connector maps to the bot's intents (connectors/wechat/events.py).
DEFAULT_WECHAT_MENU: dict[str, Any] = {
    "button": [
        {"type": "click", "name": "咨询", "key": "CONSULT"},
        {"type": "click", "name": "投诉", "key": "COMPLAIN"},
        {"name": "更多服务", "sub_button": [  # WeChat allows at most three top-level buttons
            {"type": "click", "name": "查询工单", "key": "ORDER_STATUS"},
            {"type": "click", "name": "转人工", "key": "AGENT"},
        ]},
    ]
}


class WechatSettings(ServerSection):
    """The WeChat connector: receives the account's messages (``path`` on ``host:port``, registered in 公众号后台 →
    开发 → 基本配置), answers through Rasa's REST channel and WeChat's APIs."""

    app_id: str = ""                      # AppID (开发者ID); the launcher starts the connector only when it is set
    secret: str = ""                      # AppSecret (开发者密码), for the access token
    token: str = ""                       # Token of 基本配置: checks every request's signature
    aes_key: str = ""                     # EncodingAESKey (43 characters), compatible and safe modes
    mode: str = "plaintext"               # plaintext | compatible | safe (消息加解密方式)
    port: int = 8030
    path: str = "/wechat"                 # the URL path registered as the server URL
    api_base_url: str = "https://api.weixin.qq.com"  # tests point this at a local fake WeChat API
    public_url: str = ""                  # public HTTPS base URL of this connector (photo links); empty = http://host:port
    template_id: str = ""                 # template message inviting the citizen back for a survey after 48 hours
    menu: dict[str, Any] = Field(default_factory=lambda: json.loads(json.dumps(DEFAULT_WECHAT_MENU)))
    db: ProjectPath = Path("var/wechat.sqlite3")  # seen messages, offered options, kept surveys, the access token
    passive_seconds: float = 4.0          # answer passively when the bot answers within this; else 客服消息
    service_window_hours: float = 48.0    # customer-service messages only this long after the citizen's last message
    media_secret: str = ""                # signs photo links (/media/<signed id>); empty = derived from secret

    @field_validator("app_id", "secret", "token", "aes_key", "public_url", "template_id", "api_base_url")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @field_validator("mode")
    @classmethod
    def _mode(cls, value: str) -> str:
        mode = value.strip().lower()
        if mode not in WECHAT_MODES:
            raise ValueError(f"wechat.mode 应为 {' / '.join(WECHAT_MODES)} 之一，而不是“{value}”")
        return mode

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        value = value.strip() or "/wechat"
        return value if value.startswith("/") else "/" + value

    @field_validator("menu", mode="before")
    @classmethod
    def _menu(cls, value: Any) -> Any:
        """The menu from the environment is YAML or JSON text."""
        if isinstance(value, str):
            value = yaml.safe_load(value) if value.strip() else {}
        return value or {}

    @property
    def enabled(self) -> bool:
        """Whether the connector runs (the launcher starts it only then)."""
        return bool(self.app_id)

    @property
    def push_url(self) -> str:
        """The connector's internal push endpoint as reached from this machine."""
        return self.url

    @property
    def effective_public_url(self) -> str:
        """Where citizens' photos are fetched by staff: ``public_url`` or ``http://host:port``."""
        return (self.public_url or self.url).rstrip("/")

    @property
    def effective_media_secret(self) -> str:
        """The key of signed media links."""
        return self.media_secret or f"rexian-media:{self.secret or self.app_id}"
