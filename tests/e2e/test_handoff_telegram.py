"""The human handoff through the Telegram bridge, on the real stack (tests/e2e/harness.py: Rasa, the action server,
the seat-agent console, the Telegram bridge polling a local fake of the Bot API, tests/fakes/telegram_api.py).

A Telegram citizen asks the bot a question, then writes 转人工 and is told their place; an agent (over the console's
HTTP API with its CSRF token, tests/e2e/test_handoff.py's ``Agent``) takes the conversation and answers; the take
notice and the answer arrive as ``sendMessage`` calls to that chat; the citizen's next message reaches the agent's
transcript and the bot says nothing; the agent hands back, the citizen is told, and the bot answers the next question
on Telegram itself.
"""
from __future__ import annotations

import random
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest

from agent_console.contract import ConsoleClient
from configuration import PROJECT_ROOT
from rexian.stack import Stack
from tests.e2e.test_handoff import PASSWORD, QUESTION, Agent, wait_for
from tests.fakes.telegram_api import FakeTelegramAPI

pytestmark = pytest.mark.e2e

AGENT_NAME = "tg_handoff_sun"
AGENT_REPLY = "您好，我是话务员小孙。居住证可以在社区服务站办理，请问您住在哪个区？"
CITIZEN_FOLLOW_UP = "我住在朝阳区，大概要多久能办好？"
TAKEN = "人工话务员已接入"
HANDED_BACK = "智能助手继续为您服务"


class TelegramCitizen:
    """One Telegram user writing to the bot through the fake Bot API, reading what the bot sends back."""

    def __init__(self, api: FakeTelegramAPI, chat_id: int) -> None:
        self.api = api
        self.chat_id = chat_id

    @property
    def sender(self) -> str:
        return f"tg:{self.chat_id}"

    def received(self) -> list[str]:
        return [m["text"] for m in self.api.sent_messages(self.chat_id)]

    def write(self, text: str) -> int:
        """Send ``text`` without waiting for an answer; returns how many messages the chat had before."""
        before = len(self.received())
        self.api.queue_text(self.chat_id, text)
        return before

    def say(self, text: str) -> list[str]:
        """Send ``text`` and return the bot's answer (every message of it, once the first has arrived)."""
        before = self.write(text)
        self.api.wait_for_messages(self.chat_id, before + 1, timeout=90)
        return self.received()[before:]

    def wait_for_text(self, part: str, since: int = 0) -> str:
        found = wait_for(lambda: next((t for t in self.received()[since:] if part in t), None), timeout=60)
        assert found, f"no message with {part!r} in {self.received()[since:]}"
        return found


@pytest.fixture(scope="module")
def agent(stack: Stack) -> Iterator[Agent]:
    """An agent account made with the console's CLI, logged in, with a heartbeat (online)."""
    made = subprocess.run([sys.executable, "-m", "agent_console", "users", "add", AGENT_NAME, "--role", "agent",
                           "--display-name", "孙"], input=PASSWORD + "\n", cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=60)
    assert made.returncode == 0 or "已存在" in made.stderr, made.stderr
    online = Agent(stack.settings.console.url, AGENT_NAME).start_heartbeat()
    yield online
    online.close()


@pytest.fixture
def bot_side(stack: Stack) -> Iterator[ConsoleClient]:
    client = ConsoleClient(stack.settings.console.url, stack.settings.console.effective_internal_token)
    yield client
    client.close()


def test_a_telegram_citizen_reaches_an_agent_who_answers_on_telegram_and_hands_back(
        stack: Stack, telegram_api: FakeTelegramAPI, agent: Agent, bot_side: ConsoleClient) -> None:
    citizen = TelegramCitizen(telegram_api, random.randint(10**8, 10**9))
    assert any("【" in t for t in citizen.say(QUESTION))  # the bot answers from the knowledge base

    told = "\n".join(citizen.say("转人工"))
    assert re.search(r"排在第\d+位", told) and "话务员接入后会在本对话中回复您" in told, told
    status = bot_side.status(citizen.sender)
    assert status.paused and status.state == "waiting" and status.conversation_id
    conversation_id = status.conversation_id
    queue = agent.http.get("/api/queue").json()
    assert conversation_id in [item["id"] for item in queue["waiting"]]
    assert next(i for i in queue["waiting"] if i["id"] == conversation_id)["channel"] == "telegram"

    # The agent takes it and answers: both reach the Telegram chat at once (no page to wait for).
    seen = len(citizen.received())
    assert agent.post(f"/api/conversations/{conversation_id}/take").status_code == 200
    citizen.wait_for_text(TAKEN, since=seen)
    reply = agent.post(f"/api/conversations/{conversation_id}/reply", json={"text": AGENT_REPLY})
    assert reply.status_code == 200 and reply.json()["delivery"] == "sent", reply.text
    assert citizen.wait_for_text(AGENT_REPLY, since=seen) == AGENT_REPLY
    assert [m["chat_id"] for m in telegram_api.sent_messages() if m["text"] == AGENT_REPLY] == [citizen.chat_id]

    # The citizen's next message goes to the agent's transcript; the bot does not answer it.
    before_follow_up = citizen.write(CITIZEN_FOLLOW_UP)
    transcript = wait_for(lambda: [m for m in agent.conversation(conversation_id)["messages"]
                                   if m["role"] == "citizen" and m["text"] == CITIZEN_FOLLOW_UP], timeout=60)
    assert transcript, "the citizen's message did not reach the agent"
    assert transcript[0]["understanding"] and transcript[0]["understanding"]["version"] == 1

    # Hand back: the citizen is told, and the bot answers the next question itself.
    assert agent.post(f"/api/conversations/{conversation_id}/handback").status_code == 200
    citizen.wait_for_text(HANDED_BACK, since=before_follow_up)
    assert not bot_side.status(citizen.sender).paused
    answer = citizen.say(QUESTION)
    assert "【" in answer[0], answer
    # The chat's messages are handled one at a time, in order (connectors/telegram/concurrency.py): had the bot
    # answered the follow-up, that answer would stand before the one to QUESTION. Only the hand-back notice may.
    since_follow_up = [t for t in citizen.received()[before_follow_up:] if HANDED_BACK not in t]
    assert since_follow_up[0] == answer[0] and sum("【" in t for t in since_follow_up) == 1, since_follow_up
    view = agent.conversation(conversation_id)
    assert view["conversation"]["state"] != "assigned"
    assert QUESTION not in [m["text"] for m in view["messages"] if m["role"] == "citizen"][2:]  # not relayed
