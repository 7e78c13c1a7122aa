"""The agent console as it runs: ``python -m agent_console`` in a subprocess (accounts made with its CLI, a temporary
SQLite file), a FAKE connector push endpoint and a FAKE Rasa HTTP API (real local HTTP servers that record every
call), the bot side through :class:`agent_console.contract.ConsoleClient`, browsers as httpx clients.

Covers: an agent's reply reaching the connector in the ``connectors.push`` contract shape, hand-back appending
Rasa's ``resume`` event, live ``new_message`` events over SSE, and the heartbeat: an agent whose console is gone
loses the conversation to the queue within the (short) timeout, one whose SSE stream stays open keeps it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Header, Request
from fastapi.responses import JSONResponse

from agent_console.contract import ConsoleClient, HandoffRequest, MessageRequest, TranscriptItem
from connectors.push import PUSH_TOKEN_HEADER
from tests.console_harness import EventStream, console_cli, login, running_console
from tests.fakes.servers import ThreadedServer, free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]
INTERNAL_TOKEN = "live-console-token"
PUSH_TOKEN = "live-push-token"
RASA_TOKEN = "live-rasa-token"
PASSWORD = "live password 2026"
HEARTBEAT_TIMEOUT = 2.0


class FakeConnector:
    """``POST /internal/push`` of a connector: checks the token like connectors/push.py and records each push."""

    def __init__(self) -> None:
        self.pushes: list[dict[str, Any]] = []
        app = FastAPI()

        @app.post("/internal/push")
        async def push(request: Request, token: str | None = Header(default=None, alias=PUSH_TOKEN_HEADER)) -> Any:
            if token != PUSH_TOKEN:
                return JSONResponse({"detail": "bad token"}, status_code=401)
            body = await request.json()
            self.pushes.append(body)
            if body["recipient"].startswith("tg:"):
                return {"delivered": True}
            return {"delivered": False, "queued": True}

        self.server = ThreadedServer(app)


class FakeRasa:
    """Rasa's ``POST /conversations/{id}/tracker/events``: records the raw path, the query and the events."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        app = FastAPI()

        @app.post("/conversations/{conversation_id}/tracker/events")
        async def events(conversation_id: str, request: Request) -> Any:
            self.calls.append({"raw_path": request.scope["raw_path"].decode(), "query": dict(request.query_params),
                               "events": await request.json()})
            if request.query_params.get("token") != RASA_TOKEN:
                return JSONResponse({"status": "failure", "reason": "NotAuthenticated"}, status_code=401)
            return {"sender_id": conversation_id, "paused": False, "events": None}

        self.server = ThreadedServer(app)


@dataclass
class Live:
    url: str
    connector: FakeConnector
    rasa: FakeRasa
    bot: ConsoleClient
    env: dict[str, str]


def _cli(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return console_cli(env, *args, stdin=stdin)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    connector, rasa = FakeConnector(), FakeRasa()
    connector.server.start()
    rasa.server.start()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REXIAN_")}  # the project's rexian.yml, then:
    env.update({
        "REXIAN_CONSOLE_PORT": str(port),
        "REXIAN_CONSOLE_DB_URL": f"sqlite:///{tmp_path_factory.mktemp('console') / 'console.sqlite3'}",
        "REXIAN_CONSOLE_INTERNAL_TOKEN": INTERNAL_TOKEN,
        # the push endpoints and their token, and Rasa's API, come from the sections that own them
        "REXIAN_WEBCHAT_PORT": str(connector.server.port),
        "REXIAN_TELEGRAM_PORT": str(connector.server.port),
        "REXIAN_CALLBACKS_PUSH_TOKEN": PUSH_TOKEN,
        "REXIAN_RASA_URL": rasa.server.url,
        "REXIAN_RASA_API_TOKEN": RASA_TOKEN,
        "REXIAN_CONSOLE_RESUME_RESET_SLOTS": "handoff_active",
        "REXIAN_CONSOLE_HEARTBEAT_TIMEOUT": str(HEARTBEAT_TIMEOUT),
        "REXIAN_CONSOLE_PING_SECONDS": "0.4",
        "REXIAN_CONSOLE_SWEEP_SECONDS": "0.2",
    })
    users = (("wang", "agent", "王芳"), ("li", "agent", "李强"), ("zhao", "supervisor", "赵班长"))
    try:
        with running_console(env, port, users=users, password=PASSWORD, timeout=30) as console:
            url = console.url
            bot = ConsoleClient(url, INTERNAL_TOKEN)
            yield Live(url, connector, rasa, bot, env)
            bot.close()
    finally:
        connector.server.stop()
        rasa.server.stop()


def browser(live: Live, name: str) -> tuple[httpx.Client, str]:
    return login(live.url, name, PASSWORD, timeout=10)


def hand_off(live: Live, sender: str, text: str, reason: str = "citizen_request") -> int:
    answer = live.bot.handoff(HandoffRequest(sender_id=sender, reason=reason, transcript=[
        TranscriptItem(role="citizen", text=text, id=f"{sender}:1"),
        TranscriptItem(role="bot", text="话务员接入后会在本对话中回复您。", id=f"{sender}:2")]))
    assert answer.created and answer.state == "waiting"
    return answer.conversation_id


def _state(client: httpx.Client, conversation_id: int) -> dict[str, Any]:
    return client.get(f"/api/conversations/{conversation_id}").json()["conversation"]


# ---------------------------------------------------------------------------------------------------- tests

def test_cli_refuses_a_duplicate_account_and_a_short_password(live: Live) -> None:
    duplicate = _cli(live.env, "users", "add", "wang", "--role", "agent", stdin=PASSWORD + "\n")
    assert duplicate.returncode == 1 and "已存在" in duplicate.stderr
    short = _cli(live.env, "users", "add", "zhou", "--role", "agent", stdin="short\n")
    assert short.returncode == 1 and "至少" in short.stderr
    listed = _cli(live.env, "users", "list")
    assert listed.returncode == 0 and "wang\tagent\t王芳" in listed.stdout and "zhou" not in listed.stdout


def test_a_reply_reaches_the_connector_in_the_push_contract_shape(live: Live) -> None:
    sender = "tg:700000001"
    conversation = hand_off(live, sender, "楼下烧烤摊油烟太大")
    wang, csrf = browser(live, "wang")
    assert wang.post(f"/api/conversations/{conversation}/take", headers={"X-CSRF-Token": csrf}).status_code == 200
    reply = wang.post(f"/api/conversations/{conversation}/reply", json={"text": "您好，请问烧烤摊在哪个路口？"},
                      headers={"X-CSRF-Token": csrf})
    assert reply.status_code == 200 and reply.json()["delivery"] == "sent"
    mine = [p for p in live.connector.pushes if p["recipient"] == sender]
    assert mine[-1] == {"recipient": sender, "messages": [{"text": "您好，请问烧烤摊在哪个路口？", "buttons": []}]}
    assert len(mine) == 2 and mine[0]["messages"][0]["text"].startswith("您好，人工话务员已接入")
    # the bot's client sees who has it
    status = live.bot.status(sender)
    assert status.paused and status.state == "assigned" and status.agent == "王芳"
    # a web-chat citizen's reply waits for the page: "queued"
    web = "web:live0000000001"
    other = hand_off(live, web, "咨询居住证")
    wang.post(f"/api/conversations/{other}/take", headers={"X-CSRF-Token": csrf})
    queued = wang.post(f"/api/conversations/{other}/reply", json={"text": "请稍等"}, headers={"X-CSRF-Token": csrf})
    assert queued.json()["delivery"] == "queued"
    assert live.connector.pushes[-1] == {"recipient": web, "messages": [{"text": "请稍等", "buttons": []}]}


def test_a_channel_without_a_connector_fails_visibly(live: Live) -> None:
    conversation = hand_off(live, "rest-citizen-0001", "你好")   # Rasa's REST channel: nobody to push to
    wang, csrf = browser(live, "wang")
    wang.post(f"/api/conversations/{conversation}/take", headers={"X-CSRF-Token": csrf})
    answer = wang.post(f"/api/conversations/{conversation}/reply", json={"text": "您好"},
                       headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 502 and "未配置推送地址" in answer.json()["detail"]


def test_hand_back_appends_the_resume_event_to_the_rasa_tracker(live: Live) -> None:
    sender = "web:live0000000002"
    conversation = hand_off(live, sender, "垃圾清运不及时")
    wang, csrf = browser(live, "wang")
    wang.post(f"/api/conversations/{conversation}/take", headers={"X-CSRF-Token": csrf})
    back = wang.post(f"/api/conversations/{conversation}/handback", headers={"X-CSRF-Token": csrf})
    assert back.status_code == 200 and back.json()["state"] == "returned"
    call = live.rasa.calls[-1]
    assert call["raw_path"] == f"/conversations/{sender}/tracker/events"    # ':' kept, as Rasa needs it
    assert call["query"] == {"token": RASA_TOKEN, "include_events": "NONE"}
    assert call["events"] == [{"event": "resume"}, {"event": "slot", "name": "handoff_active", "value": None}]
    assert live.bot.status(sender).paused is False
    assert live.bot.message(MessageRequest(sender_id=sender, text="谢谢")) is None  # the bot answers it now
    assert live.connector.pushes[-1]["messages"][0]["text"].startswith("人工服务已结束")


def test_sse_delivers_new_messages_and_queue_changes_live(live: Live) -> None:
    supervisor, _ = browser(live, "zhao")
    stream = EventStream(supervisor)
    try:
        sender = "web:live0000000003"
        conversation = hand_off(live, sender, "路灯不亮")
        assert stream.wait_for("queue", lambda d: d.get("conversation_id") == conversation)
        answer = live.bot.message(MessageRequest(sender_id=sender, text="我电话13812345678，在人民路口"))
        assert answer is not None and answer.stored
        event = stream.wait_for("new_message", lambda d: d["conversation_id"] == conversation
                                and d["message"]["role"] == "citizen" and "人民路口" in d["message"]["text"])
        assert event is not None, "no new_message event"
        assert event["message"]["text"] == "我电话138****5678，在人民路口"      # masked on the wire too
    finally:
        stream.close()


def test_an_agent_whose_console_is_gone_loses_the_conversation_to_the_queue(live: Live) -> None:
    gone_sender, kept_sender = "web:live0000000004", "web:live0000000005"
    gone = hand_off(live, gone_sender, "井盖丢了")
    kept = hand_off(live, kept_sender, "噪音扰民")
    wang, wang_csrf = browser(live, "wang")   # no live stream: nothing keeps wang's heartbeat going
    li, li_csrf = browser(live, "li")
    stream = EventStream(li)                  # li's page is open: the SSE stream is the heartbeat
    try:
        assert wang.post(f"/api/conversations/{gone}/take", headers={"X-CSRF-Token": wang_csrf}).status_code == 200
        assert li.post(f"/api/conversations/{kept}/take", headers={"X-CSRF-Token": li_csrf}).status_code == 200
        live.bot.message(MessageRequest(sender_id=gone_sender, text="有人吗？井盖在幸福路5号"))
        assert wait_until(lambda: live.bot.status(gone_sender).state == "waiting", HEARTBEAT_TIMEOUT + 5)
        assert live.bot.status(kept_sender).state == "assigned"
        time.sleep(HEARTBEAT_TIMEOUT + 0.5)       # well past the timeout: the open stream keeps li's
        assert live.bot.status(kept_sender).state == "assigned" and live.bot.status(kept_sender).agent == "李强"
        view = li.get(f"/api/conversations/{gone}").json()
        texts = [m["text"] for m in view["messages"]]
        assert "井盖丢了" in texts and "有人吗？井盖在幸福路5号" in texts
        assert view["conversation"]["agent"] is None and view["conversation"]["position"] is not None
    finally:
        stream.close()
    # li closes the page: the stream ends, and li's conversation goes back too
    assert wait_until(lambda: live.bot.status(kept_sender).state == "waiting", HEARTBEAT_TIMEOUT + 5)
    # and whoever takes it next still has the whole transcript
    assert li.post(f"/api/conversations/{kept}/take", headers={"X-CSRF-Token": li_csrf}).status_code == 200
    assert "噪音扰民" in [m["text"] for m in li.get(f"/api/conversations/{kept}").json()["messages"]]


def test_the_console_stops_promptly_with_a_page_open(live: Live) -> None:
    port = free_port()
    env = {**live.env, "REXIAN_CONSOLE_PORT": str(port)}   # the same accounts, a process of its own
    process = subprocess.Popen([sys.executable, "-m", "agent_console"], env=env, cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        assert wait_until(lambda: _healthy(url), 30)
        own = Live(url, live.connector, live.rasa, live.bot, env)
        client, _ = browser(own, "zhao")
        stream = EventStream(client)                 # an SSE stream never ends by itself
        started = time.monotonic()
        process.terminate()
        assert process.wait(timeout=15) in (0, -signal.SIGTERM)  # uvicorn re-raises SIGTERM after a clean stop
        assert time.monotonic() - started < 3
        output = process.stdout.read() if process.stdout else ""
        assert "Traceback" not in output, output
        stream.close()
    finally:
        if process.poll() is None:
            process.kill()


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url + "/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
