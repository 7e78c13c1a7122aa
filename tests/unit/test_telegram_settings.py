"""The Telegram bridge's settings and its refusal to start without a token."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from connectors.telegram.settings import BridgeSettings, SettingsError, file_base_url
from configuration import PROJECT_ROOT, load_config


def _settings(**overrides: object) -> BridgeSettings:
    values: dict = {"token": "123:abc", "rasa_url": "http://127.0.0.1:5005"}
    values.update(overrides)
    return BridgeSettings(**values)


def test_file_base_url_follows_api_base_url() -> None:
    assert file_base_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_base_url("http://127.0.0.1:9000/bot/") == "http://127.0.0.1:9000/file/bot"


def test_from_config_reads_telegram_rasa_and_push_token(tmp_path) -> None:
    env = {
        "REXIAN_CONFIG": str(tmp_path / "none.yml"),
        "REXIAN_TELEGRAM_TOKEN": "42:xyz",
        "REXIAN_TELEGRAM_MODE": "Webhook",
        "REXIAN_TELEGRAM_RATE_LIMIT_PER_MINUTE": "7",
        "REXIAN_RASA_PORT": "6006",
        "REXIAN_CALLBACKS_PUSH_TOKEN": "secret-push",
    }
    (tmp_path / "none.yml").write_text("{}\n", encoding="utf-8")
    settings = BridgeSettings.from_config(load_config(env))
    assert settings.token == "42:xyz"
    assert settings.mode == "webhook"
    assert settings.rate_limit_per_minute == 7
    assert settings.rasa_url == "http://127.0.0.1:6006"
    assert settings.push_token == "secret-push"


def test_missing_token_is_a_chinese_error() -> None:
    with pytest.raises(SettingsError, match="REXIAN_TELEGRAM_TOKEN"):
        _settings(token="").validate()


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"mode": "push"}, "polling 或 webhook"),
        ({"mode": "webhook", "webhook_secret": "s3cret"}, "WEBHOOK_URL"),
        ({"mode": "webhook", "webhook_url": "https://bot.example.org/tg"}, "WEBHOOK_SECRET"),
        ({"mode": "webhook", "webhook_url": "https://bot.example.org/tg", "webhook_secret": "含中文"}, "WEBHOOK_SECRET"),
        ({"rate_limit_per_minute": -1}, "不能为负数"),
    ],
)
def test_invalid_settings_are_refused(overrides: dict, needle: str) -> None:
    with pytest.raises(SettingsError, match=needle):
        _settings(**overrides).validate()


def test_webhook_settings_accepted_and_path_derived() -> None:
    settings = _settings(mode="webhook", webhook_url="https://bot.example.org/tg/hook", webhook_secret="a-B_9")
    settings.validate()
    assert settings.webhook_path == "/tg/hook"


def test_module_exits_with_chinese_error_without_token(tmp_path) -> None:
    (tmp_path / "empty.yml").write_text("{}\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("REXIAN_")}
    env["REXIAN_CONFIG"] = str(tmp_path / "empty.yml")
    result = subprocess.run([sys.executable, "-m", "connectors.telegram"], check=False, cwd=PROJECT_ROOT,
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "未配置 Telegram 机器人令牌" in result.stderr
    assert "Traceback" not in result.stderr
