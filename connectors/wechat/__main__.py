"""``python -m connectors.wechat``: the WeChat connector with the settings of rexian.yml and REXIAN_* variables."""
from __future__ import annotations

import logging
import sys

import uvicorn

from configuration import ConfigError, load_config
from connectors.wechat.app import create_app
from connectors.wechat.settings import ConnectorSettings, SettingsError


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines show request URLs
    try:
        settings = ConnectorSettings.from_config(load_config())
        settings.validate()
    except (ConfigError, SettingsError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        raise SystemExit(2) from None
    logging.getLogger(__name__).info("WeChat connector on %s%s (%s mode)", settings.url, settings.path, settings.mode)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning",
                access_log=False)


if __name__ == "__main__":
    main()
