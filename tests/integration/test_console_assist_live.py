"""Agent assist as it runs: ``python -m agent_console`` in a subprocess with ``console.assist=kb`` on a small temporary
knowledge base (real e5 index), the appeal classifier, and a REAL dispatch backend subprocess (``python -m
dispatch_backend`` on a temporary SQLite file) reached with the bot's key; a fake connector push endpoint receives the
agents' replies; browsers are httpx clients, the bot side is :class:`agent_console.contract.ConsoleClient`.

Covers: suggested answers pushed over SSE for a KB question and what agents did with them (unchanged / edited / not
sent, the statistics endpoint and the function ``rexian report`` calls); the work-order form pre-filled for a
complaint; filing the same form twice (also at the same moment) files one order, written into the transcript and the
audit log; similar open orders and a 催办 that links one, once; the service summary; call assist (login, CSRF, lines,
suggestions, pre-filled form, ending without the bot); the supervisor's overdue / 督办 orders and 三率, refused to
agents.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

from agent_console.contract import ConsoleClient, HandoffRequest, MessageRequest, TranscriptItem
from agent_console.usage import suggestion_usage_from_config
from dispatch_client import DispatchClient, NewServiceRequest
from domain import BEIJING
from knowledge_base.service import KnowledgeBase
from dispatch_backend.launcher import BackendProcess
from tests.backend import start_test_backend
from tests.console_harness import EventStream, login, post, running_console
from tests.fakes.servers import ThreadedServer, free_port, wait_until

INTERNAL_TOKEN = "assist-console-token"
API_KEY = "assist-bot-key"
PASSWORD = "assist password 2026"
BBQ = "城乡建设与管理/市容环卫/露天烧烤"
COMPLAINT = "楼下烧烤店天天开到凌晨两点，油烟呛得人没法开窗，我要投诉！地址是幸福路12号，电话13812345678"

KB_YAML = """\
area: 居住证
entries:
  - id: jzz-001
    question: 居住证怎么办理？
    similar_questions: [外地人怎么办居住证, 办居住证有什么条件, 申请居住证要满足什么条件]
    answer: 在居住地连续居住满半年、有合法稳定住所或就业的，可以申请居住证。（测试数据）
    keywords: [居住证, 条件]
    source: 市公安局居住证办事指南
    department: 市公安局
  - id: jzz-002
    question: 办理居住证需要带什么材料？
    similar_questions: [居住证要准备哪些材料, 申请居住证要带什么证件, 居住证材料清单]
    answer: 本人身份证、近期照片、居住证明（如租房合同）。（测试数据）
    keywords: [居住证, 材料]
    source: 市公安局居住证办事指南
    department: 市公安局
    valid_from: 2025-01-01
    valid_to: 2030-12-31
  - id: jzz-003
    question: 居住证在哪里办理？
    similar_questions: [去哪里办居住证, 居住证在哪个窗口办, 居住证办理地点]
    answer: 到居住地派出所或社区警务室办理。（测试数据）
    keywords: [居住证, 地点]
  - id: hz-001
    question: 护照怎么办理？
    similar_questions: [第一次办护照怎么弄, 办护照有什么条件, 怎么申请护照]
    answer: 中国公民可凭身份证向出入境管理部门申请普通护照。（测试数据）
    category: 出入境
    keywords: [护照]
"""


class FakeConnector:
    """``POST /internal/push``: records what agents send to citizens."""

    def __init__(self) -> None:
        self.pushes: list[dict[str, Any]] = []
        app = FastAPI()

        @app.post("/internal/push")
        async def push(request: Request) -> Any:
            self.pushes.append(await request.json())
            return {"delivered": False, "queued": True}

        self.server = ThreadedServer(app)


@dataclass
class Env:
    url: str
    backend_url: str
    bot: ConsoleClient
    dispatch: DispatchClient
    connector: FakeConnector
    db_url: str
    backends: list[BackendProcess]     # the running backend last; restart_backend() replaces it
    restart: Callable[[], BackendProcess]

    def stop_backend(self) -> None:
        self.backends[-1].stop()

    def restart_backend(self) -> None:
        """The same backend again (same port, same database) after :meth:`stop_backend`."""
        self.backends.append(self.restart())


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    tmp = tmp_path_factory.mktemp("assist")
    kb_dir, index_dir = tmp / "kb", tmp / "index"
    kb_dir.mkdir()
    (kb_dir / "juzhuzheng.yaml").write_text(KB_YAML, encoding="utf-8")
    KnowledgeBase.open([kb_dir], index_dir, "e5")  # the index, built once (the console never rebuilds it)
    backend_port = free_port()
    def start() -> BackendProcess:
        return start_test_backend(f"sqlite:///{tmp / 'dispatch.sqlite3'}", backend_port, tmp / "backend.log",
                                  api_key=API_KEY)

    backends = [start()]
    backend_url = f"http://127.0.0.1:{backend_port}"
    connector = FakeConnector()
    connector.server.start()
    port = free_port()
    db_url = f"sqlite:///{tmp / 'console.sqlite3'}"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("REXIAN_")}
    environment.update({
        "REXIAN_CONSOLE_PORT": str(port), "REXIAN_CONSOLE_DB_URL": db_url,
        "REXIAN_CONSOLE_INTERNAL_TOKEN": INTERNAL_TOKEN, "REXIAN_CONSOLE_ASSIST": "kb",
        "REXIAN_CONSOLE_TAKE_MESSAGE": "", "REXIAN_CONSOLE_HANDBACK_MESSAGE": "",
        "REXIAN_KB_PATHS": str(kb_dir), "REXIAN_KB_INDEX_DIR": str(index_dir), "REXIAN_KB_EMBEDDER": "e5",
        "REXIAN_DISPATCH_URL": backend_url, "REXIAN_DISPATCH_API_KEY": API_KEY,
        "REXIAN_WEBCHAT_PORT": str(connector.server.port), "REXIAN_TELEGRAM_PORT": str(connector.server.port),
        "REXIAN_RASA_URL": "http://127.0.0.1:9",  # never reached: nothing here hands back to the bot
    })
    users = (("wang", "agent", "王芳"), ("li", "agent", "李强"), ("zhao", "supervisor", "赵班长"))
    try:
        with running_console(environment, port, users=users, password=PASSWORD) as console:
            url = console.url
            bot = ConsoleClient(url, INTERNAL_TOKEN)
            dispatch = DispatchClient(backend_url, API_KEY, retries=0)
            yield Env(url, backend_url, bot, dispatch, connector, db_url, backends, start)
            bot.close()
            dispatch.close()
    finally:
        backends[-1].stop()
        connector.server.stop()


# ---------------------------------------------------------------------------------------------------- helpers


def browser(env: Env, name: str) -> tuple[httpx.Client, str]:
    return login(env.url, name, PASSWORD)


def hand_off(env: Env, sender: str, *texts: str, understanding: dict[str, Any] | None = None) -> int:
    items = [TranscriptItem(role="citizen", text=t, id=f"{sender}:{i}", understanding=understanding)
             for i, t in enumerate(texts)]
    answer = env.bot.handoff(HandoffRequest(sender_id=sender, reason="citizen_request",
                                            transcript=items + [TranscriptItem(role="citizen", text="转人工",
                                                                               id=f"{sender}:h")]))
    return answer.conversation_id


def taken(env: Env, sender: str, *texts: str, agent: str = "wang") -> tuple[int, httpx.Client, str]:
    conversation = hand_off(env, sender, *texts)
    client, csrf = browser(env, agent)
    assert post(client, csrf, f"/api/conversations/{conversation}/take").status_code == 200
    return conversation, client, csrf


def ready_draft(client: httpx.Client, conversation: int) -> dict[str, Any]:
    """The draft once the appeal classifier has loaded in the console (seconds after its start)."""
    found: dict[str, Any] = {}

    def ready() -> bool:
        found.update(client.get(f"/api/conversations/{conversation}/order/draft").json())
        return bool(found["draft"]["classifier_ready"])

    assert wait_until(ready, 120, interval=0.5), found
    return found


def audit(env: Env, action: str) -> list[dict[str, Any]]:
    client, _ = browser(env, "zhao")
    return client.get(f"/api/audit?action={action}&limit=500").json()["entries"]


# ------------------------------------------------------------------------------------------------ suggestions


def test_suggestions_arrive_live_for_a_kb_question_with_answer_dates_and_source(env: Env) -> None:
    conversation, client, csrf = taken(env, "web:assist0001", "你好")
    stream = EventStream(client)
    try:
        assert wait_until(lambda: client.get(f"/api/conversations/{conversation}").status_code == 200)
        env.bot.message(MessageRequest(sender_id="web:assist0001", text="办居住证要准备哪些材料？", id="m-1"))
        pushed = stream.wait_for("suggestions", lambda d: d["source_id"] == "m-1", timeout=60)
    finally:
        stream.close()
    assert pushed is not None, "no suggestions on the live stream"
    top = pushed["suggestions"][0]
    assert top["entry_id"] == "jzz-002" and top["answer"].startswith("本人身份证")
    assert top["valid_from"] == "2025-01-01" and top["valid_to"] == "2030-12-31"
    assert top["source"] == "市公安局居住证办事指南" and top["department"] == "市公安局" and top["id"]
    assert pushed["source_id"] == "m-1" and len(pushed["suggestions"]) <= 3
    again = client.get(f"/api/conversations/{conversation}/suggestions").json()
    assert [s["id"] for s in again["suggestions"]] == [s["id"] for s in pushed["suggestions"]]


def test_what_agents_do_with_suggestions_is_recorded_and_counted(env: Env) -> None:
    conversation, client, csrf = taken(env, "web:assist0002", "居住证在哪里办理")
    found = client.get(f"/api/conversations/{conversation}/suggestions").json()["suggestions"]
    assert found and found[0]["entry_id"] == "jzz-003"
    first, second = found[0], found[1]
    sent = post(client, csrf, f"/api/conversations/{conversation}/reply",
                {"text": first["answer"], "suggestion_id": first["id"]})
    assert sent.status_code == 200 and sent.json()["suggestion_use"] == "unchanged"
    edited = post(client, csrf, f"/api/conversations/{conversation}/reply",
                  {"text": second["answer"] + "您也可以先在网上预约。", "suggestion_id": second["id"]})
    assert edited.json()["suggestion_use"] == "edited"
    again = post(client, csrf, f"/api/conversations/{conversation}/reply",
                 {"text": "再发一次", "suggestion_id": first["id"]})
    assert again.json()["suggestion_use"] == "edited"  # judged, but the first send is what counts
    texts = [p["messages"][0]["text"] for p in env.connector.pushes[-3:]]
    assert texts == [first["answer"], second["answer"] + "您也可以先在网上预约。", "再发一次"]
    assert post(client, csrf, f"/api/conversations/{conversation}/reply",
                {"text": "x", "suggestion_id": 999999}).status_code == 400
    sends = [e for e in audit(env, "send") if e["conversation_id"] == conversation]
    assert {e["detail"].get("suggestion_use") for e in sends} == {"unchanged", "edited"}

    supervisor, _ = browser(env, "zhao")
    today = dt.datetime.now(BEIJING).date().isoformat()
    stats = supervisor.get(f"/api/stats/suggestions?start={today}&end={today}").json()
    mine = stats["by_agent"]["王芳"]
    assert mine["unchanged"] >= 1 and mine["edited"] >= 1 and mine["shown"] >= len(found)
    assert mine["not_sent"] == mine["shown"] - mine["unchanged"] - mine["edited"]
    assert client.get("/api/stats/suggestions").status_code == 403          # an agent gets no statistics
    usage = suggestion_usage_from_config(dt.date.today() - dt.timedelta(days=1), dt.date.today() + dt.timedelta(days=2),
                                         db_url=env.db_url)
    assert usage.overall.unchanged == stats["overall"]["unchanged"] and usage.overall.shown == stats["overall"]["shown"]


# ------------------------------------------------------------------------------------------------- work orders


def test_the_form_is_prefilled_for_a_complaint(env: Env) -> None:
    conversation, client, _ = taken(env, "web:assist0003", COMPLAINT)
    data = ready_draft(client, conversation)
    draft = data["draft"]
    assert draft["appeal_type"] == "投诉举报" and draft["appeal_alternatives"][0]["value"] == "投诉举报"
    assert {a["value"] for a in draft["appeal_alternatives"]} == {"咨询", "求助", "投诉举报", "意见建议"}
    assert draft["category"] == BBQ and draft["department"] == "chengguan"
    assert draft["department_name"] == "市城市管理综合执法局"
    assert draft["category_alternatives"][0]["path"] == BBQ
    assert "幸福路12号" in draft["address"] and "凌晨两点" in draft["occurred"]
    assert draft["phone"] == "138****5678" and "13812345678" not in json.dumps(data, ensure_ascii=False)
    assert "烧烤" in draft["description"] and "1381" not in draft["description"]
    assert data["form_key"].startswith("console-") and data["orders"] == []
    catalog = client.get("/api/catalog").json()
    assert catalog["origin"] == "backend" and any(c["path"] == BBQ for c in catalog["categories"])


def _form(data: dict[str, Any]) -> dict[str, Any]:
    d = data["draft"]
    return {"form_key": data["form_key"], "appeal_type": d["appeal_type"], "category": d["category"],
            "department": None, "address": d["address"], "occurred": d["occurred"], "name": "张先生",
            "phone": d["phone"], "description": d["description"], "callback_consent": True, "anonymous": False}


def test_the_same_form_filed_twice_files_one_order(env: Env) -> None:
    conversation, client, csrf = taken(env, "web:assist0004", COMPLAINT)
    form = _form(ready_draft(client, conversation))
    with ThreadPoolExecutor(2) as pool:  # a double click: both requests at the same moment
        answers = list(pool.map(lambda _: post(client, csrf, f"/api/conversations/{conversation}/orders", form),
                                range(2)))
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    numbers = {a.json()["service_request_id"] for a in answers}
    assert len(numbers) == 1
    number = numbers.pop()
    later = post(client, csrf, f"/api/conversations/{conversation}/orders", form)  # a third click, later
    assert later.json()["service_request_id"] == number and later.json()["replayed"] is True
    orders = env.dispatch.list(channel="webchat", channel_user_id="web:assist0004")
    assert [o.service_request_id for o in orders] == [number]
    order = env.dispatch.get(number)
    assert order.category is not None and order.category.path == BBQ and order.appeal_type == "投诉举报"
    assert order.contact is not None and order.contact.phone == "13812345678"   # the full number, resolved
    assert "13812345678" not in (order.description or "") and order.channel == "webchat"
    view = client.get(f"/api/conversations/{conversation}").json()
    filed = [m for m in view["messages"] if m["role"] == "system" and number in m["text"]]
    assert len(filed) == 1 and filed[0]["text"].startswith("已登记工单")
    assert len([e for e in audit(env, "order_create") if e["detail"]["service_request_id"] == number]) == 1
    fresh = client.get(f"/api/conversations/{conversation}/order/draft").json()
    assert fresh["form_key"] != form["form_key"] and [o["service_request_id"] for o in fresh["orders"]] == [number]
    other, other_csrf = browser(env, "li")   # another agent may not file for wang's conversation
    assert post(other, other_csrf, f"/api/conversations/{conversation}/orders",
                {**form, "form_key": fresh["form_key"]}).status_code == 403


def test_similar_open_orders_are_listed_and_a_reminder_links_one_once(env: Env) -> None:
    existing = env.dispatch.create(NewServiceRequest(
        service_code="shaokao", description="幸福路12号楼下的烧烤店每天开到凌晨，油烟很大", address_string="幸福路12号",
        appeal_type="投诉举报", category=BBQ, channel="webchat", channel_user_id="web:neighbour01"),
        idempotency_key="assist-existing-1").service_request_id
    assert existing
    conversation, client, csrf = taken(env, "web:assist0005", "楼下烧烤店天天开到凌晨，油烟太大了，投诉")
    found = client.get(f"/api/conversations/{conversation}/similar", params={"category": BBQ}).json()
    ids = [o["service_request_id"] for o in found["orders"]]
    assert existing in ids
    item = next(o for o in found["orders"] if o["service_request_id"] == existing)
    assert item["similarity"] > 0.2 and item["category"] == BBQ and item["remind_key"].startswith("remind-")
    assert "13812345678" not in json.dumps(found, ensure_ascii=False)
    payload = {"service_request_id": existing, "remind_key": item["remind_key"], "text": ""}
    first = post(client, csrf, f"/api/conversations/{conversation}/remind", payload)
    assert first.status_code == 200, first.text
    second = post(client, csrf, f"/api/conversations/{conversation}/remind", payload)  # a double click
    assert second.json()["replayed"] is True
    assert env.dispatch.get(existing).reminder_count == 1
    view = client.get(f"/api/conversations/{conversation}").json()
    assert any(m["role"] == "system" and m["text"].startswith(f"已对工单 {existing} 催办") for m in view["messages"])
    assert [e["detail"]["service_request_id"] for e in audit(env, "order_remind")].count(existing) == 1
    orders = client.get(f"/api/conversations/{conversation}/orders").json()["orders"]
    assert [(o["kind"], o["service_request_id"]) for o in orders] == [("remind", existing)]
    unrelated = client.get(f"/api/conversations/{conversation}/similar",
                           params={"category": "劳动保障/劳动关系/拖欠工资"}).json()
    assert existing not in [o["service_request_id"] for o in unrelated["orders"]]


def test_the_service_summary_is_composed_and_saved_with_the_order(env: Env) -> None:
    conversation, client, csrf = taken(env, "web:assist0006", COMPLAINT)
    form = _form(ready_draft(client, conversation))
    number = post(client, csrf, f"/api/conversations/{conversation}/orders", form).json()["service_request_id"]
    draft = client.get(f"/api/conversations/{conversation}/summary").json()
    assert draft["text"].startswith("【服务小结】") and number in draft["text"] and "王芳" in draft["text"]
    assert "13812345678" not in draft["text"]
    with ThreadPoolExecutor(2) as pool:  # one click, and a double click at the same moment
        answers = list(pool.map(lambda _: post(client, csrf, f"/api/conversations/{conversation}/summary", {}),
                                range(2)))
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    saved = next(a.json() for a in answers if not a.json()["repeated"])
    assert saved["service_request_id"] == number and saved["message"]["role"] == "note"
    assert all(a.json()["in_backend"] is True for a in answers)
    assert "写入工单" in saved["notice"]
    listed = client.get(f"/api/conversations/{conversation}/summary").json()["saved"]
    assert len(listed) == 1 and listed[0]["service_request_id"] == number and listed[0]["in_backend"] is True
    assert any(e["conversation_id"] == conversation for e in audit(env, "summary"))
    # the backend's order has the summary in its notes exactly once, written by the agent
    notes = [n for n in env.dispatch.get(number).notes if n.type == "note"]
    assert [(n.actor, n.text) for n in notes] == [("坐席 王芳", saved["text"])]
    again = post(client, csrf, f"/api/conversations/{conversation}/summary", {}).json()   # a later click
    assert again["repeated"] is True and again["in_backend"] is True
    assert len([n for n in env.dispatch.get(number).notes if n.type == "note"]) == 1
    view = client.get(f"/api/conversations/{conversation}").json()
    assert len([m for m in view["messages"] if m["role"] == "note" and m["text"] == saved["text"]]) == 1


def test_a_summary_the_backend_did_not_take_is_kept_and_sent_once_on_retry(env: Env) -> None:
    conversation, client, csrf = taken(env, "web:assist0016",
                                       "光明路3号门口工地半夜还在施工，噪音太大，我要投诉，电话13900001111")
    form = _form(ready_draft(client, conversation))
    filed = post(client, csrf, f"/api/conversations/{conversation}/orders", form).json()
    assert filed["outcome"] == "created", filed
    number = filed["service_request_id"]
    text = "【服务小结】市民投诉夜间施工噪音，已登记工单，告知办理时限。"
    env.stop_backend()
    try:
        failed = post(client, csrf, f"/api/conversations/{conversation}/summary", {"text": text})
    finally:
        env.restart_backend()
    assert failed.status_code == 200, failed.text
    assert failed.json()["in_backend"] is False and "失败" in failed.json()["notice"]
    assert "重试" in failed.json()["notice"]
    listed = client.get(f"/api/conversations/{conversation}/summary").json()["saved"]
    assert [(s["text"], s["in_backend"]) for s in listed] == [(text, False)]   # kept in the console
    assert [n for n in env.dispatch.get(number).notes if n.type == "note"] == []
    retried = post(client, csrf, f"/api/conversations/{conversation}/summary", {"text": text}).json()
    assert retried["in_backend"] is True and retried["repeated"] is True
    post(client, csrf, f"/api/conversations/{conversation}/summary", {"text": text})
    assert [n.text for n in env.dispatch.get(number).notes if n.type == "note"] == [text]
    listed = client.get(f"/api/conversations/{conversation}/summary").json()["saved"]
    assert [(s["text"], s["in_backend"]) for s in listed] == [(text, True)]
    outcomes = [e["detail"]["ok"] for e in audit(env, "summary_note") if e["conversation_id"] == conversation]
    assert sorted(outcomes) == [False, True]   # one failed write, one that reached the backend


# ------------------------------------------------------------------------------------------------ call assist


def test_call_assist_needs_a_login_and_the_csrf_token(env: Env) -> None:
    anonymous = httpx.Client(base_url=env.url, timeout=10)
    assert anonymous.get("/calls", follow_redirects=False).status_code == 303
    assert anonymous.get("/api/calls").status_code == 401
    assert anonymous.post("/api/calls").status_code == 401
    client, csrf = browser(env, "wang")
    assert client.get("/calls").status_code == 200 and "电话辅助" in client.get("/calls").text
    assert client.post("/api/calls").status_code == 403
    assert client.post("/api/calls", headers={"X-CSRF-Token": "wrong"}).status_code == 403
    started = post(client, csrf, "/api/calls")
    assert started.status_code == 200
    call = started.json()["conversation_id"]
    assert client.get(f"/calls/{call}").status_code == 200
    assert client.post(f"/api/calls/{call}/lines", json={"text": "护照怎么办"}).status_code == 403
    stream = EventStream(client)
    try:
        line = post(client, csrf, f"/api/calls/{call}/lines", {"text": "我想问一下第一次办护照怎么弄"})
        assert line.status_code == 200 and line.json()["role"] == "citizen"
        pushed = stream.wait_for("suggestions", lambda d: d["conversation_id"] == call, timeout=60)
    finally:
        stream.close()
    assert pushed is not None and pushed["suggestions"][0]["entry_id"] == "hz-001"
    told = post(client, csrf, f"/api/conversations/{call}/reply",
                {"text": pushed["suggestions"][0]["answer"], "suggestion_id": pushed["suggestions"][0]["id"]})
    assert told.json()["delivery"] == "spoken" and told.json()["suggestion_use"] == "unchanged"
    assert post(client, csrf, f"/api/calls/{call}/lines", {"text": COMPLAINT}).status_code == 200
    draft = ready_draft(client, call)["draft"]
    assert draft["appeal_type"] == "投诉举报" and draft["category"] == BBQ and draft["phone"] == "138****5678"
    assert "护照" not in draft["description"]   # the question asked first is no part of the complaint
    other, other_csrf = browser(env, "li")
    assert post(other, other_csrf, f"/api/calls/{call}/lines", {"text": "别人的来电"}).status_code == 409
    queue_ids = [i["id"] for i in client.get("/api/queue").json()["waiting"] + client.get("/api/queue").json()["assigned"]]
    assert call not in queue_ids and call in [i["id"] for i in client.get("/api/calls").json()["open"]]
    pushes = len(env.connector.pushes)
    assert post(client, csrf, f"/api/conversations/{call}/handback").status_code == 409
    assert post(client, csrf, f"/api/conversations/{call}/close").status_code == 200   # no bot to resume
    assert client.get(f"/api/conversations/{call}").json()["conversation"]["state"] == "closed"
    assert len(env.connector.pushes) == pushes


# -------------------------------------------------------------------------------------------------- supervisor


def test_the_supervisor_sees_overdue_and_supervised_orders_and_the_three_rates(env: Env) -> None:
    number = env.dispatch.create(NewServiceRequest(
        service_code="shaokao", description="夜市烧烤占道，油烟扰民", address_string="和平路8号", appeal_type="投诉举报",
        category=BBQ), idempotency_key="assist-overdue-1").service_request_id
    assert number
    later = dt.datetime.now(BEIJING) + dt.timedelta(days=40)   # the backend's test clock: its sweep flags it overdue
    with DispatchClient(env.backend_url, API_KEY, headers={"X-Rexian-Test-Now": later.isoformat()}) as future:
        assert future.get(number).overdue
    supervisor, _ = browser(env, "zhao")
    data: dict[str, Any] = {}

    def listed() -> bool:
        data.update(supervisor.get("/api/supervisor/orders").json())
        return number in [o["service_request_id"] for o in data.get("overdue", [])]

    assert wait_until(listed, 45, interval=1), data
    assert data["available"] is True and number in [o["service_request_id"] for o in data["supervised"]]
    assert set(data["rates"]) == {"on_time_closure_rate", "resolution_rate", "satisfaction_rate"}
    assert data["tally"]["total"] >= 1 and data["overdue_count"] >= 1
    agent, _ = browser(env, "wang")
    assert agent.get("/api/supervisor/orders").status_code == 403
    assert agent.get("/api/supervisor").status_code == 403
    assert agent.get("/supervisor").status_code == 403
