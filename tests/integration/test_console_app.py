"""The agent console app in-process (Starlette TestClient) on a temporary SQLite file: accounts and sessions, CSRF,
roles, masking and the audited reveal, the internal API's token, the queue order, take / reply / hand back with
recording doubles for the reply sender and the bot resumer, and the heartbeat sweep on a controlled clock.

The real push sender, Rasa resumer, SSE stream and background sweep run in tests/integration/test_console_live.py.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from agent_console.app import create_app
from agent_console.contract import CONSOLE_TOKEN_HEADER, DEV_CONSOLE_TOKEN
from agent_console.models import Base
from agent_console.outbound import Delivery, DeliveryFailed, ResumeFailed
from agent_console.settings import ConsoleConfig

TOKEN = "test-console-token"
INTERNAL = {CONSOLE_TOKEN_HEADER: TOKEN}
PASSWORD = "correct horse 42"
PHONE = "13812345678"


@dataclass
class RecordingSender:
    sent: list[tuple[str, str, str]] = field(default_factory=list)
    failing: bool = False

    def send(self, recipient: str, channel: str, text: str) -> Delivery:
        if self.failing:
            raise DeliveryFailed("渠道无法连接（ConnectError）")
        self.sent.append((recipient, channel, text))
        return Delivery(delivered=False, queued=True)


@dataclass
class RecordingResumer:
    resumed: list[str] = field(default_factory=list)
    failing: bool = False

    def resume(self, sender_id: str) -> None:
        if self.failing:
            raise ResumeFailed("智能助手无法连接（ConnectError）")
        self.resumed.append(sender_id)


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.timezone.utc)  # 10:00 in Beijing

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += dt.timedelta(**kwargs)


@dataclass
class Console:
    app: Any
    sender: RecordingSender
    resumer: RecordingResumer
    clock: Clock
    settings: ConsoleConfig

    @property
    def service(self) -> Any:
        return self.app.state.service

    def client(self) -> TestClient:
        return TestClient(self.app, base_url="http://testserver")


#: The database a test runs on: SQLite always; PostgreSQL too for the tests parametrized with DATABASES when
#: REXIAN_TEST_PG_URL names a server (scripts/test_postgres.sh, as `make test` runs it).
DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]
PG_DATABASE = "rexian_console_test"


def _postgres_url() -> str:
    url = os.environ.get("REXIAN_TEST_PG_URL", "").strip()
    if not url or url == "auto":
        pytest.skip("REXIAN_TEST_PG_URL 未设置（scripts/test_postgres.sh start 会给出）")
    server = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        if not conn.execute(sa.text(f"SELECT 1 FROM pg_database WHERE datname = '{PG_DATABASE}'")).first():
            conn.execute(sa.text(f"CREATE DATABASE {PG_DATABASE}"))
    server.dispose()
    own = sa.make_url(url).set(database=PG_DATABASE).render_as_string(hide_password=False)
    engine = sa.create_engine(own)
    Base.metadata.drop_all(engine)
    engine.dispose()
    return own


@pytest.fixture()
def console(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Console]:
    database = getattr(request, "param", "sqlite")
    url = _postgres_url() if database == "postgresql" else f"sqlite:///{tmp_path / 'console.sqlite3'}"
    settings = ConsoleConfig(db_url=url, internal_token=TOKEN,
                             heartbeat_timeout=60, ping_seconds=15, sweep_seconds=3600)
    sender, resumer, clock = RecordingSender(), RecordingResumer(), Clock()
    app = create_app(settings, sender=sender, resumer=resumer, clock=clock)
    app.state.service.create_user("wang", PASSWORD, "agent", "王芳")
    app.state.service.create_user("li", PASSWORD, "agent", "李强")
    app.state.service.create_user("zhao", PASSWORD, "supervisor", "赵班长")
    yield Console(app, sender, resumer, clock, settings)
    if database == "postgresql":
        Base.metadata.drop_all(app.state.service.store.engine)
    app.state.service.store.dispose()


def login(client: TestClient, name: str, password: str = PASSWORD) -> Any:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text
    return client.post("/login", data={"name": name, "password": password, "csrf_token": token.group(1),
                                       "next": "/queue"}, follow_redirects=False)


def logged_in(console: Console, name: str) -> tuple[TestClient, str]:
    """A client logged in as ``name`` and its session's CSRF token (read from the page, as the browser does)."""
    client = console.client()
    assert login(client, name).status_code == 303
    page = client.get("/queue")
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text)
    assert csrf, page.text
    return client, csrf.group(1)


def understanding(text: str, appeal: str | None = None, confidence: float = 0.8, emergency: str | None = None,
                  handoff: bool = False) -> dict[str, Any]:
    return {"version": 1, "text": text, "standard": text, "language": "zh",
            "emergency": {"kind": emergency, "services": ["fire"], "evidence": text} if emergency else None,
            "intent": {"name": "inform", "confidence": 0.9},
            "readings": {"handoff": handoff, "status": False, "small_talk": None, "cancel": False, "yes_no": None},
            "route": {"kind": "problem", "reason": "test", "appeal_type": appeal, "confidence": confidence,
                      "scores": {}},
            "kb": {"band": "no_match", "query": text, "followup_of": None, "candidates": []},
            "fields": {"phones": ["138****5678"] if PHONE in text else [], "id_numbers": [], "times": [],
                       "address": None, "person": None}}


def handoff(client: TestClient, sender: str, text: str, *, reason: str = "citizen_request",
            emergency: str | None = None, appeal: str | None = "投诉举报") -> dict[str, Any]:
    body = {"sender_id": sender, "reason": reason, "transcript": [
        {"role": "citizen", "text": text, "id": f"{sender}-1",
         "understanding": understanding(text, appeal, emergency=emergency)},
        {"role": "bot", "text": "话务员接入后会在本对话中回复您。", "id": f"{sender}-2"},
    ]}
    answer = client.post("/internal/handoff", json=body, headers=INTERNAL)
    assert answer.status_code == 200, answer.text
    return answer.json()


# ------------------------------------------------------------------------------------------------ login

@pytest.mark.parametrize("console", DATABASES, indirect=True)
def test_right_password_logs_in_with_a_strict_httponly_cookie(console: Console) -> None:
    client = console.client()
    answer = login(client, "wang")
    assert answer.status_code == 303 and answer.headers["location"] == "/queue"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("rexian_console_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert client.get("/api/me").json()["name"] == "wang"
    entries = console.service.audit_entries(action="login")
    assert [e["user"] for e in entries] == ["wang"]


def test_wrong_password_and_unknown_name_are_refused_and_audited(console: Console) -> None:
    client = console.client()
    for name, password in (("wang", "wrong password"), ("nobody", PASSWORD)):
        answer = login(client, name, password)
        assert answer.status_code == 401
        assert "用户名或密码不正确" in answer.text
        assert not any(c.startswith("rexian_console_session=") for c in answer.headers.get_list("set-cookie"))
    assert client.get("/api/me").status_code == 401
    assert sorted(e["user"] for e in console.service.audit_entries(action="login_failed")) == ["nobody", "wang"]


def test_repeated_wrong_passwords_lock_the_account(console: Console) -> None:
    client = console.client()
    for _ in range(console.settings.login_max_failures):
        assert login(client, "wang", "wrong password").status_code == 401
    assert login(client, "wang").status_code == 429  # even the right password, while locked
    console.clock.advance(minutes=console.settings.login_lock_minutes + 1)
    assert login(client, "wang").status_code == 303


def test_login_form_without_its_csrf_token_is_refused(console: Console) -> None:
    client = console.client()
    client.get("/login")
    answer = client.post("/login", data={"name": "wang", "password": PASSWORD, "csrf_token": "forged"},
                         follow_redirects=False)
    assert answer.status_code == 403
    assert client.get("/api/me").status_code == 401


def test_logged_out_browser_gets_nothing(console: Console) -> None:
    handoff(console.client(), "web:loggedout01", "楼道灯坏了三天了")
    client = console.client()
    for page in ("/queue", "/supervisor", "/conversations/1", "/"):
        answer = client.get(page, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith(("/login", "/queue"))
        assert "楼道灯" not in answer.text
    for api in ("/api/queue", "/api/conversations/1", "/api/me", "/api/supervisor", "/api/audit", "/events",
                "/api/conversations/1/suggestions"):
        answer = client.get(api)
        assert answer.status_code == 401, api
        assert "楼道灯" not in answer.text
    assert client.post("/api/conversations/1/take").status_code == 401


def test_logout_ends_the_session(console: Console) -> None:
    client, csrf = logged_in(console, "wang")
    assert client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    assert client.get("/api/queue").status_code == 401


def test_session_expires_after_its_lifetime_and_when_idle(console: Console) -> None:
    client, _ = logged_in(console, "wang")
    console.clock.advance(minutes=console.settings.session_idle_minutes + 1)
    assert client.get("/api/queue").status_code == 401
    client, _ = logged_in(console, "wang")
    for _ in range(int(console.settings.session_hours * 60 / 30)):  # active all along, but the login is too old
        console.clock.advance(minutes=30)
        client.get("/api/queue")
    assert client.get("/api/queue").status_code == 401


# ------------------------------------------------------------------------------------------------- CSRF

def _state_changing_paths(app: Any) -> list[str]:
    paths = []
    for route in app.routes:
        methods = getattr(route, "methods", None) or set()
        if methods & {"POST", "PUT", "PATCH", "DELETE"} and not route.path.startswith(("/internal/", "/login")):
            paths.append(route.path.replace("{conversation_id}", "1"))
    return paths


def test_every_state_changing_request_needs_the_csrf_token(console: Console) -> None:
    handoff(console.client(), "web:csrf000001", "小区门口井盖丢了，我电话13812345678")
    client, csrf = logged_in(console, "zhao")
    paths = _state_changing_paths(console.app)
    assert {"/logout", "/api/conversations/1/take", "/api/conversations/1/reply", "/api/conversations/1/reveal",
            "/api/conversations/1/handback", "/api/ping"} <= set(paths)
    for path in paths:
        for headers in ({}, {"X-CSRF-Token": "wrong"}, {"X-CSRF-Token": ""}):
            answer = client.post(path, json={"text": "你好"}, headers=headers)
            assert answer.status_code == 403, (path, headers, answer.text)
        answer = client.post(path, data={"csrf_token": "wrong", "text": "你好"})
        assert answer.status_code == 403, path
    # nothing happened: still waiting, nothing sent, nothing revealed, still logged in
    assert client.get("/api/conversations/1").json()["conversation"]["state"] == "waiting"
    assert console.sender.sent == [] and console.service.audit_entries(action="reveal") == []
    assert client.get("/api/me").status_code == 200
    # and the right token works, from the header or the form field
    assert client.post("/api/conversations/1/take", headers={"X-CSRF-Token": csrf}).status_code == 200
    assert client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303


def test_one_sessions_csrf_token_does_not_work_for_another(console: Console) -> None:
    handoff(console.client(), "web:csrf000002", "垃圾没人收")
    wang, _ = logged_in(console, "wang")
    _, li_csrf = logged_in(console, "li")
    assert wang.post("/api/conversations/1/take", headers={"X-CSRF-Token": li_csrf}).status_code == 403


# ------------------------------------------------------------------------------------------------ roles

def test_an_agent_cannot_open_the_supervisor_view(console: Console) -> None:
    agent, _ = logged_in(console, "wang")
    page = agent.get("/supervisor")
    assert page.status_code == 403 and "仅对班长开放" in page.text
    assert agent.get("/api/supervisor").status_code == 403
    assert agent.get("/api/audit").status_code == 403
    assert 'href="/supervisor"' not in agent.get("/queue").text
    supervisor, _ = logged_in(console, "zhao")
    assert supervisor.get("/supervisor").status_code == 200
    data = supervisor.get("/api/supervisor").json()
    assert {a["name"] for a in data["agents"] if a["online"]} == {"wang", "zhao"}


# --------------------------------------------------------------------------------------- masking, reveal

@pytest.mark.parametrize("console", DATABASES, indirect=True)
def test_phone_numbers_are_masked_until_an_audited_reveal(console: Console) -> None:
    handoff(console.client(), "web:reveal0001", f"井盖丢了，我电话{PHONE}，身份证110101199003074578")
    wang, csrf = logged_in(console, "wang")
    li, li_csrf = logged_in(console, "li")
    for text in (wang.get("/api/queue").text, wang.get("/api/conversations/1").text):
        assert PHONE not in text and "110101199003074578" not in text
        assert "138****5678" in text
    assert li.post("/api/conversations/1/reveal", headers={"X-CSRF-Token": li_csrf}).status_code == 403
    assert wang.post("/api/conversations/1/take", headers={"X-CSRF-Token": csrf}).status_code == 200
    # someone else's conversation: still no reveal for li
    assert li.post("/api/conversations/1/reveal", headers={"X-CSRF-Token": li_csrf}).status_code == 403
    revealed = wang.post("/api/conversations/1/reveal", headers={"X-CSRF-Token": csrf})
    assert revealed.status_code == 200
    assert [p["phone"] for p in revealed.json()["phones"]] == [PHONE]
    entries = console.service.audit_entries(action="reveal")
    assert [(e["user"], e["conversation_id"]) for e in entries] == [("wang", 1)]
    assert PHONE not in str(console.service.audit_entries())  # the audit log never holds the number
    assert PHONE not in wang.get("/api/conversations/1").text  # the reveal changes nothing else


# --------------------------------------------------------------------------------------- internal API

def test_the_internal_api_refuses_a_wrong_or_missing_token(console: Console) -> None:
    client = console.client()
    body = {"sender_id": "web:token00001", "reason": "citizen_request", "transcript": []}
    for headers in ({}, {CONSOLE_TOKEN_HEADER: "wrong"}, {CONSOLE_TOKEN_HEADER: DEV_CONSOLE_TOKEN}):
        assert client.post("/internal/handoff", json=body, headers=headers).status_code == 401
        assert client.post("/internal/message", json={"sender_id": "web:token00001", "text": "x"},
                           headers=headers).status_code == 401
        assert client.get("/internal/handoff/web:token00001", headers=headers).status_code == 401
    assert console.service.queue_view(_actor(console)).get("waiting") == []
    assert client.post("/internal/handoff", json=body, headers=INTERNAL).status_code == 200


def _actor(console: Console) -> Any:
    token, actor = console.service.login("zhao", PASSWORD)
    return actor


@pytest.mark.parametrize("console", DATABASES, indirect=True)
def test_a_refreshed_handoff_keeps_one_conversation_and_no_duplicates(console: Console) -> None:
    client = console.client()
    first = handoff(client, "web:refresh001", "楼上漏水物业不管")
    again = handoff(client, "web:refresh001", "楼上漏水物业不管", reason="emergency", emergency="fire")
    assert first["created"] and not again["created"]
    assert again["conversation_id"] == first["conversation_id"]
    supervisor, _ = logged_in(console, "zhao")
    view = supervisor.get(f"/api/conversations/{first['conversation_id']}").json()
    assert [m["role"] for m in view["messages"]] == ["citizen", "bot"]
    assert view["conversation"]["emergency"] and view["conversation"]["reason"] == "emergency"


def test_messages_of_a_handed_off_conversation_are_stored_and_unknown_senders_get_404(console: Console) -> None:
    client = console.client()
    handoff(client, "web:message001", "噪音扰民")
    answer = client.post("/internal/message", headers=INTERNAL, json={
        "sender_id": "web:message001", "text": "还在吗？地址是幸福路8号", "id": "m-3",
        "understanding": understanding("还在吗？地址是幸福路8号", "投诉举报", 0.7)})
    assert answer.status_code == 200 and answer.json()["stored"] is True
    repeat = client.post("/internal/message", headers=INTERNAL, json={
        "sender_id": "web:message001", "text": "还在吗？地址是幸福路8号", "id": "m-3"})
    assert repeat.json()["stored"] is False
    assert client.post("/internal/message", headers=INTERNAL,
                       json={"sender_id": "web:nobody00001", "text": "你好"}).status_code == 404
    status = client.get("/internal/handoff/web:message001", headers=INTERNAL).json()
    assert status["paused"] is True and status["state"] == "waiting" and status["position"] == 1
    assert client.get("/internal/handoff/web:nobody00001", headers=INTERNAL).json()["paused"] is False
    supervisor, _ = logged_in(console, "zhao")
    texts = [m["text"] for m in supervisor.get("/api/conversations/1").json()["messages"]]
    assert texts.count("还在吗？地址是幸福路8号") == 1


# ------------------------------------------------------------------------------------------- the queue

@pytest.mark.parametrize("console", DATABASES, indirect=True)
def test_the_queue_puts_emergencies_first_then_the_longest_waiting(console: Console) -> None:
    client = console.client()
    order = []
    for sender, text, reason, emergency in (
            ("web:normal000a", "路灯坏了", "citizen_request", None),
            ("web:normal000b", "想咨询居住证", "bot_gave_up", None),
            ("tg:1000000001", "楼道里着火了", "emergency", "fire"),
            ("web:normal000c", "垃圾没人收", "citizen_request", None),
            ("tg:1000000002", "有人晕倒了", "citizen_request", "medical")):  # the understanding says emergency
        order.append((sender, handoff(client, sender, text, reason=reason, emergency=emergency)))
        console.clock.advance(seconds=30)
    agent, _ = logged_in(console, "wang")
    waiting = agent.get("/api/queue").json()["waiting"]
    assert [w["sender"] for w in waiting] == ["tg:1000000001", "tg:1000000002", "web:normal000a",
                                              "web:normal000b", "web:normal000c"]
    assert [w["position"] for w in waiting] == [1, 2, 3, 4, 5]
    assert waiting[0]["emergency"] and waiting[0]["emergency_label"] == "火情"
    assert waiting[1]["emergency_label"] == "急病或重伤"
    assert waiting[2]["wait_seconds"] == 150 and waiting[2]["appeal_type"] == "投诉举报"
    assert waiting[2]["channel_label"] == "网页" and waiting[0]["channel_label"] == "Telegram"
    # the bot was told each place as it stood then; now the latest normal one is fifth
    assert [a["position"] for _, a in order] == [1, 2, 1, 4, 2]
    status = console.client().get("/internal/handoff/web:normal000c", headers=INTERNAL).json()
    assert status["position"] == 5


def test_the_gist_skips_the_bare_handoff_request(console: Console) -> None:
    client = console.client()
    body = {"sender_id": "web:gist000001", "reason": "citizen_request", "transcript": [
        {"role": "citizen", "text": "小区门口的共享单车堆成山了", "id": "1",
         "understanding": understanding("小区门口的共享单车堆成山了", "投诉举报")},
        {"role": "citizen", "text": "转人工", "id": "2", "understanding": understanding("转人工", None, handoff=True)}]}
    client.post("/internal/handoff", json=body, headers=INTERNAL)
    agent, _ = logged_in(console, "wang")
    item = agent.get("/api/queue").json()["waiting"][0]
    assert item["gist"] == "小区门口的共享单车堆成山了" and item["appeal_type"] == "投诉举报"


# ------------------------------------------------------------------------------- take, reply, hand back

@pytest.mark.parametrize("console", DATABASES, indirect=True)
def test_take_reply_and_hand_back(console: Console) -> None:
    handoff(console.client(), "web:flow000001", "楼下烧烤油烟太大")
    wang, csrf = logged_in(console, "wang")
    li, li_csrf = logged_in(console, "li")
    # replying before taking is refused
    assert wang.post("/api/conversations/1/reply", json={"text": "您好"},
                     headers={"X-CSRF-Token": csrf}).status_code == 409
    assert wang.post("/api/conversations/1/take", headers={"X-CSRF-Token": csrf}).json()["state"] == "assigned"
    assert li.post("/api/conversations/1/take", headers={"X-CSRF-Token": li_csrf}).status_code == 409
    assert li.post("/api/conversations/1/reply", json={"text": "我来"},
                   headers={"X-CSRF-Token": li_csrf}).status_code == 409
    reply = wang.post("/api/conversations/1/reply", json={"text": "您好，请问具体地址是？"},
                      headers={"X-CSRF-Token": csrf})
    assert reply.status_code == 200 and reply.json()["delivery"] == "queued"
    assert console.sender.sent[-1] == ("web:flow000001", "webchat", "您好，请问具体地址是？")
    assert console.sender.sent[0][2] == console.settings.take_message
    status = console.client().get("/internal/handoff/web:flow000001", headers=INTERNAL).json()
    assert status == {"paused": True, "conversation_id": 1, "state": "assigned", "reason": "citizen_request",
                      "agent": "王芳", "position": None}
    # li may not hand back wang's conversation
    assert li.post("/api/conversations/1/handback", headers={"X-CSRF-Token": li_csrf}).status_code == 403
    assert console.resumer.resumed == []
    back = wang.post("/api/conversations/1/handback", headers={"X-CSRF-Token": csrf})
    assert back.status_code == 200 and back.json()["state"] == "returned"
    assert console.resumer.resumed == ["web:flow000001"]
    assert console.sender.sent[-1][2] == console.settings.handback_message
    assert console.client().get("/internal/handoff/web:flow000001", headers=INTERNAL).json()["paused"] is False
    actions = [e["action"] for e in reversed(console.service.audit_entries()) if e["user"] == "wang"]
    assert actions == ["login", "take", "send_auto", "send", "hand_back", "send_auto"]
    # a later handoff of the same citizen is a new conversation
    again = handoff(console.client(), "web:flow000001", "还是有油烟")
    assert again["created"] and again["conversation_id"] == 2


def test_a_failed_delivery_is_kept_and_reported(console: Console) -> None:
    handoff(console.client(), "web:fail000001", "路灯坏了")
    wang, csrf = logged_in(console, "wang")
    wang.post("/api/conversations/1/take", headers={"X-CSRF-Token": csrf})
    console.sender.failing = True
    answer = wang.post("/api/conversations/1/reply", json={"text": "您好"}, headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 502 and "未能送达" in answer.json()["detail"]
    last = wang.get("/api/conversations/1").json()["messages"][-1]
    assert last["text"] == "您好" and last["delivery"] == "failed"


def test_a_failed_resume_keeps_the_conversation_with_the_agent(console: Console) -> None:
    handoff(console.client(), "web:resume0001", "路灯坏了")
    wang, csrf = logged_in(console, "wang")
    wang.post("/api/conversations/1/take", headers={"X-CSRF-Token": csrf})
    console.resumer.failing = True
    answer = wang.post("/api/conversations/1/handback", headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 502
    assert wang.get("/api/conversations/1").json()["conversation"]["state"] == "assigned"
    console.resumer.failing = False
    assert wang.post("/api/conversations/1/handback", headers={"X-CSRF-Token": csrf}).status_code == 200


def test_close_resumes_the_bot_and_notes_are_internal(console: Console) -> None:
    handoff(console.client(), "web:close00001", "咨询公积金")
    wang, csrf = logged_in(console, "wang")
    wang.post("/api/conversations/1/take", headers={"X-CSRF-Token": csrf})
    sent_before = len(console.sender.sent)
    note = wang.post("/api/conversations/1/note", json={"text": "市民情绪激动"}, headers={"X-CSRF-Token": csrf})
    assert note.json()["role"] == "note" and len(console.sender.sent) == sent_before
    assert wang.post("/api/conversations/1/close", headers={"X-CSRF-Token": csrf}).json()["state"] == "closed"
    assert console.resumer.resumed == ["web:close00001"]
    assert [e["action"] for e in console.service.audit_entries(action="note")] == ["note"]


# ----------------------------------------------------------------------------------------- heartbeat

@pytest.mark.parametrize("console", DATABASES, indirect=True)
def test_an_agent_whose_heartbeat_stops_loses_the_conversation_to_the_queue(console: Console) -> None:
    handoff(console.client(), "web:heart00001", "井盖丢了")
    wang, csrf = logged_in(console, "wang")
    wang.post("/api/conversations/1/take", headers={"X-CSRF-Token": csrf})
    console.clock.advance(seconds=40)
    assert console.service.sweep() == []                         # within the timeout: still wang's
    console.client().post("/internal/message", headers=INTERNAL,
                          json={"sender_id": "web:heart00001", "text": "地址在人民路3号"})
    console.clock.advance(seconds=30)                             # 70 s without a heartbeat
    assert console.service.sweep() == [1]
    supervisor, _ = logged_in(console, "zhao")
    view = supervisor.get("/api/conversations/1").json()
    assert view["conversation"]["state"] == "waiting" and view["conversation"]["agent"] is None
    texts = [m["text"] for m in view["messages"]]
    assert "井盖丢了" in texts and "地址在人民路3号" in texts       # nothing the citizen wrote is lost
    assert any("已离线" in t for t in texts)
    assert [e["action"] for e in console.service.audit_entries(action="auto_return")] == ["auto_return"]
    assert console.client().get("/internal/handoff/web:heart00001", headers=INTERNAL).json()["position"] == 1


def test_a_pinging_agent_keeps_the_conversation(console: Console) -> None:
    handoff(console.client(), "web:heart00002", "井盖丢了")
    wang, csrf = logged_in(console, "wang")
    wang.post("/api/conversations/1/take", headers={"X-CSRF-Token": csrf})
    for _ in range(5):
        console.clock.advance(seconds=40)
        assert wang.post("/api/ping", headers={"X-CSRF-Token": csrf}).status_code == 200
        assert console.service.sweep() == []
    assert wang.get("/api/conversations/1").json()["conversation"]["state"] == "assigned"


def test_logging_out_returns_the_agents_conversations(console: Console) -> None:
    handoff(console.client(), "web:logout0001", "井盖丢了")
    wang, csrf = logged_in(console, "wang")
    wang.post("/api/conversations/1/take", headers={"X-CSRF-Token": csrf})
    wang.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    status = console.client().get("/internal/handoff/web:logout0001", headers=INTERNAL).json()
    assert status["state"] == "waiting" and status["agent"] is None


# ------------------------------------------------------------------------------------------ the pages

def test_pages_are_chinese_self_contained_and_locked_down(console: Console) -> None:
    handoff(console.client(), "web:pages00001", "路灯坏了")
    supervisor, _ = logged_in(console, "zhao")
    for path, marker in (("/queue", "等待接入"), ("/conversations/1", "显示完整号码"), ("/supervisor", "今日紧急情况")):
        page = supervisor.get(path)
        assert page.status_code == 200 and marker in page.text and 'lang="zh-CN"' in page.text
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"
        for url in re.findall(r'(?:src|href)="([^"]+)"', page.text):
            assert url.startswith(("/", "data:")), url         # nothing from outside
    for asset in ("/static/console.js", "/static/console.css"):
        body = supervisor.get(asset)
        assert body.status_code == 200 and "http://" not in body.text and "https://" not in body.text
    assert supervisor.get("/conversations/999").status_code == 404
    assert [e["action"] for e in console.service.audit_entries(action="view")] == ["view"]
