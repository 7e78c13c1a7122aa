"""Live updates: an in-process hub that fans events out to every open ``/events`` stream (server-sent events).

``publish`` may be called from any thread (request handlers run in a thread pool); each subscriber is an asyncio
queue on the event loop that serves its stream. One console process serves all browsers (run a single worker).
A subscriber that falls far behind gets a ``resync`` event instead of what it missed, and the page reloads its data.

Event names: ``queue`` (the queue changed: a handoff arrived, was taken, returned, handed back or closed),
``new_message`` (a message was added to a conversation; masked), ``conversation`` (one conversation's state
changed), ``resync``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
from dataclasses import dataclass, field
from typing import Any

QUEUE = "queue"
NEW_MESSAGE = "new_message"
CONVERSATION = "conversation"
RESYNC = "resync"
MAX_BACKLOG = 500


@dataclass(eq=False)  # compared and hashed by identity
class Subscriber:
    user_id: int
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[tuple[str, str] | None] = field(default_factory=lambda: asyncio.Queue(MAX_BACKLOG))
    overflowed: bool = False


def format_sse(event: str, data: str, event_id: int | None = None) -> str:
    lines = [f"event: {event}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.extend(f"data: {line}" for line in data.splitlines() or [""])
    return "\n".join(lines) + "\n\n"


class EventHub:
    def __init__(self) -> None:
        self._subscribers: set[Subscriber] = set()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def subscribe(self, user_id: int) -> Subscriber:
        """Register a stream; call from the event loop that will read it."""
        subscriber = Subscriber(user_id, asyncio.get_running_loop())
        with self._lock:
            self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        with self._lock:
            self._subscribers.discard(subscriber)

    def connected_users(self) -> set[int]:
        with self._lock:
            return {s.user_id for s in self._subscribers}

    def publish(self, event: str, data: dict[str, Any]) -> None:
        """Send ``event`` to every stream (thread-safe, never blocks)."""
        payload = json.dumps(data, ensure_ascii=False, default=str)
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            try:
                subscriber.loop.call_soon_threadsafe(self._offer, subscriber, event, payload)
            except RuntimeError:  # the loop is closed: the stream is gone
                self.unsubscribe(subscriber)

    @staticmethod
    def _offer(subscriber: Subscriber, event: str, payload: str) -> None:
        if subscriber.overflowed:
            return
        try:
            subscriber.queue.put_nowait((event, payload))
        except asyncio.QueueFull:
            subscriber.overflowed = True
            while not subscriber.queue.empty():
                subscriber.queue.get_nowait()
            subscriber.queue.put_nowait((RESYNC, "{}"))

    def close_all(self) -> None:
        """End every open stream (on shutdown: an SSE stream never ends by itself)."""
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            try:
                subscriber.loop.call_soon_threadsafe(self._end, subscriber)
            except RuntimeError:
                pass

    @staticmethod
    def _end(subscriber: Subscriber) -> None:
        subscriber.overflowed = True  # nothing more is queued for it
        while not subscriber.queue.empty():
            subscriber.queue.get_nowait()
        subscriber.queue.put_nowait(None)

    def next_id(self) -> int:
        return next(self._ids)
