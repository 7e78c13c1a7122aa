"""A citizen withdraws a waiting handoff, end to end on the real stack (tests/e2e/harness.py, the setup of
tests/e2e/test_handoff.py): "算了，不转人工了" while the conversation waits takes it off the console's queue, the bot
says so and answers the next question itself; once an agent has taken it, the same words go to the agent."""
from __future__ import annotations

import pytest

from agent_console.contract import ConsoleClient
from rexian.stack import Stack
from tests.e2e.harness import WebChat
from tests.e2e.test_handoff import QUESTION, Agent, bot_side, citizen, console, texts  # noqa: F401 - fixtures

pytestmark = pytest.mark.e2e
__all__ = ["bot_side", "console"]  # the fixtures of tests/e2e/test_handoff.py


def _queued(stack: Stack, bot_side: ConsoleClient, words: str) -> tuple[WebChat, int]:  # noqa: F811
    """A new web-chat citizen whose ``words`` put them in the console's queue; their conversation's id."""
    web = citizen(stack)
    assert web.send(words)["handoff"] is True
    conversation_id = bot_side.status(web.sender).conversation_id
    assert conversation_id
    return web, conversation_id


def test_a_waiting_citizen_cancels_and_the_bot_serves_again(stack: Stack, console: str,  # noqa: F811
                                                             bot_side: ConsoleClient) -> None:  # noqa: F811
    wang = Agent(console, "handoff_wang").start_heartbeat()
    try:
        web, conversation_id = _queued(stack, bot_side, "我要转人工")
        assert conversation_id in [item["id"] for item in wang.http.get("/api/queue").json()["waiting"]]

        cancelled = web.send("算了，不转人工了")
        told = "\n".join(texts(cancelled["messages"]))
        assert cancelled["handoff"] is False and "已为您取消转人工" in told, cancelled
        assert not bot_side.status(web.sender).paused
        assert conversation_id not in [item["id"] for item in wang.http.get("/api/queue").json()["waiting"]]
        view = wang.conversation(conversation_id)
        assert view["conversation"]["state"] == "returned"
        assert [m["text"] for m in view["messages"] if m["role"] == "citizen"][-1] == "算了，不转人工了"

        back = web.send(QUESTION)   # the bot answers again
        assert back["handoff"] is False and any(t.startswith("【") for t in texts(back["messages"])), back
    finally:
        wang.close()


def test_once_an_agent_has_it_cancel_words_go_to_the_agent(stack: Stack, console: str,  # noqa: F811
                                                           bot_side: ConsoleClient) -> None:  # noqa: F811
    li = Agent(console, "handoff_li").start_heartbeat()
    try:
        web, conversation_id = _queued(stack, bot_side, "转人工")
        assert li.post(f"/api/conversations/{conversation_id}/take").status_code == 200
        answer = web.send("不用了")
        assert answer["handoff"] is True and answer["messages"] == [], answer   # the agent decides
        assert bot_side.status(web.sender).state == "assigned"
        said = [m["text"] for m in li.conversation(conversation_id)["messages"] if m["role"] == "citizen"]
        assert said[-1] == "不用了"
        assert li.post(f"/api/conversations/{conversation_id}/handback").status_code == 200
    finally:
        li.close()
