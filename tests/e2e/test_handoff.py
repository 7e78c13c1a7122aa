"""The human handoff end to end, on the real stack (tests/e2e/harness.py: Rasa, the action server, the web chat, the
seat-agent console on its own database, agents on duty all day, a 4 s heartbeat): a web-chat citizen asks for a human
and is told their place; an agent (an account made with the console's CLI, logged in over the console's HTTP API
with its CSRF token) takes the conversation and answers; the answer waits in the web chat's push queue for the page;
the citizen's next message reaches the agent's transcript while the bot stays silent; the agent hands back and the
bot answers the next question itself. Also: outside the service hours nothing is queued and the reply says so; an
agent whose console disappears loses the conversation to the queue, and what the citizen writes then is kept."""
from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import httpx
import pytest

from agent_console.contract import ConsoleClient, HandoffStatus
from configuration import PROJECT_ROOT
from domain import BEIJING
from rexian.stack import Stack
from tests.e2e.harness import WebChat, service_hours

pytestmark = pytest.mark.e2e

PASSWORD = "handoff e2e password 2026"
QUESTION = "办理居住证需要满足什么条件"  # the knowledge base answers it (tests/e2e/test_webchat.py)
T = TypeVar("T")


def wait_for(probe: Callable[[], T], timeout: float = 30.0, interval: float = 0.25) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


class Agent:
    """A logged-in console user over the console's HTTP API (cookie session + CSRF token), with a heartbeat."""

    def __init__(self, url: str, name: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=30)
        form = self.http.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token, form[:500]
        answer = self.http.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token.group(1),
                                                "next": "/queue"})
        assert answer.status_code == 303, answer.text
        meta = re.search(r'<meta name="csrf-token" content="([^"]+)">', self.http.get("/queue").text)
        assert meta
        self.csrf = meta.group(1)
        self._beating = threading.Event()
        self._thread: threading.Thread | None = None

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.post(path, headers={"X-CSRF-Token": self.csrf}, **kwargs)

    def start_heartbeat(self) -> Agent:
        """What the console page's live stream does: keep the agent online (``POST /api/ping`` every 0.5 s)."""
        self._beating.set()

        def beat() -> None:
            while self._beating.is_set():
                try:
                    self.post("/api/ping")
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)

        self._thread = threading.Thread(target=beat, daemon=True)
        self._thread.start()
        return self

    def vanish(self) -> None:
        """The agent's browser is gone: no heartbeat, no request."""
        self._beating.clear()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def conversation(self, conversation_id: int) -> dict[str, Any]:
        answer = self.http.get(f"/api/conversations/{conversation_id}")
        assert answer.status_code == 200, answer.text
        return answer.json()

    def close(self) -> None:
        self.vanish()
        self.http.close()


@pytest.fixture(scope="module")
def console(stack: Stack) -> Iterator[str]:
    """The stack's console with two agents and a supervisor made by its CLI (as an operator would)."""
    for name, role in (("wang", "agent"), ("li", "agent"), ("zhao", "supervisor")):
        made = subprocess.run([sys.executable, "-m", "agent_console", "users", "add", f"handoff_{name}", "--role",
                               role, "--display-name", name], input=PASSWORD + "\n", cwd=PROJECT_ROOT,
                              capture_output=True, text=True, timeout=60)
        assert made.returncode == 0 or "已存在" in made.stderr, made.stderr
    yield stack.settings.console.url


@pytest.fixture
def bot_side(stack: Stack) -> Iterator[ConsoleClient]:
    """The console's internal API as the bot sees it (to find a sender's conversation)."""
    client = ConsoleClient(stack.settings.console.url, stack.settings.console.effective_internal_token)
    yield client
    client.close()


def citizen(stack: Stack) -> WebChat:
    s = stack.settings.webchat
    return WebChat(f"http://{s.host}:{s.port}", f"web:{uuid.uuid4().hex}")


def texts(messages: list[dict[str, Any]]) -> list[str]:
    return [m.get("text") or "" for m in messages]


def test_a_web_chat_citizen_reaches_an_agent_who_answers_and_hands_back(stack: Stack, console: str,
                                                                         bot_side: ConsoleClient) -> None:
    wang = Agent(console, "handoff_wang").start_heartbeat()
    try:
        web = citizen(stack)
        assert "【" in web.say(QUESTION)  # a knowledge-base answer
        asked = web.send("我要转人工")
        told = "\n".join(texts(asked["messages"]))
        assert asked["handoff"] is True, asked
        assert re.search(r"排在第\d+位", told) and "话务员接入后会在本对话中回复您" in told, told

        status: HandoffStatus = bot_side.status(web.sender)
        assert status.paused and status.state == "waiting" and status.conversation_id
        conversation_id = status.conversation_id
        queue = wang.http.get("/api/queue").json()
        assert conversation_id in [item["id"] for item in queue["waiting"]]

        assert wang.post(f"/api/conversations/{conversation_id}/take").status_code == 200
        reply = wang.post(f"/api/conversations/{conversation_id}/reply",
                          json={"text": "您好，我是话务员，居住证在社区服务站就能办，请问您在哪个区？"})
        assert reply.status_code == 200 and reply.json()["delivery"] == "queued", reply.text
        pushed = texts(wait_for(web.pending))  # what the page fetches: the take notice and the agent's answer
        assert any("人工话务员已接入" in t for t in pushed) and any("请问您在哪个区" in t for t in pushed), pushed

        answer = web.send("我在朝阳区，大概要多久能办好？")
        assert answer["messages"] == [] and answer["handoff"] is True, answer  # the bot stays silent
        view = wang.conversation(conversation_id)
        said = [m for m in view["messages"] if m["role"] == "citizen"]
        assert [m["text"] for m in said][-3:] == [QUESTION, "我要转人工", "我在朝阳区，大概要多久能办好？"]
        assert said[-1]["understanding"] and said[-1]["understanding"]["version"] == 1  # the bot's reading
        assert said[0]["understanding"]["kb"]["band"] == "answer"  # from the earlier turn's decision
        assert any(m["role"] == "bot" and "【" in m["text"] for m in view["messages"])  # the bot's earlier answer

        handed = wang.post(f"/api/conversations/{conversation_id}/handback")
        assert handed.status_code == 200, handed.text
        assert any("智能助手继续为您服务" in t for t in texts(wait_for(web.pending)))
        assert not bot_side.status(web.sender).paused

        back = web.send(QUESTION)
        assert back["handoff"] is False and any(t.startswith("【") for t in texts(back["messages"])), back
    finally:
        wang.close()


def _hours_excluding_now() -> str:
    start = dt.datetime.now(BEIJING) + dt.timedelta(hours=3)
    end = start + dt.timedelta(hours=1)
    return f"{start:%H:%M}-{end:%H:%M}"


def test_outside_the_service_hours_nobody_is_promised_and_nothing_is_queued(stack: Stack, console: str,
                                                                             bot_side: ConsoleClient) -> None:
    hours = _hours_excluding_now()
    with service_hours(stack.var_dir, hours):
        web = citizen(stack)
        asked = web.send("转人工")
    told = "\n".join(texts(asked["messages"]))
    assert asked["handoff"] is False, asked
    assert f"不在人工在线服务时间（每天 {hours}）" in told and "12345" in told and "登记" in told, told
    assert "话务员接入后" not in told and "排在第" not in told
    assert not bot_side.status(web.sender).paused  # nothing in the console's queue
    assert "【" in web.say(QUESTION)  # the bot goes on answering


def test_an_agent_who_disappears_loses_the_conversation_and_the_citizen_message_is_kept(
        stack: Stack, console: str, bot_side: ConsoleClient) -> None:
    li = Agent(console, "handoff_li").start_heartbeat()
    zhao = Agent(console, "handoff_zhao")
    try:
        web = citizen(stack)
        assert web.send("小区门口的路灯坏了一个星期了，转人工")["handoff"] is True
        conversation_id = bot_side.status(web.sender).conversation_id
        assert li.post(f"/api/conversations/{conversation_id}/take").status_code == 200
        assert bot_side.status(web.sender).state == "assigned"
        li.vanish()  # the agent's browser closes: no heartbeat for longer than console.heartbeat_timeout (4 s)
        back = wait_for(lambda: bot_side.status(web.sender).state == "waiting", timeout=30)
        assert back, "the conversation did not return to the queue"

        answer = web.send("还有人吗？路灯还是不亮，晚上很黑")
        assert answer["handoff"] is True
        assert texts(answer["messages"]) == ["已收到，您的消息已转给话务员，话务员接入后会在这里回复您。"]
        view = zhao.conversation(conversation_id)
        assert view["conversation"]["state"] == "waiting" and view["conversation"]["agent"] is None
        assert any(m["role"] == "citizen" and m["text"] == "还有人吗？路灯还是不亮，晚上很黑" for m in view["messages"])
        assert any("已离线" in m["text"] for m in view["messages"] if m["role"] == "system")
    finally:
        li.close()
        zhao.close()
