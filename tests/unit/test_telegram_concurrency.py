"""Per-chat ordering with concurrency across chats (the bridge's PTB update processor)."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace

from connectors.telegram.concurrency import PerChatUpdateProcessor, chat_key


def _update(chat_id: int) -> SimpleNamespace:
    return SimpleNamespace(effective_chat=SimpleNamespace(id=chat_id), effective_user=None)


def test_chat_key_falls_back_to_user_then_none() -> None:
    assert chat_key(_update(5)) == 5
    assert chat_key(SimpleNamespace(effective_chat=None, effective_user=SimpleNamespace(id=7))) == 7
    assert chat_key(object()) is None


def test_same_chat_in_order_other_chats_concurrently() -> None:
    events: list[str] = []

    async def main() -> None:
        processor = PerChatUpdateProcessor(max_concurrent_updates=8)
        release_first = asyncio.Event()

        async def work(name: str, gate: asyncio.Event | None = None) -> None:
            events.append(f"start {name}")
            if gate is not None:
                await gate.wait()
            events.append(f"end {name}")

        async def chat2_then_release() -> None:
            await processor.process_update(_update(2), work("b1"))
            release_first.set()

        tasks = [
            asyncio.create_task(processor.process_update(_update(1), work("a1", release_first))),
            asyncio.create_task(processor.process_update(_update(1), work("a2"))),
            asyncio.create_task(chat2_then_release()),
        ]
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=10)

    asyncio.run(main())
    # chat 2 ran while a1 (chat 1) was still waiting; a2 only started after a1 ended
    assert events.index("end b1") < events.index("end a1")
    assert events.index("end a1") < events.index("start a2")
