"""Agent assist in-process (Starlette TestClient, a temporary SQLite file): which suggestions count as shown and how
their use is counted, who may see the supervisor's figures, call-assist records (owner only, never back to the
queue, no bot to resume), filing when the backend fails (nothing claimed twice, the same key when it is back) or the
masked phone is not the citizen's, and the pages. The knowledge base and the backend are doubles here (a small
``Assist`` and a dispatch client over ``httpx.MockTransport``); the real ones run in test_console_assist_live.py."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from agent_console.app import create_app
from agent_console.assist import Suggestion
from agent_console.contract import CONSOLE_TOKEN_HEADER
from agent_console.desk import OrderDesk
from agent_console.models import OrderLink, SuggestionShown
from agent_console.outbound import Delivery
from agent_console.settings import ConsoleConfig
from dispatch_client import DispatchClient
from agent_console.models import Base
from tests.fakes.servers import wait_until
from tests.integration.test_console_app import DATABASES, _postgres_url

TOKEN = "assist-app-token"
PASSWORD = "correct horse 42"


class Answers:
    """The KB double: two entries about 居住证, one about 护照."""

    def suggestions(self, text: str, *, limit: int = 3) -> list[Suggestion]:
        found = []
        if "居住证" in text:
            found = [Suggestion("jzz-2", "居住证要带什么材料？", "带身份证和租房合同。", 0.95, "办事指南", "公安局",
                                "2025-01-01", None),
                     Suggestion("jzz-1", "居住证怎么办？", "住满半年可以申请。", 0.93)]
        elif "护照" in text:
            found = [Suggestion("hz-1", "护照怎么办？", "凭身份证申请。", 0.94)]
        return found[:limit]


@dataclass
class Sender:
    sent: list[tuple[str, str, str]] = field(default_factory=list)

    def send(self, recipient: str, channel: str, text: str) -> Delivery:
        self.sent.append((recipient, channel, text))
        return Delivery(delivered=True, queued=False)


@dataclass
class Resumer:
    resumed: list[str] = field(default_factory=list)

    def resume(self, sender_id: str) -> None:
        self.resumed.append(sender_id)


class Backend:
    """Answers POST /requests.json (recording idempotency keys) unless ``down``; the category tree otherwise 404."""

    def __init__(self) -> None:
        self.down = False
        self.keys: list[str] = []
        self.forms: list[dict[str, list[str]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("refused")
        if request.url.path == "/services.json":
            return httpx.Response(200, json=[{"service_code": "zonghe", "service_name": "综合", "metadata": False}])
        if request.url.path == "/requests.json" and request.method == "POST":
            self.keys.append(request.headers["Idempotency-Key"])
            from urllib.parse import parse_qs

            self.forms.append(parse_qs(request.content.decode()))
            return httpx.Response(200, json=[{"service_request_id": "2026120100000001", "outcome": "created"}])
        if request.url.path.startswith("/requests/"):
            return httpx.Response(200, json=[{"service_request_id": "2026120100000001", "status": "open",
                                              "service_code": "zonghe", "agency_responsible": "12345热线中心",
                                              "requested_datetime": "2026-12-01T10:00:00+08:00"}])
        return httpx.Response(503, json=[{"code": 503, "description": "down"}])


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class Console:
    app: Any
    sender: Sender
    resumer: Resumer
    backend: Backend
    clock: Clock

    @property
    def service(self) -> Any:
        return self.app.state.service

    def client(self) -> TestClient:
        return TestClient(self.app, base_url="http://testserver")

    def count(self, model: Any, *conditions: Any) -> int:
        with self.service.store.begin() as db:
            return int(db.scalar(select(func.count()).select_from(model).where(*conditions)) or 0)


@pytest.fixture()
def console(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Console]:
    database = getattr(request, "param", "sqlite")
    url = _postgres_url() if database == "postgresql" else f"sqlite:///{tmp_path / 'console.sqlite3'}"
    settings = ConsoleConfig(db_url=url, internal_token=TOKEN,
                             sweep_seconds=3600, take_message="", handback_message="")
    backend, clock = Backend(), Clock()
    desk = OrderDesk(DispatchClient("http://backend", "key", retries=0, transport=httpx.MockTransport(backend)))
    app = create_app(settings, sender=Sender(), resumer=Resumer(), assist=Answers(), desk=desk, clock=clock)
    for name, role in (("wang", "agent"), ("li", "agent"), ("zhao", "supervisor")):
        app.state.service.create_user(name, PASSWORD, role)
    yield Console(app, app.state.service.sender, app.state.service.resumer, backend, clock)
    app.state.service.suggester.close()
    if database == "postgresql":
        Base.metadata.drop_all(app.state.service.store.engine)
    app.state.service.store.dispose()


def logged_in(console: Console, name: str) -> tuple[TestClient, str]:
    client = console.client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token.group(1)})
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)">', client.get("/queue").text)
    assert csrf
    return client, csrf.group(1)


def hand_off(console: Console, sender: str, *texts: str) -> int:
    answer = console.client().post("/internal/handoff", headers={CONSOLE_TOKEN_HEADER: TOKEN}, json={
        "sender_id": sender, "reason": "citizen_request",
        "transcript": [{"role": "citizen", "text": t, "id": f"{sender}:{i}"} for i, t in enumerate(texts)]})
    return int(answer.json()["conversation_id"])


def message(console: Console, sender: str, text: str, key: str) -> None:
    answer = console.client().post("/internal/message", headers={CONSOLE_TOKEN_HEADER: TOKEN},
                                   json={"sender_id": sender, "text": text, "id": key})
    assert answer.status_code == 200


# ------------------------------------------------------------------------------------------------ suggestions


@pytest.mark.parametrize("console", DATABASES, indirect=True)
def test_suggestions_count_as_shown_only_once_the_agent_has_the_conversation(console: Console) -> None:
    conversation = hand_off(console, "web:shown00001", "办居住证要带什么")
    assert wait_until(lambda: console.count(SuggestionShown) == 2, 10)   # computed while waiting ...
    assert console.count(SuggestionShown, SuggestionShown.shown_at.is_not(None)) == 0   # ... seen by nobody
    supervisor, _ = logged_in(console, "zhao")
    assert supervisor.get(f"/api/conversations/{conversation}/suggestions").status_code == 200
    assert console.count(SuggestionShown, SuggestionShown.shown_at.is_not(None)) == 0   # a look is no service
    wang, csrf = logged_in(console, "wang")
    wang.post(f"/api/conversations/{conversation}/take", headers={"X-CSRF-Token": csrf})
    found = wang.get(f"/api/conversations/{conversation}/suggestions").json()["suggestions"]
    assert [s["entry_id"] for s in found] == ["jzz-2", "jzz-1"] and found[0]["valid_from"] == "2025-01-01"
    assert console.count(SuggestionShown, SuggestionShown.shown_at.is_not(None)) == 2
    message(console, "web:shown00001", "那护照呢", "m2")     # pushed while wang has it: shown at once
    assert wait_until(lambda: console.count(SuggestionShown, SuggestionShown.shown_at.is_not(None)) == 3, 10)
    message(console, "web:shown00001", "转人工", "m3")       # nothing to search: the old suggestions stay
    latest = wang.get(f"/api/conversations/{conversation}/suggestions").json()
    assert [s["entry_id"] for s in latest["suggestions"]] == ["hz-1"]
    sent = wang.post(f"/api/conversations/{conversation}/reply", headers={"X-CSRF-Token": csrf},
                     json={"text": " 凭身份证申请。 ", "suggestion_id": latest["suggestions"][0]["id"]})
    assert sent.json()["suggestion_use"] == "unchanged"      # whitespace aside, the answer as suggested
    stats = supervisor.get("/api/stats/suggestions").json()["overall"]
    assert (stats["shown"], stats["unchanged"], stats["edited"], stats["not_sent"]) == (3, 1, 0, 2)
    other = hand_off(console, "web:shown00002", "居住证")
    assert wait_until(lambda: console.count(SuggestionShown, SuggestionShown.conversation_id == other) == 2, 10)
    foreign = wang.post(f"/api/conversations/{conversation}/reply", headers={"X-CSRF-Token": csrf},
                        json={"text": "x", "suggestion_id": latest["suggestions"][0]["id"] + 1})
    assert foreign.status_code == 400        # a suggestion of another conversation is not this reply's
    assert console.sender.sent[-1][2] == "凭身份证申请。"
    assert supervisor.get("/api/stats/suggestions?start=2026-12-02").json()["overall"]["shown"] == 0
    assert supervisor.get("/api/stats/suggestions?start=someday").status_code == 422


def test_only_supervisors_see_the_order_figures_and_the_usage(console: Console) -> None:
    anonymous = console.client()
    for path in ("/api/supervisor/orders", "/api/stats/suggestions"):
        assert anonymous.get(path).status_code == 401
        assert logged_in(console, "wang")[0].get(path).status_code == 403
    supervisor, _ = logged_in(console, "zhao")
    console.backend.down = True
    figures = supervisor.get("/api/supervisor/orders").json()
    assert figures["available"] is False and "派单后台" in figures["error"]
    page = supervisor.get("/supervisor").text
    assert "按时办结率" in page and "督办工单" in page and "超期工单" in page and "今日建议采用率" in page


# ------------------------------------------------------------------------------------------------ call assist


@pytest.mark.parametrize("console", DATABASES, indirect=True)
def test_a_call_record_belongs_to_its_agent_and_never_waits_in_the_queue(console: Console) -> None:
    wang, csrf = logged_in(console, "wang")
    call = wang.post("/api/calls", headers={"X-CSRF-Token": csrf}).json()["conversation_id"]
    line = wang.post(f"/api/calls/{call}/lines", headers={"X-CSRF-Token": csrf},
                     json={"text": "我是张先生，电话13812345678，想问居住证"}).json()
    assert line["text"] == "我是张先生，电话138****5678，想问居住证"
    assert line["understanding"]["fields"]["phones"] == ["138****5678"]
    assert line["understanding"]["fields"]["person"] == "张先生"
    assert wang.post(f"/api/calls/{call}/lines", headers={"X-CSRF-Token": csrf}, json={"text": " "}).status_code == 400
    li, li_csrf = logged_in(console, "li")
    assert li.post(f"/api/calls/{call}/lines", headers={"X-CSRF-Token": li_csrf}, json={"text": "x"}).status_code == 409
    assert li.post(f"/api/conversations/{call}/take", headers={"X-CSRF-Token": li_csrf}).status_code == 409
    assert li.get("/api/calls").json()["open"] == []
    assert [c["id"] for c in logged_in(console, "zhao")[0].get("/api/calls").json()["open"]] == [call]
    queue = wang.get("/api/queue").json()
    assert call not in [i["id"] for i in queue["waiting"] + queue["assigned"]]
    chat = hand_off(console, "web:callq00001", "居住证")
    assert wang.post(f"/api/calls/{chat}/lines", headers={"X-CSRF-Token": csrf}, json={"text": "x"}).status_code == 409
    console.clock.now += dt.timedelta(hours=1)   # wang's heartbeat is long gone: chats return, a call stays
    console.service.sweep()
    assert wang.get(f"/api/conversations/{call}").json()["conversation"]["state"] == "assigned"
    view = wang.get(f"/api/conversations/{call}").json()["conversation"]
    assert view["is_call"] and view["can"]["add_line"] and not view["can"]["hand_back"]
    told = wang.post(f"/api/conversations/{call}/reply", headers={"X-CSRF-Token": csrf}, json={"text": "好的，这就登记"})
    assert told.json()["delivery"] == "spoken" and console.sender.sent == []
    assert wang.post(f"/api/conversations/{call}/close", headers={"X-CSRF-Token": csrf}).status_code == 200
    assert console.resumer.resumed == []
    page = wang.get(f"/calls/{call}").text
    for needed in ("来电人说", "登记工单", "相似工单", "服务小结", "建议答复"):
        assert needed in page
    assert not re.search(r'(src|href)="(https?:)?//', page) and not re.search(r'(src|href)="(https?:)?//',
                                                                                wang.get("/calls").text)


# ------------------------------------------------------------------------------------------------ work orders


@pytest.mark.parametrize("console", DATABASES, indirect=True)
def test_a_failed_filing_releases_its_claim_and_the_retry_uses_the_same_key(console: Console) -> None:
    conversation = hand_off(console, "web:file000001", "路灯坏了一个星期，我电话13812345678")
    wang, csrf = logged_in(console, "wang")
    wang.post(f"/api/conversations/{conversation}/take", headers={"X-CSRF-Token": csrf})
    data = wang.get(f"/api/conversations/{conversation}/order/draft").json()
    assert data["draft"]["phone"] == "138****5678" and data["can_file"]
    form = {"form_key": data["form_key"], "appeal_type": "投诉举报", "category": None, "address": "幸福路",
            "phone": "138****5678", "description": data["draft"]["description"]}
    wrong = wang.post(f"/api/conversations/{conversation}/orders", headers={"X-CSRF-Token": csrf},
                      json={**form, "phone": "139****0000"})
    assert wrong.status_code == 400 and "隐藏" in wrong.json()["detail"]
    assert wang.post(f"/api/conversations/{conversation}/orders", headers={"X-CSRF-Token": csrf},
                     json={**form, "appeal_type": "投诉"}).status_code == 400
    console.backend.down = True
    down = wang.post(f"/api/conversations/{conversation}/orders", headers={"X-CSRF-Token": csrf}, json=form)
    assert down.status_code == 502 and "不会重复登记" in down.json()["detail"]
    assert console.count(OrderLink) == 0                      # nothing claimed
    console.backend.down = False
    filed = wang.post(f"/api/conversations/{conversation}/orders", headers={"X-CSRF-Token": csrf}, json=form)
    assert filed.status_code == 200 and filed.json()["service_request_id"] == "2026120100000001"
    assert filed.json()["agency"] == "12345热线中心"
    assert console.backend.keys == [data["form_key"]]
    sent = console.backend.forms[0]
    assert sent["phone"] == ["13812345678"] and sent["service_code"] == ["rexian"]
    assert sent["channel"] == ["webchat"] and sent["channel_user_id"] == ["web:file000001"]
    assert "13812345678" not in sent["description"][0]
    stale = wang.post(f"/api/conversations/{conversation}/orders", headers={"X-CSRF-Token": csrf},
                      json={**form, "form_key": "console-" + "0" * 32})
    assert stale.status_code == 409 and "已过期" in stale.json()["detail"]
    assert len(console.backend.keys) == 1
