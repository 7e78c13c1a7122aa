"""The callbacks scheduler pushes surveys to the channels that run: WeChat only when its connector is configured
(an order from WeChat with the connector off is unreachable, not retried forever against a port nobody serves)."""
from __future__ import annotations

from callbacks.config import CallbackConfig
from configuration import load_config


def test_wechat_surveys_go_to_the_wechat_connector_when_it_runs() -> None:
    on = CallbackConfig.from_settings(load_config({"REXIAN_WECHAT_APP_ID": "wx0123456789abcdef",
                                                 "REXIAN_WECHAT_PORT": "8130"}))
    assert on.push_urls["wechat"] == "http://127.0.0.1:8130"
    assert on.push_urls.keys() == {"webchat", "telegram", "wechat"}


def test_without_the_wechat_connector_there_is_no_wechat_push() -> None:
    off = CallbackConfig.from_settings(load_config({}))
    assert "wechat" not in off.push_urls and off.push_urls.keys() == {"webchat", "telegram"}
