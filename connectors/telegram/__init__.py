"""The Telegram channel: a python-telegram-bot 22 bridge between Telegram and Rasa's REST channel.

Run it with ``python -m connectors.telegram`` (settings from ``rexian.yml`` / ``REXIAN_TELEGRAM_*``). The bridge
relays citizens' messages to ``{rasa_url}/webhooks/rest/webhook`` with the sender id ``tg:<chat id>``, sends every
reply back (buttons as an inline keyboard) and serves the internal push endpoint (``connectors/push.py``) for
surveys. See ``docs/telegram.md``.
"""
from connectors.telegram.bridge import Bridge, build_bridge, run_bridge
from connectors.telegram.settings import BridgeSettings, SettingsError

__all__ = ["Bridge", "BridgeSettings", "SettingsError", "build_bridge", "run_bridge"]
