"""Handling updates concurrently across chats while keeping each chat's updates in order.

One slow Rasa answer must not hold up every other citizen, yet one citizen's quick messages must reach Rasa in
the order they were typed. PTB creates a task per update in arrival order; each waits for its chat's lock
(``asyncio.Lock`` is first-come first-served), so a chat's updates run one after another.
"""
from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable
from typing import Any

from telegram.ext import BaseUpdateProcessor

DEFAULT_MAX_CONCURRENT_UPDATES = 64


def chat_key(update: object) -> int | None:
    """The chat an update belongs to (the user for a callback without its message); None when neither."""
    chat = getattr(update, "effective_chat", None)
    if chat is not None:
        return chat.id
    user = getattr(update, "effective_user", None)
    return user.id if user is not None else None


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Up to ``max_concurrent_updates`` updates at once; one at a time per chat, in arrival order."""

    def __init__(self, max_concurrent_updates: int = DEFAULT_MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        async with lock:
            await coroutine

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""
