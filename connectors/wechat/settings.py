"""The connector's settings: the ``wechat`` section of :mod:`configuration` plus ``rasa.url`` and
``callbacks.push_token`` (tests build them directly; the defaults are the configuration's own)."""
from __future__ import annotations

from configuration import Settings, WechatSettings

from connectors.wechat.envelope import PLAINTEXT

AES_KEY_LENGTH = 43


class SettingsError(ValueError):
    """The connector cannot start with these settings; the message is Chinese and says what to set."""


class ConnectorSettings(WechatSettings):
    """The ``wechat`` section and what the connector needs from the others."""

    rasa_url: str
    push_token: str = ""       # callbacks.push_token: the secret of the connector's /internal/push
    rasa_timeout: float = 60.0

    @classmethod
    def from_config(cls, settings: Settings) -> ConnectorSettings:
        return cls(**settings.wechat.model_dump(), rasa_url=settings.rasa.url or "",
                   push_token=settings.callbacks.push_token)

    def validate(self) -> None:
        """Raise ``SettingsError`` (in Chinese, naming the variable to set) when the connector cannot start."""
        if not self.app_id or not self.secret:
            raise SettingsError("未配置公众号 AppID / AppSecret：请设置 REXIAN_WECHAT_APP_ID 和 REXIAN_WECHAT_SECRET"
                                "（或 rexian.yml 的 wechat.app_id、wechat.secret）。")
        if not self.token:
            raise SettingsError("未配置服务器令牌：请设置 REXIAN_WECHAT_TOKEN（与公众号后台 基本配置 中的 Token 相同）。")
        if self.mode != PLAINTEXT and len(self.aes_key) != AES_KEY_LENGTH:
            raise SettingsError("兼容模式和安全模式需要 43 个字符的 EncodingAESKey：请设置 REXIAN_WECHAT_AES_KEY。")
        if not self.rasa_url:
            raise SettingsError("未配置 Rasa 地址：请设置 rasa.url 或 rasa.host/rasa.port。")
        if self.passive_seconds <= 0 or self.passive_seconds >= 5:
            raise SettingsError("wechat.passive_seconds 必须大于 0 且小于 5（微信只等 5 秒）。")
