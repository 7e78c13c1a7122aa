"""Outbox: every write survives a backend outage and a bot restart, and arrives exactly once."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from dispatch_client import (
    Archive,
    BadRequestError,
    ConflictError,
    CreateOrder,
    DispatchClient,
    Outbox,
    Remind,
    SurveyResult,
)

from .conftest import API_KEY, BackendProcess, free_port, start_backend
from .helpers import lamp_request, noise_request

ORDER = {"service_request_id": "2026031600000001", "status": "open", "service_code": "ludeng",
         "requested_datetime": "2026-03-16T10:00:00+08:00"}


def _orders_with(client: DispatchClient, description: str) -> list[str]:
    now = dt.datetime.now(dt.timezone.utc)
    found = client.list(service_code="ludeng", start=now - dt.timedelta(hours=1), end=now + dt.timedelta(minutes=5))
    return [o.service_request_id for o in found if o.description == description]


def test_outage_then_restart_delivers_exactly_once(backend: BackendProcess, client: DispatchClient,
                                                   tmp_path: Path) -> None:
    port = free_port()  # nothing listens here yet: the backend is "down"
    path = tmp_path / "outbox.sqlite3"
    down = DispatchClient(f"http://127.0.0.1:{port}", API_KEY, retries=1, backoff=0.01, timeout=2)
    outbox = Outbox(down, path, retry_interval=0.2)
    request = lamp_request()
    entry = outbox.submit(CreateOrder(request=request))
    assert entry.state == "pending" and entry.service_request_id is None and entry.attempts == 1
    assert entry.reference == entry.provisional_reference and entry.provisional_reference.startswith("LS")
    assert outbox.flush() == 0
    outbox.close()  # the bot stops while the backend is still down
    down.close()

    restarted = start_backend(backend.db_url, port, tmp_path / "backend2.log")
    try:
        with DispatchClient(restarted.url, API_KEY, retries=1, backoff=0.01) as up:
            outbox = Outbox(up, path, retry_interval=0.2)  # the bot starts again
            assert [e.provisional_reference for e in outbox.pending()] == [entry.provisional_reference]
            outbox.start()
            end = time.monotonic() + 15
            while outbox.resolve(entry.provisional_reference) is None and time.monotonic() < end:
                time.sleep(0.05)
            outbox.stop()
            delivered = outbox.get(entry.provisional_reference)
            assert delivered.state == "delivered" and delivered.service_request_id
            assert delivered.reference == delivered.service_request_id
            assert outbox.flush() == 0 and outbox.pending() == []
            outbox.close()
    finally:
        restarted.stop()
    assert _orders_with(client, request.description) == [delivered.service_request_id]


def test_reachable_backend_delivers_immediately(client: DispatchClient, tmp_path: Path) -> None:
    outbox = Outbox(client, tmp_path / "outbox.sqlite3")
    entry = outbox.submit(CreateOrder(request=lamp_request()), "intake-1")
    assert entry.state == "delivered" and entry.service_request_id and entry.result.outcome == "created"
    assert client.get(entry.service_request_id).service_code == "ludeng"
    assert outbox.submit(CreateOrder(request=lamp_request()), "intake-1") == entry  # the same key: the same entry
    outbox.close()


def test_rejected_request_is_marked_failed_not_retried(client: DispatchClient, tmp_path: Path) -> None:
    outbox = Outbox(client, tmp_path / "outbox.sqlite3")
    with pytest.raises(BadRequestError):
        outbox.submit(CreateOrder(request=lamp_request(lat=None, long=None)), "intake-2")
    failed = outbox.find("intake-2")
    assert failed is not None and failed.state == "failed" and outbox.pending() == [] and outbox.flush() == 0
    again = outbox.submit(CreateOrder(request=lamp_request()), "intake-2")  # corrected and confirmed again
    assert again.delivered and again.provisional_reference == failed.provisional_reference
    outbox.close()


def test_an_outbox_file_of_the_earlier_creations_only_schema_keeps_its_entries(client: DispatchClient,
                                                                                tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite3"
    request = lamp_request()
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE outbox (provisional_reference TEXT PRIMARY KEY, idempotency_key TEXT NOT NULL UNIQUE,"
                 " payload TEXT NOT NULL, state TEXT NOT NULL, service_request_id TEXT, service_notice TEXT,"
                 " attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, created_at TEXT NOT NULL,"
                 " updated_at TEXT NOT NULL)")
    conn.executemany("INSERT INTO outbox VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        ("LS202603160900-AAAAAA", "intake-old", request.model_dump_json(), "pending", None, None, 3, "down",
         "2026-03-16T01:00:00+00:00", "2026-03-16T01:00:00+00:00"),
        ("LS202603150900-BBBBBB", "intake-older", json.dumps({"service_code": "ludeng"}), "delivered",
         "2026031500000007", "已受理", 1, None, "2026-03-15T01:00:00+00:00", "2026-03-15T01:00:00+00:00")])
    conn.commit()
    conn.close()

    outbox = Outbox(client, path)
    assert [(e.provisional_reference, e.key, e.attempts) for e in outbox.pending()] == [
        ("LS202603160900-AAAAAA", "intake-old", 3)]
    assert outbox.resolve("LS202603150900-BBBBBB") == "2026031500000007"
    assert outbox.get("LS202603150900-BBBBBB").service_notice == "已受理"
    assert outbox.flush() == 1
    assert _orders_with(client, request.description) == [outbox.resolve("LS202603160900-AAAAAA")]
    outbox.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    conn.close()


def test_two_outboxes_on_one_file_send_each_write_once(client: DispatchClient, tmp_path: Path) -> None:
    """Two processes (here: two outboxes with their own connections) sending one file's 催办, which must not be
    repeated: each entry is claimed by one of them."""
    order_id = client.create(noise_request()).service_request_id
    path = tmp_path / "outbox.sqlite3"
    with DispatchClient(f"http://127.0.0.1:{free_port()}", API_KEY, retries=0) as down:
        queued = Outbox(down, path)
        for n in range(12):
            assert queued.submit(Remind(service_request_id=order_id, text=f"第{n}次")).state == "pending"
        queued.close()
    senders = [Outbox(client, path), Outbox(client, path)]
    barrier = threading.Barrier(2)
    delivered: list[int] = []

    def send(outbox: Outbox) -> None:
        barrier.wait()
        for _ in range(3):
            delivered.append(outbox.flush())

    threads = [threading.Thread(target=send, args=(o,)) for o in senders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(delivered) == 12 and senders[0].pending() == []
    assert client.get(order_id).reminder_count == 12
    for outbox in senders:
        outbox.close()


# ---------------------------------------------------------------- the retry policy, against a scripted transport
class Clock:
    def __init__(self) -> None:
        self.value = 1_000_000.0

    def __call__(self) -> float:
        return self.value


def scripted(tmp_path: Path, answer: Callable[[httpx.Request], httpx.Response]
             ) -> tuple[Outbox, Clock, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer(request)

    client = DispatchClient("http://backend.test", "k", transport=httpx.MockTransport(handler))
    clock = Clock()
    return Outbox(client, tmp_path / "outbox.sqlite3", clock=clock), clock, seen


def survey(order_id: str) -> SurveyResult:
    return SurveyResult(service_request_id=order_id, resolved=True, satisfaction="满意")


def test_a_write_the_backend_fails_on_backs_off_while_the_others_go_through(tmp_path: Path) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if "/A/" in request.url.path:
            return httpx.Response(500, json=[{"code": 500, "description": "内部错误"}])
        return httpx.Response(200, json=[ORDER])

    outbox, clock, seen = scripted(tmp_path, answer)
    a = outbox.submit(survey("A"), attempt=False)
    b = outbox.submit(survey("B"), attempt=False)
    assert len(seen) == 0 and outbox.deliver_due() == 1
    assert outbox.find(a.key).state == "pending" and outbox.find(b.key).delivered and len(seen) == 2
    assert outbox.deliver_due() == 0 and len(seen) == 2       # A waits out its backoff (5 s)
    clock.value += 5
    outbox.deliver_due()
    assert len(seen) == 3 and outbox.find(a.key).attempts == 2
    clock.value += 9.9                                         # doubled: 10 s
    assert outbox.deliver_due() == 0 and len(seen) == 3
    outbox.flush()                                             # flush ignores the backoff
    assert len(seen) == 4
    outbox.close()


def test_an_unreachable_backend_costs_one_attempt_per_round(tmp_path: Path) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    outbox, _clock, seen = scripted(tmp_path, answer)
    for order_id in ("A", "B", "C"):
        outbox.submit(survey(order_id), attempt=False)
    assert outbox.deliver_due() == 0 and len(seen) == 1
    assert outbox.deliver_due() == 0 and len(seen) == 2     # due again at once: no backoff for an outage
    assert [e.attempts for e in outbox.pending()] == [2, 0, 0]
    outbox.close()


def test_a_write_that_may_have_arrived_is_sent_again_only_when_a_copy_is_harmless(tmp_path: Path) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    outbox, _clock, seen = scripted(tmp_path, answer)
    remind = outbox.submit(Remind(service_request_id="A", text="催一下"))
    answer_again = outbox.submit(survey("A"))
    assert remind.state == "failed" and "not sent twice" in (remind.last_error or "")
    assert answer_again.state == "pending"                   # the same answer twice leaves the order unchanged
    assert outbox.flush() == 0 and len(seen) == 3 and [e.kind for e in outbox.pending()] == ["survey"]
    outbox.close()


def test_a_conflict_means_done_for_archive_and_rejected_for_a_survey(tmp_path: Path) -> None:
    outbox, _clock, _seen = scripted(
        tmp_path, lambda _r: httpx.Response(409, json=[{"code": 409, "description": "状态不允许"}]))
    assert outbox.submit(Archive(service_request_id="A", reason="no_reply")).delivered
    with pytest.raises(ConflictError):
        outbox.submit(survey("A"), "survey-a")
    assert outbox.find("survey-a").state == "failed"
    outbox.close()
