"""Assembling and running the bridge: the PTB Application (polling or webhook) and the push app in one loop."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI
from telegram import Update
from telegram.ext import Application, ApplicationBuilder

from connectors.push import PushMessage
from connectors.rasa_bridge import RasaClient
from connectors.telegram.concurrency import PerChatUpdateProcessor
from connectors.telegram.handlers import Relay, register
from connectors.telegram.outgoing import CallbackStore, send_messages
from connectors.telegram.push_app import create_push_app
from connectors.telegram.ratelimit import RateLimiter
from connectors.telegram.settings import POLLING, BridgeSettings, SettingsError

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]


@dataclass
class Bridge:
    settings: BridgeSettings
    application: Application
    push_app: FastAPI
    rasa: RasaClient
    store: CallbackStore


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the bridge stops PTB and uvicorn together."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def build_bridge(settings: BridgeSettings) -> Bridge:
    """The bridge's parts, not yet started. Raises ``SettingsError`` for settings it cannot run with."""
    settings.validate()
    application = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.api_base_url)
        .base_file_url(settings.file_base_url)
        .concurrent_updates(PerChatUpdateProcessor())
        .build()
    )
    rasa = RasaClient(settings.rasa_url, timeout=settings.rasa_timeout)
    store = CallbackStore()
    register(application, Relay(rasa, RateLimiter(settings.rate_limit_per_minute), store, settings.photo_base_url))

    async def push_sender(chat_id: int, messages: list[PushMessage]) -> int:
        return await send_messages(application.bot, chat_id, messages, store)

    async def fetch_file(file_id: str) -> bytes:
        file = await application.bot.get_file(file_id)
        return bytes(await file.download_as_bytearray())

    push_app = create_push_app(push_sender, settings.push_token, fetch_file)
    return Bridge(settings, application, push_app, rasa, store)


async def run_bridge(settings: BridgeSettings, stop: asyncio.Event | None = None) -> None:
    """Run until ``stop`` is set (or SIGINT/SIGTERM when none is given)."""
    bridge = build_bridge(settings)
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    server = _Server(uvicorn.Config(bridge.push_app, host=settings.host, port=settings.port,
                                    log_level="warning", lifespan="off"))
    application = bridge.application
    try:
        async with application:  # initialize (getMe) ... shutdown
            await application.start()
            if settings.mode == POLLING:
                await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
            else:
                await application.updater.start_webhook(
                    listen=settings.webhook_host, port=settings.webhook_port, url_path=settings.webhook_path,
                    webhook_url=settings.webhook_url, secret_token=settings.webhook_secret,
                    allowed_updates=ALLOWED_UPDATES,
                )
            serving = asyncio.create_task(server.serve())
            logger.info("Telegram bridge running (%s); push endpoint on %s:%s", settings.mode, settings.host,
                        settings.port)
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
            server.should_exit = True
            await serving
            stopping.cancel()
            if application.updater.running:
                await application.updater.stop()
            await application.stop()
    finally:
        await bridge.rasa.aclose()
    logger.info("Telegram bridge stopped")


def main() -> None:
    """``python -m connectors.telegram``: settings from rexian.yml and REXIAN_* variables."""
    from configuration import ConfigError, load_config

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines show request URLs, which hold the token
    try:
        settings = BridgeSettings.from_config(load_config())
        settings.validate()
    except (ConfigError, SettingsError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        raise SystemExit(2) from None
    asyncio.run(run_bridge(settings))
