"""Splitting long replies, the callback-data map and inline keyboards of the Telegram bridge."""
from __future__ import annotations

import asyncio
from typing import Any

from connectors.push import PushButton, PushMessage
from connectors.telegram.outgoing import (
    MAX_CALLBACK_DATA_BYTES,
    CallbackStore,
    build_keyboard,
    send_messages,
    split_text,
    utf16_length,
)
from connectors.telegram.texts import BUTTONS_ONLY_TEXT


def test_short_text_is_one_chunk() -> None:
    assert split_text("您好，请问有什么可以帮您？") == ["您好，请问有什么可以帮您？"]


def test_blank_text_gives_no_chunk() -> None:
    assert split_text("  \n ") == []


def test_long_text_splits_at_line_breaks() -> None:
    lines = [f"{i:02d}" + "市" * 97 for i in range(30)]  # 30 lines of 99 characters
    chunks = split_text("\n".join(lines), limit=1000)
    assert all(utf16_length(c) <= 1000 for c in chunks)
    assert len(chunks) == 3  # 10 lines (990 + 9 newlines) fit, 11 do not
    assert "\n".join(chunks) == "\n".join(lines)
    assert all(chunk.startswith(("00", "10", "20")) for chunk in chunks)


def test_single_overlong_line_is_cut_hard() -> None:
    text = "长" * 9000
    chunks = split_text(text)
    assert [len(c) for c in chunks] == [4096, 4096, 808]
    assert "".join(chunks) == text


def test_limit_counts_utf16_units() -> None:
    text = "😀" * 3000  # 6000 UTF-16 units
    chunks = split_text(text)
    assert all(utf16_length(c) <= 4096 for c in chunks)
    assert "".join(chunks) == text
    assert len(chunks) == 2


def test_short_payload_travels_as_is() -> None:
    store = CallbackStore()
    assert store.encode("/affirm") == "/affirm"
    assert store.decode("/affirm") == "/affirm"
    assert len(store) == 0


def test_long_payload_gets_a_short_key() -> None:
    store = CallbackStore()
    payload = '/inform{"service_area": "' + "城市管理" * 10 + '"}'
    key = store.encode(payload)
    assert key != payload
    assert len(key.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
    assert store.decode(key) == payload
    assert store.encode(payload) == key  # same payload, same key


def test_unknown_key_decodes_to_none_and_store_is_bounded() -> None:
    store = CallbackStore(max_entries=2)
    keys = [store.encode("/x" + "长" * 30 + str(i)) for i in range(3)]
    assert len(store) == 2
    assert store.decode(keys[0]) is None  # the oldest was evicted
    assert store.decode(keys[2]) is not None
    assert store.decode(CallbackStore.PREFIX + "0" * 24) is None


def test_payload_looking_like_a_key_is_stored_too() -> None:
    store = CallbackStore()
    key = store.encode(CallbackStore.PREFIX + "abc")
    assert store.decode(key) == CallbackStore.PREFIX + "abc"


def test_keyboard_one_button_per_row() -> None:
    store = CallbackStore()
    markup = build_keyboard([PushButton(title="是", payload="/affirm"), PushButton(title="否", payload="/deny")], store)
    assert markup is not None
    rows = markup.to_dict()["inline_keyboard"]
    assert rows == [[{"text": "是", "callback_data": "/affirm"}], [{"text": "否", "callback_data": "/deny"}]]
    assert build_keyboard([], store) is None


class _RecordingBot:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send_message(self, **kwargs: Any) -> None:
        self.sent.append(kwargs)


def test_send_messages_puts_keyboard_on_last_chunk_and_fills_empty_text() -> None:
    bot = _RecordingBot()
    messages = [
        PushMessage(text="甲" * 5000, buttons=[PushButton(title="好", payload="/affirm")]),
        PushMessage(text="", buttons=[PushButton(title="否", payload="/deny")]),
    ]
    count = asyncio.run(send_messages(bot, 42, messages, CallbackStore()))  # type: ignore[arg-type]
    assert count == 3
    assert [m["reply_markup"] is None for m in bot.sent] == [True, False, False]
    assert bot.sent[2]["text"] == BUTTONS_ONLY_TEXT
    assert all(m["chat_id"] == 42 for m in bot.sent)
