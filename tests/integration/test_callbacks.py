"""The callback scheduler against a REAL dispatch backend (subprocess, tmp SQLite), a FAKE Rasa HTTP API and a
FAKE connector push endpoint (both tiny local servers that record every call)."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import pytest
import sqlalchemy as sa

from callbacks import CallbackConfig, QuietHours, Scheduler, SurveyState, SurveyStore, run_once
from callbacks.db import metadata
from connectors.push import PUSH_TOKEN_HEADER, PushRequest, PushResult
from dispatch_backend.launcher import BackendProcess, free_port
from dispatch_client import DispatchClient, NewServiceRequest, Outbox, SurveyResult
from configuration import PROJECT_ROOT
from tests.backend import start_test_backend

API_KEY = "test-bot-key"
GONGAN_KEY = "dev-dept-gongan"  # dispatch_backend/config/departments.yml (development key)
RASA_TOKEN = "test-rasa-token"
PUSH_TOKEN = "test-push-token"
TEST_NOW = "X-Rexian-Test-Now"
BJ = dt.timezone(dt.timedelta(hours=8))


# ---------------------------------------------------------------------------- fakes
@dataclass
class FakeRasa:
    """Rasa's tracker and trigger_intent endpoints; records the calls."""

    url: str = ""
    active_loops: dict[str, str] = field(default_factory=dict)
    triggers: list[tuple[str, dict[str, Any], dict[str, list[str]]]] = field(default_factory=list)
    failing: bool = False
    bad_tokens: int = 0

    def triggered(self, recipient: str) -> int:
        return sum(1 for r, _, _ in self.triggers if r == recipient)


@dataclass
class FakeConnector:
    """A connector's POST /internal/push; unknown_recipients answer 404."""

    url: str = ""
    pushes: list[dict[str, Any]] = field(default_factory=list)
    unknown_recipients: set[str] = field(default_factory=set)
    bad_tokens: int = 0

    def pushed(self, recipient: str) -> list[dict[str, Any]]:
        return [p for p in self.pushes if p["recipient"] == recipient]


def _serve(handler: type[BaseHTTPRequestHandler]) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


class _Quiet(BaseHTTPRequestHandler):
    def log_message(self, *_args: object) -> None:
        return

    def _json(self, status: int, body: object) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def fake_rasa() -> Iterator[FakeRasa]:
    rasa = FakeRasa()
    lock = threading.Lock()

    class Handler(_Quiet):
        def _conversation(self) -> tuple[str, str, dict[str, list[str]]] | None:
            parsed = urlparse(self.path)
            parts = parsed.path.split("/")
            query = parse_qs(parsed.query)
            if len(parts) != 4 or parts[1] != "conversations":
                self._json(404, {"status": "failure"})
                return None
            if query.get("token") != [RASA_TOKEN]:
                rasa.bad_tokens += 1
                self._json(401, {"status": "failure", "reason": "NotAuthenticated"})
                return None
            if rasa.failing:
                self._json(500, {"status": "failure", "reason": "ConversationError"})
                return None
            return unquote(parts[2]), parts[3], query

        def do_GET(self) -> None:
            found = self._conversation()
            if found and found[1] == "tracker":
                loop = rasa.active_loops.get(found[0])
                self._json(200, {"sender_id": found[0], "slots": {}, "events": [],
                                 "active_loop": {"name": loop, "is_interrupted": False} if loop else {}})

        def do_POST(self) -> None:
            found = self._conversation()
            if not found:
                return
            sender, tail, query = found
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            if tail != "trigger_intent" or body.get("name") != "start_survey":
                self._json(404, {"status": "failure"})
                return
            with lock:
                rasa.triggers.append((sender, body, query))
            order = body["entities"]["survey_order"]
            self._json(200, {"tracker": {"sender_id": sender, "active_loop": {}}, "messages": [
                {"recipient_id": sender, "text": f"您好，您的工单 {order} 已办结。请问问题解决了吗？",
                 "buttons": [{"title": "已解决", "payload": "/affirm"}, {"title": "未解决", "payload": "/deny"}]},
            ]})

    server, rasa.url = _serve(Handler)
    yield rasa
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def connector() -> Iterator[FakeConnector]:
    fake = FakeConnector()
    lock = threading.Lock()

    class Handler(_Quiet):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            if self.headers.get(PUSH_TOKEN_HEADER) != PUSH_TOKEN:
                fake.bad_tokens += 1
                self._json(401, {"detail": "bad token"})
                return
            if self.path != "/internal/push" or body["recipient"] in fake.unknown_recipients:
                self._json(404, {"detail": "unknown recipient"})
                return
            with lock:
                fake.pushes.append(body)
            self._json(200, {"delivered": False, "queued": True})

    server, fake.url = _serve(Handler)
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackendProcess]:
    """The real backend (``python -m dispatch_backend``) on a free port with a fresh SQLite file."""
    tmp = tmp_path_factory.mktemp("callbacks_backend")
    process = start_test_backend(f"sqlite:///{tmp / 'dispatch.sqlite3'}", free_port(), tmp / "backend.log",
                                 api_key=API_KEY)
    yield process
    process.stop()


@pytest.fixture
def client(backend: BackendProcess) -> Iterator[DispatchClient]:
    with DispatchClient(backend.url, API_KEY, retries=1, backoff=0.05) as c:
        yield c


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'callbacks.sqlite3'}"


@pytest.fixture
def outbox(client: DispatchClient, tmp_path: Path) -> Iterator[Outbox]:
    """The dispatch client's outbox the scheduler writes through (its sender thread is not started)."""
    box = Outbox(client, tmp_path / "outbox.sqlite3")
    yield box
    box.close()


def make_config(store_url: str, backend: BackendProcess, fake_rasa: FakeRasa, connector: FakeConnector,
                **overrides: Any) -> CallbackConfig:
    values: dict[str, Any] = {
        "store_url": store_url, "dispatch_url": backend.url, "dispatch_api_key": API_KEY,
        "rasa_url": fake_rasa.url, "rasa_token": RASA_TOKEN,
        "push_urls": {"webchat": connector.url, "telegram": connector.url}, "push_token": PUSH_TOKEN,
        "quiet": QuietHours.parse("21:00", "08:00", "Asia/Shanghai"),
        "delay": dt.timedelta(minutes=30), "retry": dt.timedelta(minutes=240), "max_attempts": 3,
    }
    values.update(overrides)
    return CallbackConfig(**values)


@pytest.fixture
def config(store_url: str, backend: BackendProcess, fake_rasa: FakeRasa,
           connector: FakeConnector) -> CallbackConfig:
    return make_config(store_url, backend, fake_rasa, connector)


class Clock:
    """The injected ``now()``."""

    def __init__(self, start: dt.datetime) -> None:
        self.value = start

    def __call__(self) -> dt.datetime:
        return self.value

    def set(self, value: dt.datetime) -> None:
        self.value = value


def bj(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=BJ)


def closed_order(backend: BackendProcess, at: dt.datetime, *, channel: str = "webchat",
                 consent: bool = True) -> tuple[str, str]:
    """Create a 噪音扰民 order, contact and close it as 市公安局 at ``at``; returns (id, recipient)."""
    prefix = {"webchat": "web:", "telegram": "tg:"}.get(channel, "rest-")
    recipient = f"{prefix}{uuid.uuid4().hex[:12]}"
    with DispatchClient(backend.url, API_KEY, retries=1, headers={TEST_NOW: at.isoformat()}) as c:
        created = c.create(NewServiceRequest(
            service_code="zaoyin", description=f"楼下商铺晚上音响声音太大 {uuid.uuid4().hex[:8]}",
            address_string="示例市幸福路 8 号", attributes={"noise_source": "life"}, channel=channel,
            channel_user_id=recipient, callback_consent=consent))
        order_id = created.service_request_id
        assert order_id
        c.first_contact(order_id, GONGAN_KEY, "已电话联系")
        c.close_request(order_id, GONGAN_KEY, "已责令商铺降低音量")
    return order_id, recipient


def reclose(backend: BackendProcess, order_id: str, at: dt.datetime) -> None:
    with DispatchClient(backend.url, API_KEY, retries=1, headers={TEST_NOW: at.isoformat()}) as c:
        c.first_contact(order_id, GONGAN_KEY, "复核联系")
        c.close_request(order_id, GONGAN_KEY, "复核后已处理")


def survey_of(store_url: str, order_id: str, closure: int = 0):
    store = SurveyStore(store_url)
    try:
        return store.get(order_id, closure)
    finally:
        store.close()


# ---------------------------------------------------------------------------- tests
def test_invites_once_after_delay_and_quiet_hours(backend, config, fake_rasa, connector, store_url, outbox) -> None:
    order_id, recipient = closed_order(backend, bj(2, 20, 45))  # +30 min = 21:15 → quiet → 08:00 next day
    clock = Clock(bj(2, 21, 20))
    with Scheduler(config, outbox=outbox, now=clock) as scheduler:
        report = scheduler.run_once()
        assert report.scheduled >= 1
        survey = survey_of(store_url, order_id)
        assert survey is not None and survey.state is SurveyState.SCHEDULED
        assert survey.due_at == bj(3, 8, 0)
        assert fake_rasa.triggered(recipient) == 0
        clock.set(bj(3, 7, 59))
        scheduler.run_once()
        assert fake_rasa.triggered(recipient) == 0
        clock.set(bj(3, 8, 0))
        scheduler.run_once()
        scheduler.run_once()
    assert fake_rasa.triggered(recipient) == 1
    _sender, body, query = next(t for t in fake_rasa.triggers if t[0] == recipient)
    assert body == {"name": "start_survey", "entities": {"survey_order": order_id}}
    assert query["output_channel"] == ["collector"]
    pushed = connector.pushed(recipient)
    assert len(pushed) == 1
    assert order_id in pushed[0]["messages"][0]["text"]
    assert [b["title"] for b in pushed[0]["messages"][0]["buttons"]] == ["已解决", "未解决"]
    survey = survey_of(store_url, order_id)
    assert survey is not None and survey.state is SurveyState.INVITED and survey.attempts == 1
    assert survey.due_at == bj(3, 12, 0)  # next attempt after retry_minutes


def run_side_by_side(schedulers: list[Scheduler], rounds: int) -> list[BaseException]:
    """Run the schedulers in threads released together, ``rounds`` rounds each; close them; return any errors."""
    barrier = threading.Barrier(len(schedulers))
    errors: list[BaseException] = []

    def work(scheduler: Scheduler) -> None:
        try:
            barrier.wait()
            for _ in range(rounds):
                scheduler.run_once()
        except BaseException as exc:  # noqa: BLE001 - returned to the test
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(s,)) for s in schedulers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in schedulers:
        s.close()
    return errors


def test_two_schedulers_on_one_store_invite_each_closure_once(backend, config, fake_rasa, connector, outbox) -> None:
    orders = [closed_order(backend, bj(4, 9, 0)) for _ in range(6)]
    clock = Clock(bj(4, 10, 0))
    assert run_side_by_side([Scheduler(config, outbox=outbox, now=clock) for _ in range(2)], rounds=3) == []
    for order_id, recipient in orders:
        assert fake_rasa.triggered(recipient) == 1, order_id
        assert len(connector.pushed(recipient)) == 1, order_id


def test_two_processes_on_one_store_invite_once(backend, fake_rasa, connector, store_url, tmp_path) -> None:
    """Two real ``python -m callbacks --once`` processes started together (real clock, no quiet hours)."""
    now = dt.datetime.now(BJ)
    orders = [closed_order(backend, now - dt.timedelta(minutes=1)) for _ in range(3)]
    env = {**os.environ, "REXIAN_CALLBACKS_STORE_URL": store_url, "REXIAN_CALLBACKS_DELAY_MINUTES": "0",
           "REXIAN_CALLBACKS_QUIET_START": "00:00", "REXIAN_CALLBACKS_QUIET_END": "00:00",
           "REXIAN_CALLBACKS_PUSH_TOKEN": PUSH_TOKEN, "REXIAN_CALLBACKS_ENABLED": "true",
           "REXIAN_DISPATCH_URL": backend.url, "REXIAN_DISPATCH_API_KEY": API_KEY,
           "REXIAN_DISPATCH_OUTBOX": str(tmp_path / "outbox.sqlite3"),
           "REXIAN_RASA_URL": fake_rasa.url, "REXIAN_RASA_API_TOKEN": RASA_TOKEN,
           "REXIAN_WEBCHAT_HOST": "127.0.0.1", "REXIAN_WEBCHAT_PORT": connector.url.rsplit(":", 1)[1]}
    procs = [subprocess.Popen([sys.executable, "-m", "callbacks", "--once"], cwd=PROJECT_ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(2)]
    outputs = [p.communicate(timeout=120)[0].decode(errors="replace") for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    for order_id, recipient in orders:
        assert fake_rasa.triggered(recipient) == 1, order_id
        assert len(connector.pushed(recipient)) == 1
        assert recipient not in "".join(outputs)  # the log never names the citizen's id


def test_sigterm_stops_the_loop(backend, fake_rasa, connector, store_url, tmp_path) -> None:
    env = {**os.environ, "REXIAN_CALLBACKS_STORE_URL": store_url, "REXIAN_CALLBACKS_POLL_SECONDS": "30",
           "REXIAN_DISPATCH_OUTBOX": str(tmp_path / "outbox.sqlite3"),
           "REXIAN_CALLBACKS_ENABLED": "true", "REXIAN_DISPATCH_URL": backend.url,
           "REXIAN_DISPATCH_API_KEY": API_KEY, "REXIAN_RASA_URL": fake_rasa.url,
           "REXIAN_RASA_API_TOKEN": RASA_TOKEN}
    proc = subprocess.Popen([sys.executable, "-m", "callbacks"], cwd=PROJECT_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    store = SurveyStore(store_url)
    try:
        deadline = time.monotonic() + 60
        while store.cursor() is None and time.monotonic() < deadline:  # the first round has read the feed
            assert proc.poll() is None
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        out = proc.communicate(timeout=30)[0].decode(errors="replace")
    finally:
        store.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, out
    assert "回访调度已退出" in out


def test_restart_does_not_reinvite_and_max_attempts_end_in_no_reply(backend, config, fake_rasa, connector,
                                                                     store_url, client, outbox) -> None:
    order_id, recipient = closed_order(backend, bj(5, 9, 0))
    run_once(config, outbox=outbox, now=lambda: bj(5, 9, 30))
    assert fake_rasa.triggered(recipient) == 1
    run_once(config, outbox=outbox, now=lambda: bj(5, 9, 31))  # "restarted" scheduler, same store: nothing new
    run_once(config, outbox=outbox, now=lambda: bj(5, 13, 29))
    assert fake_rasa.triggered(recipient) == 1
    run_once(config, outbox=outbox, now=lambda: bj(5, 13, 30))   # 2nd invitation, 240 min later
    run_once(config, outbox=outbox, now=lambda: bj(5, 17, 30))   # 3rd
    assert fake_rasa.triggered(recipient) == 3
    survey = survey_of(store_url, order_id)
    assert survey is not None and survey.state is SurveyState.INVITED and survey.attempts == 3
    assert survey.due_at == bj(6, 8, 0)           # 21:30 is quiet: the last answer window ends next morning
    report = run_once(config, outbox=outbox, now=lambda: bj(6, 8, 0))
    assert report.no_reply >= 1
    assert fake_rasa.triggered(recipient) == 3
    assert survey_of(store_url, order_id).state is SurveyState.NO_REPLY
    run_once(config, outbox=outbox, now=lambda: bj(6, 8, 1))     # the next round records it in the backend
    order = client.get(order_id)
    assert order.workflow_state == "archived" and "回访未果" in order.notes[-1].text


def test_answer_through_the_backend_stops_invitations(backend, config, fake_rasa, client, store_url, outbox) -> None:
    order_id, recipient = closed_order(backend, bj(7, 9, 0))
    run_once(config, outbox=outbox, now=lambda: bj(7, 9, 30))
    assert fake_rasa.triggered(recipient) == 1
    client.record_survey(order_id, resolved=True, satisfaction="满意", comment="")  # the bot's survey action
    run_once(config, outbox=outbox, now=lambda: bj(7, 14, 0))
    assert survey_of(store_url, order_id).state is SurveyState.ANSWERED
    assert fake_rasa.triggered(recipient) == 1


def test_reopened_and_closed_again_gets_a_second_survey(backend, config, fake_rasa, client, store_url, outbox) -> None:
    order_id, recipient = closed_order(backend, bj(9, 9, 0))
    run_once(config, outbox=outbox, now=lambda: bj(9, 9, 30))
    client.record_survey(order_id, resolved=False, satisfaction="不满意", comment="还是很吵")  # reopens
    run_once(config, outbox=outbox, now=lambda: bj(9, 10, 0))
    assert survey_of(store_url, order_id, 0).state is SurveyState.ANSWERED
    assert survey_of(store_url, order_id, 1) is None
    reclose(backend, order_id, bj(10, 9, 0))
    run_once(config, outbox=outbox, now=lambda: bj(10, 9, 30))
    run_once(config, outbox=outbox, now=lambda: bj(10, 9, 31))
    second = survey_of(store_url, order_id, 1)
    assert second is not None and second.state is SurveyState.INVITED and second.attempts == 1
    assert fake_rasa.triggered(recipient) == 2
    assert [s.closure for s in SurveyStore(store_url).for_order(order_id)] == [0, 1]


def test_consent_false_is_declined_and_archived(backend, config, fake_rasa, client, store_url, outbox) -> None:
    order_id, recipient = closed_order(backend, bj(11, 9, 0), consent=False)
    report = run_once(config, outbox=outbox, now=lambda: bj(11, 12, 0))
    assert report.declined >= 1
    assert survey_of(store_url, order_id).state is SurveyState.DECLINED
    assert fake_rasa.triggered(recipient) == 0
    assert client.get(order_id).workflow_state == "archived"


def test_closure_older_than_max_age_is_not_surveyed(backend, config, fake_rasa, store_url, outbox) -> None:
    old_id, old_recipient = closed_order(backend, bj(21, 9, 0))
    run_once(config, outbox=outbox, now=lambda: bj(28, 9, 1))   # first seen 7 days and 1 minute after the closure
    assert survey_of(store_url, old_id).state is SurveyState.EXPIRED
    assert fake_rasa.triggered(old_recipient) == 0


def test_channel_without_push_is_unreachable(backend, config, fake_rasa, connector, store_url, outbox) -> None:
    rest_id, rest_recipient = closed_order(backend, bj(12, 9, 0), channel="rest")
    tg_id, tg_recipient = closed_order(backend, bj(12, 9, 0), channel="telegram")
    connector.unknown_recipients.add(tg_recipient)  # the connector answers 404 for this citizen
    run_once(config, outbox=outbox, now=lambda: bj(12, 10, 0))
    run_once(config, outbox=outbox, now=lambda: bj(12, 15, 0))
    assert survey_of(store_url, rest_id).state is SurveyState.UNREACHABLE
    assert fake_rasa.triggered(rest_recipient) == 0
    assert survey_of(store_url, tg_id).state is SurveyState.UNREACHABLE
    assert fake_rasa.triggered(tg_recipient) == 1  # tried once, never again


def test_active_form_postpones_the_survey(backend, config, fake_rasa, connector, store_url, outbox) -> None:
    order_id, recipient = closed_order(backend, bj(13, 9, 0))
    fake_rasa.active_loops[recipient] = "complaint_form"
    report = run_once(config, outbox=outbox, now=lambda: bj(13, 9, 30))
    assert report.postponed >= 1
    survey = survey_of(store_url, order_id)
    assert survey.state is SurveyState.SCHEDULED and survey.attempts == 0
    assert survey.due_at == bj(13, 9, 35)
    assert fake_rasa.triggered(recipient) == 0
    del fake_rasa.active_loops[recipient]
    run_once(config, outbox=outbox, now=lambda: bj(13, 9, 34))
    assert fake_rasa.triggered(recipient) == 0
    run_once(config, outbox=outbox, now=lambda: bj(13, 9, 35))
    assert fake_rasa.triggered(recipient) == 1
    assert len(connector.pushed(recipient)) == 1


def test_rasa_down_does_not_use_up_attempts(backend, config, fake_rasa, store_url, outbox) -> None:
    order_id, recipient = closed_order(backend, bj(14, 9, 0))
    fake_rasa.failing = True
    try:
        report = run_once(config, outbox=outbox, now=lambda: bj(14, 9, 30))
    finally:
        fake_rasa.failing = False
    assert report.retry_later >= 1
    survey = survey_of(store_url, order_id)
    assert survey.attempts == 0 and survey.due_at == bj(14, 9, 35)
    run_once(config, outbox=outbox, now=lambda: bj(14, 9, 35))
    assert survey_of(store_url, order_id).attempts == 1
    assert fake_rasa.triggered(recipient) == 1


# ---------------------------------------------------------------------------- writes through the outbox
DOWN_URL = "http://127.0.0.1:9"  # nothing listens there: the backend is unreachable


def survey_notes(client: DispatchClient, order_id: str) -> int:
    return sum(1 for n in client.get(order_id).notes if n.type == "callback_done")


def test_an_answer_queued_while_the_backend_was_down_ends_the_survey(backend, config, fake_rasa, client, store_url,
                                                                     outbox) -> None:
    order_id, recipient = closed_order(backend, bj(16, 9, 0))
    run_once(config, outbox=outbox, now=lambda: bj(16, 9, 30))
    assert fake_rasa.triggered(recipient) == 1
    with DispatchClient(DOWN_URL, API_KEY, retries=0) as down:  # the bot, while the backend is down
        bot_outbox = Outbox(down, outbox.path)
        entry = bot_outbox.submit(SurveyResult(service_request_id=order_id, resolved=True, satisfaction="基本满意",
                                               comment="处理了但还有点吵"))
        bot_outbox.close()
    assert entry.state == "pending" and entry.attempts == 1
    report = run_once(config, outbox=outbox, now=lambda: bj(16, 13, 30))  # the second invitation would be due
    assert report.delivered == 1
    order = client.get(order_id)
    assert order.workflow_state == "callback_done" and order.survey.satisfaction == "基本满意"
    assert survey_of(store_url, order_id).state is SurveyState.ANSWERED   # learned from the order, not invited
    assert fake_rasa.triggered(recipient) == 1
    assert outbox.flush() == 0 and survey_notes(client, order_id) == 1  # nothing is sent twice


def test_unresolved_answer_reopens_by_the_backends_rule(backend, config, client, store_url, outbox) -> None:
    order_id, _ = closed_order(backend, bj(17, 9, 0))
    run_once(config, outbox=outbox, now=lambda: bj(17, 9, 30))
    entry = outbox.submit(SurveyResult(service_request_id=order_id, resolved=False, satisfaction="基本满意",
                                       comment="晚上十点后仍有噪音"))
    assert entry.delivered and entry.result.workflow_state == "reopened"  # no separate reopen call
    order = client.get(order_id)
    assert order.reopen_count == 1 and order.survey.resolved is False
    run_once(config, outbox=outbox, now=lambda: bj(17, 10, 0))
    assert survey_of(store_url, order_id).state is SurveyState.ANSWERED


def test_archive_waits_in_the_outbox_while_the_backend_is_down(backend, config, client, store_url, outbox) -> None:
    order_id, _ = closed_order(backend, bj(18, 9, 0), consent=False)
    with DispatchClient(DOWN_URL, API_KEY, retries=0) as down:
        down_outbox = Outbox(down, outbox.path)
        run_once(config, outbox=down_outbox, now=lambda: bj(18, 12, 0))  # the feed is read, the archive not sent
        run_once(config, outbox=down_outbox, now=lambda: bj(18, 12, 1))  # handed over once: nothing more
        down_outbox.close()
    assert survey_of(store_url, order_id).state is SurveyState.DECLINED
    assert client.get(order_id).workflow_state == "closed"
    queued = [e for e in outbox.pending() if e.service_request_id == order_id]
    assert [e.kind for e in queued] == ["archive"]
    outbox.flush()
    assert client.get(order_id).workflow_state == "archived" and outbox.find(queued[0].key).delivered


def test_results_queued_by_an_earlier_version_are_delivered(backend, config, client, store_url, outbox) -> None:
    order_id, _ = closed_order(backend, bj(19, 9, 0))
    engine = sa.create_engine(store_url)
    legacy = sa.Table(  # the table earlier versions kept in the callback store
        "callback_results", sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("service_request_id", sa.String(64), nullable=False),
        sa.Column("resolved", sa.Boolean, nullable=True), sa.Column("satisfaction", sa.String(16), nullable=True),
        sa.Column("comment", sa.Text, nullable=False), sa.Column("reopen_reason", sa.Text, nullable=True),
        sa.Column("state", sa.String(16), nullable=False), sa.Column("survey_recorded", sa.Boolean, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False), sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("owner", sa.String(96), nullable=True), sa.Column("lease_until", sa.DateTime, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False), sa.Column("updated_at", sa.DateTime, nullable=False))
    legacy.create(engine)
    stamp = dt.datetime(2026, 3, 19, 1, 0)
    with engine.begin() as conn:
        conn.execute(legacy.insert(), [
            dict(service_request_id=order_id, resolved=True, satisfaction="满意", comment="谢谢", state="pending",
                 survey_recorded=False, attempts=1, created_at=stamp, updated_at=stamp),
            dict(service_request_id=order_id, resolved=True, satisfaction="满意", comment="", state="done",
                 survey_recorded=True, attempts=1, created_at=stamp, updated_at=stamp)])
    report = run_once(config, outbox=outbox, now=lambda: bj(19, 9, 5))
    assert report.delivered == 1 and not sa.inspect(engine).has_table("callback_results")
    engine.dispose()
    assert client.get(order_id).workflow_state == "callback_done" and survey_notes(client, order_id) == 1
    run_once(config, outbox=outbox, now=lambda: bj(19, 9, 40))   # the order is answered: no invitation
    assert survey_of(store_url, order_id).state is SurveyState.ANSWERED


# ---------------------------------------------------------------------------- PostgreSQL
@pytest.fixture
def pg_store_url() -> Iterator[str]:
    """A database of its own (``rexian_callbacks_test``) on the REXIAN_TEST_PG_URL server, tables dropped."""
    url = os.environ.get("REXIAN_TEST_PG_URL", "").strip()
    if not url or url == "auto":
        pytest.skip("REXIAN_TEST_PG_URL 未设置（scripts/test_postgres.sh start 会给出）")
    server = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = 'rexian_callbacks_test'")).first()
        if not exists:
            conn.execute(sa.text("CREATE DATABASE rexian_callbacks_test"))
    server.dispose()
    own = sa.make_url(url).set(database="rexian_callbacks_test").render_as_string(hide_password=False)
    engine = sa.create_engine(own)
    metadata.drop_all(engine)
    engine.dispose()
    yield own
    engine = sa.create_engine(own)
    metadata.drop_all(engine)
    engine.dispose()


@pytest.mark.postgresql
def test_postgres_store_two_schedulers(backend, fake_rasa, connector, pg_store_url, outbox) -> None:
    config = make_config(pg_store_url, backend, fake_rasa, connector)
    orders = [closed_order(backend, bj(20, 9, 0)) for _ in range(4)]
    clock = Clock(bj(20, 10, 0))
    assert run_side_by_side([Scheduler(config, outbox=outbox, now=clock) for _ in range(2)], rounds=2) == []
    for order_id, recipient in orders:
        assert fake_rasa.triggered(recipient) == 1
        assert survey_of(pg_store_url, order_id).state is SurveyState.INVITED


# ---------------------------------------------------------------------------- the seat-agent console
CONSOLE_TOKEN = "test-console-token"


@dataclass
class FakeConsole:
    """The console's ``GET /internal/handoff/{sender_id}`` (agent_console.contract); ``handed_off`` senders are
    paused (waiting or with an agent)."""

    url: str = ""
    handed_off: dict[str, str] = field(default_factory=dict)   # sender → state
    asked: list[str] = field(default_factory=list)
    bad_tokens: int = 0


@pytest.fixture(scope="module")
def fake_console() -> Iterator[FakeConsole]:
    console = FakeConsole()

    class Handler(_Quiet):
        def do_GET(self) -> None:
            if self.headers.get("X-Rexian-Console-Token") != CONSOLE_TOKEN:
                console.bad_tokens += 1
                self._json(401, {"detail": "bad token"})
                return
            sender = unquote(self.path.removeprefix("/internal/handoff/"))
            console.asked.append(sender)
            state = console.handed_off.get(sender)
            self._json(200, {"paused": state is not None, "conversation_id": 7 if state else None, "state": state,
                             "reason": "citizen_request" if state else None, "agent": None, "position": None})

    server, console.url = _serve(Handler)
    yield console
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("state", ["waiting", "assigned"])
def test_a_handoff_postpones_the_survey(backend, store_url, fake_rasa, connector, fake_console, outbox,
                                        state: str) -> None:
    config = make_config(store_url, backend, fake_rasa, connector, console_url=fake_console.url,
                         console_token=CONSOLE_TOKEN)
    order_id, recipient = closed_order(backend, bj(21, 9, 0))
    fake_console.handed_off[recipient] = state
    report = run_once(config, outbox=outbox, now=lambda: bj(21, 9, 30))
    assert report.postponed >= 1 and recipient in fake_console.asked and fake_console.bad_tokens == 0
    survey = survey_of(store_url, order_id)
    assert survey.state is SurveyState.SCHEDULED and survey.attempts == 0   # not a failed attempt
    assert survey.due_at == bj(21, 9, 35)
    assert fake_rasa.triggered(recipient) == 0 and connector.pushed(recipient) == []
    run_once(config, outbox=outbox, now=lambda: bj(21, 9, 35))           # still with the agent
    assert fake_rasa.triggered(recipient) == 0
    del fake_console.handed_off[recipient]                                # handed back
    run_once(config, outbox=outbox, now=lambda: bj(21, 9, 40))
    assert fake_rasa.triggered(recipient) == 1 and len(connector.pushed(recipient)) == 1
    assert survey_of(store_url, order_id).attempts == 1


def test_an_unreachable_console_does_not_stop_surveys(backend, store_url, fake_rasa, connector, outbox) -> None:
    config = make_config(store_url, backend, fake_rasa, connector, console_url=DOWN_URL, console_token=CONSOLE_TOKEN)
    order_id, recipient = closed_order(backend, bj(22, 9, 0))
    report = run_once(config, outbox=outbox, now=lambda: bj(22, 9, 30))
    assert report.invited >= 1 and fake_rasa.triggered(recipient) == 1
    assert survey_of(store_url, order_id).state is SurveyState.INVITED


def test_each_push_keeps_its_delivery_path(backend, config, fake_rasa, store_url, outbox) -> None:
    """A connector that names how it sent the invitation (WeChat's template message outside the 48-hour window)."""
    paths = iter(["template", "customer_service"])
    order_id, recipient = closed_order(backend, bj(23, 9, 0))

    def wechat_like(url: str, token: str, request: PushRequest) -> PushResult:
        return PushResult(delivered=True, path=next(paths) if request.recipient == recipient else "")

    run_once(config, outbox=outbox, now=lambda: bj(23, 9, 30), push=wechat_like)
    run_once(config, outbox=outbox, now=lambda: bj(23, 13, 30), push=wechat_like)   # the second invitation
    survey = survey_of(store_url, order_id)
    assert survey.attempts == 2
    store = SurveyStore(store_url)
    try:
        [(listed, sent)] = [(s, p) for s, p in store.recent() if s.service_request_id == order_id]
    finally:
        store.close()
    assert [(p.attempt, p.path, p.delivered) for p in sent] == [(1, "template", True), (2, "customer_service", True)]
    assert listed.id == survey.id
    listing = subprocess.run([sys.executable, "-m", "callbacks", "--list", "50"], cwd=PROJECT_ROOT, timeout=60,
                             env={**os.environ, "REXIAN_CALLBACKS_STORE_URL": store_url}, capture_output=True,
                             text=True)
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(order_id))
    assert "invited" in lines[at] and "邀请 2 次" in lines[at]
    assert "送达方式：模板消息" in lines[at + 1] and "送达方式：客服消息" in lines[at + 2]
    assert _recipient_free(listing.stdout, store_url)


def _recipient_free(output: str, store_url: str) -> bool:
    """The listing never names a citizen's channel id."""
    store = SurveyStore(store_url)
    try:
        return not any(s.recipient and s.recipient in output for s, _ in store.recent(200))
    finally:
        store.close()
