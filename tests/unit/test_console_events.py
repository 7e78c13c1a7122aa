"""The live-update hub: events published from worker threads reach every open stream; a stream that falls far
behind gets one ``resync`` instead of an unbounded backlog."""

from __future__ import annotations

import asyncio
import threading

from agent_console import events
from agent_console.events import EventHub, format_sse


def test_events_from_another_thread_reach_every_subscriber() -> None:
    hub = EventHub()

    async def scenario() -> list[tuple[str, str] | None]:
        first, second = hub.subscribe(1), hub.subscribe(2)
        assert hub.connected_users() == {1, 2}
        thread = threading.Thread(target=hub.publish, args=(events.NEW_MESSAGE, {"conversation_id": 7, "t": "你好"}))
        thread.start()
        thread.join()
        got = [await asyncio.wait_for(s.queue.get(), 2) for s in (first, second)]
        hub.unsubscribe(first)
        hub.publish(events.QUEUE, {})
        assert first.queue.empty() and await asyncio.wait_for(second.queue.get(), 2) == (events.QUEUE, "{}")
        return got

    got = asyncio.run(scenario())
    assert got == [(events.NEW_MESSAGE, '{"conversation_id": 7, "t": "你好"}')] * 2


def test_a_stream_that_falls_behind_gets_a_resync() -> None:
    hub = EventHub()

    async def scenario() -> list[str]:
        slow = hub.subscribe(1)
        for number in range(events.MAX_BACKLOG + 10):
            hub.publish(events.QUEUE, {"n": number})
        await asyncio.sleep(0.05)
        names = []
        while not slow.queue.empty():
            names.append(slow.queue.get_nowait()[0])  # type: ignore[index]
        return names

    names = asyncio.run(scenario())
    assert names[-1] == events.RESYNC and len(names) <= events.MAX_BACKLOG


def test_sse_framing() -> None:
    assert format_sse("queue", '{"a": 1}', 3) == 'event: queue\nid: 3\ndata: {"a": 1}\n\n'
    assert format_sse("x", "a\nb") == "event: x\ndata: a\ndata: b\n\n"
