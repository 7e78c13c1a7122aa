"""The PTB handlers: what the bridge does with each kind of update from a citizen."""
from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from connectors.rasa_bridge import RasaClient, RasaUnavailable, typed_text
from connectors.telegram import texts
from connectors.telegram.outgoing import CallbackStore, send_messages
from connectors.telegram.ratelimit import RateLimiter, Verdict

logger = logging.getLogger(__name__)

SENDER_PREFIX = "tg:"
RECENT_UPDATES = 10_000  # update ids remembered: Telegram redelivers within minutes, never after thousands more


def message_id(update: Update) -> str:
    """The id Rasa's actions recognise a repeated delivery by (``metadata.message_id``, bot/actions/retries.py)."""
    return f"tg:{update.update_id}"


def sender_id(chat_id: int) -> str:
    """The sender id the bridge uses with Rasa (and the recipient of a push)."""
    return f"{SENDER_PREFIX}{chat_id}"


class Relay:
    """Relays updates to Rasa and Rasa's replies back, with the per-user rate limit in front."""

    def __init__(self, rasa: RasaClient, limiter: RateLimiter, store: CallbackStore,
                 photo_base_url: str = "http://127.0.0.1:8010/files") -> None:
        self.photo_base_url = photo_base_url.rstrip("/")
        self.rasa = rasa
        self.limiter = limiter
        self.store = store
        self._recent: OrderedDict[int, None] = OrderedDict()

    async def drop_repeats(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stop an update this bridge has handled already (Telegram redelivers a webhook update whose answer it did
        not get). A repeat that reaches another bridge process is still recognised by the actions: every message
        goes to Rasa with its update id as ``metadata.message_id``."""
        if update.update_id in self._recent:
            logger.info("Update %d delivered again; ignored", update.update_id)
            raise ApplicationHandlerStop
        self._recent[update.update_id] = None
        if len(self._recent) > RECENT_UPDATES:
            self._recent.popitem(last=False)

    async def _say(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str) -> None:
        try:
            await context.bot.send_message(chat_id=chat_id, text=text)
        except TelegramError as exc:
            logger.warning("Telegram refused a message to chat %s: %s", chat_id, type(exc).__name__)

    async def _admit(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> bool:
        """True when the user is within the rate limit; tells them once when they are not."""
        verdict = self.limiter.check(str(chat_id))
        if verdict is Verdict.NOTIFY:
            logger.info("Rate limit reached for chat %s", chat_id)
            await self._say(context, chat_id, texts.RATE_LIMITED)
        if len(self.limiter) > 10_000:
            self.limiter.forget_idle()
        return verdict is Verdict.ALLOW

    async def _relay(self, context: ContextTypes.DEFAULT_TYPE, update: Update, chat_id: int, text: str,
                     metadata: dict[str, Any] | None = None) -> None:
        try:
            replies = await self.rasa.send(sender_id(chat_id), text,
                                           {**(metadata or {}), "message_id": message_id(update)})
        except RasaUnavailable:
            await self._say(context, chat_id, texts.BUSY)
            return
        try:
            await send_messages(context.bot, chat_id, replies, self.store)
        except TelegramError as exc:
            logger.warning("Telegram refused a reply to chat %s: %s", chat_id, type(exc).__name__)

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id = update.effective_chat.id
        if await self._admit(context, chat_id):
            await self._relay(context, update, chat_id, texts.GREETING_MESSAGE)

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id = update.effective_chat.id
        text = typed_text(update.effective_message.text or "")
        if text and await self._admit(context, chat_id):
            await self._relay(context, update, chat_id, text)

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        try:
            await query.answer()
        except TelegramError as exc:
            logger.warning("Could not answer a callback query: %s", type(exc).__name__)
        chat_id = update.effective_chat.id if update.effective_chat else query.from_user.id
        payload = self.store.decode(query.data or "")
        if not await self._admit(context, chat_id):
            return
        if not payload:
            await self._say(context, chat_id, texts.BUTTON_EXPIRED)
            return
        await self._relay(context, update, chat_id, payload)

    async def on_photo(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        chat_id = update.effective_chat.id
        if not await self._admit(context, chat_id):
            return
        largest = max(message.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        caption = (message.caption or "").strip().lstrip("/").strip() or texts.PHOTO_PLACEHOLDER
        # Telegram's file URL contains the bot token and expires after an hour: the work order gets the bridge's
        # own /files/<file id> address instead, which fetches the file from Telegram when staff open it.
        await self._relay(context, update, chat_id, caption, {"photos": [f"{self.photo_base_url}/{largest.file_id}"]})

    async def on_location(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        location = update.effective_message.location
        chat_id = update.effective_chat.id
        if await self._admit(context, chat_id):
            metadata = {"location": {"lat": location.latitude, "long": location.longitude}}
            await self._relay(context, update, chat_id, texts.LOCATION_PLACEHOLDER, metadata)

    async def on_unsupported(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id = update.effective_chat.id
        if await self._admit(context, chat_id):
            await self._say(context, chat_id, texts.UNSUPPORTED)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log a handler failure without the message content (it may hold phone or ID numbers)."""
    error = context.error
    if error is None:
        return
    logger.error("Handler failed: %s", type(error).__name__, exc_info=(type(error), error, error.__traceback__))


def register(application: Application, relay: Relay) -> None:
    """Add the bridge's handlers: private chats only, new messages only (edits are ignored)."""
    private_new = filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE
    application.add_handler(TypeHandler(Update, relay.drop_repeats), group=-1)  # before every other handler
    application.add_handler(CommandHandler("start", relay.on_start, filters=private_new))
    application.add_handler(CallbackQueryHandler(relay.on_callback))
    application.add_handler(MessageHandler(private_new & filters.PHOTO, relay.on_photo))
    application.add_handler(MessageHandler(private_new & filters.LOCATION, relay.on_location))
    application.add_handler(MessageHandler(private_new & filters.TEXT, relay.on_text))
    application.add_handler(MessageHandler(private_new, relay.on_unsupported))
    application.add_error_handler(on_error)
