"""Turning the bot's messages into Telegram messages: 4096-character chunks and inline keyboards."""
from __future__ import annotations

import hashlib
from collections import OrderedDict

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from connectors.push import PushButton, PushMessage
from connectors.telegram.texts import BUTTONS_ONLY_TEXT

MAX_MESSAGE_LENGTH = 4096  # Telegram's limit, counted in UTF-16 code units
MAX_CALLBACK_DATA_BYTES = 64  # Telegram's limit for callback_data


def utf16_length(text: str) -> int:
    """The length Telegram counts: UTF-16 code units (a Chinese character is 1, most emoji are 2)."""
    return len(text.encode("utf-16-le")) // 2


def _cut_index(text: str, limit: int) -> int:
    """The longest prefix of ``text`` (in characters) that fits ``limit`` UTF-16 units; at least 1."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return max(index, 1)
    return len(text)


def split_text(text: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """``text`` in chunks of at most ``limit`` UTF-16 units, cut at line breaks where possible."""
    if utf16_length(text) <= limit:
        return [text] if text.strip() else []
    chunks: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while utf16_length(line) > limit:  # a single line longer than a message: cut it hard
            if current:
                chunks.append(current)
                current = ""
            cut = _cut_index(line, limit)
            chunks.append(line[:cut])
            line = line[cut:]
        if current and utf16_length(current) + utf16_length(line) > limit:
            chunks.append(current)
            current = line
        else:
            current += line
    if current:
        chunks.append(current)
    return [chunk.rstrip("\n") for chunk in chunks if chunk.strip()]


class CallbackStore:
    """Maps button payloads longer than Telegram's 64-byte ``callback_data`` to short keys (in memory, bounded).

    Short payloads travel as they are. After a restart the long ones are gone: such a button is answered with
    "按钮已失效" and the citizen types the answer instead.
    """

    PREFIX = "rx#"

    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        self._payloads: OrderedDict[str, str] = OrderedDict()

    def encode(self, payload: str) -> str:
        if len(payload.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES and not payload.startswith(self.PREFIX):
            return payload
        key = self.PREFIX + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]
        self._payloads[key] = payload
        self._payloads.move_to_end(key)
        while len(self._payloads) > self.max_entries:
            self._payloads.popitem(last=False)
        return key

    def decode(self, data: str) -> str | None:
        """The payload behind ``data``; None for a key this process no longer knows."""
        if not data.startswith(self.PREFIX):
            return data
        return self._payloads.get(data)

    def __len__(self) -> int:
        return len(self._payloads)


def build_keyboard(buttons: list[PushButton], store: CallbackStore) -> InlineKeyboardMarkup | None:
    """One button per row (Chinese titles are often long); None without buttons."""
    if not buttons:
        return None
    rows = [[InlineKeyboardButton(b.title or b.payload, callback_data=store.encode(b.payload))] for b in buttons]
    return InlineKeyboardMarkup(rows)


async def send_messages(bot: Bot, chat_id: int, messages: list[PushMessage], store: CallbackStore) -> int:
    """Send the bot's messages to ``chat_id``; the keyboard goes with the last chunk. Returns messages sent.

    Raises ``telegram.error.TelegramError`` when Telegram refuses a message.
    """
    sent = 0
    for message in messages:
        keyboard = build_keyboard(message.buttons, store)
        chunks = split_text(message.text)
        if not chunks and keyboard is not None:
            chunks = [BUTTONS_ONLY_TEXT]
        for index, chunk in enumerate(chunks):
            markup = keyboard if index == len(chunks) - 1 else None
            await bot.send_message(chat_id=chat_id, text=chunk, reply_markup=markup)
            sent += 1
    return sent
