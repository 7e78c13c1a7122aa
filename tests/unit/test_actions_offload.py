"""bot/actions/offload.py: once the action server enables it, an action's ``run`` runs in a worker thread and the
event loop keeps serving other turns meanwhile; without it (unit tests) ``run`` is an ordinary call."""
from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher

from bot.actions import offload
from bot.actions.offload import offloaded


class Slow:
    def __init__(self) -> None:
        self.threads: list[str] = []

    @offloaded
    def run(self, dispatcher: object, tracker: object, domain: dict) -> list[dict]:
        self.threads.append(threading.current_thread().name)
        time.sleep(0.3)  # e.g. a confirmation waiting for the dispatch backend
        return [{"event": "slot", "name": "done", "value": tracker}]


@pytest.fixture
def enabled() -> Iterator[None]:
    offload.enable(4)
    try:
        yield
    finally:
        offload.enable(0)


def test_inline_without_enable() -> None:
    action = Slow()
    assert action.run(None, "t", {}) == [{"event": "slot", "name": "done", "value": "t"}]
    assert action.threads == [threading.current_thread().name]


def test_enabled_runs_in_worker_threads_while_the_loop_serves_others(enabled: None) -> None:
    action = Slow()

    async def main() -> tuple[list, list[float]]:
        ticks: list[float] = []

        async def heartbeat() -> None:  # the event loop's other work, e.g. another citizen's request
            for _ in range(5):
                ticks.append(time.monotonic())
                await asyncio.sleep(0.02)

        results = await asyncio.gather(action.run(None, "a", {}), action.run(None, "b", {}), heartbeat())
        return list(results[:2]), ticks

    results, ticks = asyncio.run(main())
    assert results == [[{"event": "slot", "name": "done", "value": "a"}], [{"event": "slot", "name": "done", "value": "b"}]]
    assert all(name.startswith("action") for name in action.threads) and len(action.threads) == 2
    assert len(ticks) == 5  # the heartbeat ran to the end while both actions slept in their threads
    assert ticks[-1] - ticks[0] < 0.3  # it did not wait for an action to finish first


class Greeting(Action):
    def name(self) -> str:
        return "action_test_greeting"

    @offloaded
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict]:
        dispatcher.utter_message(text=f"您好（{threading.current_thread().name.split('_')[0]}）")
        return [SlotSet("greeted", True)]


def test_rasa_sdk_awaits_an_offloaded_action(enabled: None) -> None:
    executor = ActionExecutor()
    executor.register_action(Greeting)
    call = {"next_action": "action_test_greeting", "sender_id": "web:1", "version": "3.6.21", "domain": {},
            "tracker": {"sender_id": "web:1", "slots": {}, "latest_message": {"text": "你好"}, "events": [],
                        "paused": False, "followup_action": None, "active_loop": {},
                        "latest_action_name": "action_listen"}}
    result = asyncio.run(executor.run(call))
    assert result is not None
    assert [r["text"] for r in result.responses] == ["您好（action）"]
    assert result.events == [{"event": "slot", "timestamp": None, "name": "greeted", "value": True}]
