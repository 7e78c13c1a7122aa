"""备注: ``POST /requests/{id}/note.json`` adds a note to an order's history, changes nothing else, once per
idempotency key; keyed callers see it, the public feed never does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from dispatch_backend.launcher import BackendProcess, free_port
from dispatch_client import BadRequestError, DispatchAPIError, DispatchClient, NotFoundError, new_idempotency_key
from tests.backend import start_test_backend

from .conftest import API_KEY, DEPT_KEYS
from .helpers import latest_cursor, noise_request

SUMMARY = "服务小结：市民反映楼下商铺夜间噪音，已登记工单并告知办理时限。"


def _notes(order: object, kind: str = "note") -> list[object]:
    return [n for n in order.notes if n.type == kind]  # type: ignore[attr-defined]


def test_a_note_is_added_once_per_key_and_changes_no_state(client: DispatchClient) -> None:
    sid = client.create(noise_request()).service_request_id or ""
    before = client.get(sid)
    cursor = latest_cursor(client)
    key = new_idempotency_key()

    noted = client.note(sid, SUMMARY, "坐席 王芳", idempotency_key=key)
    again = client.note(sid, SUMMARY, "坐席 王芳", idempotency_key=key)   # a second click, a retry

    order = client.get(sid)
    [note] = _notes(order)
    assert note.text == SUMMARY and note.actor == "坐席 王芳" and note.datetime
    assert [n.text for n in _notes(noted)] == [SUMMARY] and [n.text for n in _notes(again)] == [SUMMARY]
    for unchanged in ("workflow_state", "status", "status_notes", "reminder_count", "supervised", "reopen_count",
                      "expected_datetime"):
        assert getattr(order, unchanged) == getattr(before, unchanged), unchanged
    # the change feed shows the order once with its new note
    changed = client.changes(cursor).requests
    assert [o.service_request_id for o in changed] == [sid] and len(_notes(changed[0])) == 1

    # another key is another note; without an author the hotline centre wrote it
    client.note(sid, "补充：市民希望晚上八点后联系。")
    assert [(n.actor, n.text) for n in _notes(client.get(sid))] == [
        ("坐席 王芳", SUMMARY), ("热线中心", "补充：市民希望晚上八点后联系。")]


def test_a_key_reused_for_another_note_is_refused(client: DispatchClient) -> None:
    sid = client.create(noise_request()).service_request_id or ""
    other = client.create(noise_request()).service_request_id or ""
    key = new_idempotency_key()
    client.note(sid, SUMMARY, "坐席 王芳", idempotency_key=key)
    for args in ((sid, "另一段内容", "坐席 王芳"), (other, SUMMARY, "坐席 王芳")):
        with pytest.raises(DispatchAPIError) as refused:
            client.note(*args, idempotency_key=key)
        assert refused.value.status_code == 422
    assert len(_notes(client.get(sid))) == 1 and _notes(client.get(other)) == []


def test_bad_notes_and_wrong_callers_are_refused(backend: BackendProcess, client: DispatchClient) -> None:
    sid = client.create(noise_request()).service_request_id or ""
    with pytest.raises(BadRequestError):
        client.note(sid, "   ")
    with pytest.raises(BadRequestError):
        client.note(sid, "长" * 4001)
    with pytest.raises(NotFoundError):
        client.note("2099010199999999", SUMMARY)
    for key in ("", "guess", DEPT_KEYS["gongan"]):   # only the hotline's key writes notes
        answer = httpx.post(f"{backend.url}/requests/{sid}/note.json", data={"api_key": key, "text": SUMMARY},
                            timeout=10)
        assert answer.status_code == 403, key
    # the header form of the key works like the field
    key = new_idempotency_key()
    for _ in range(2):
        answer = httpx.post(f"{backend.url}/requests/{sid}/note.json", headers={"Idempotency-Key": key},
                            data={"api_key": API_KEY, "text": "电话回拨未接通。", "author": "坐席 李强"}, timeout=10)
        assert answer.status_code == 200
    assert [n.text for n in _notes(client.get(sid))] == ["电话回拨未接通。"]


@pytest.fixture(scope="module")
def public_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackendProcess]:
    folder: Path = tmp_path_factory.mktemp("public-notes")
    process = start_test_backend(f"sqlite:///{folder / 'dispatch.sqlite3'}", free_port(), folder / "backend.log",
                                 api_key=API_KEY, extra_env={"REXIAN_DISPATCH_PUBLIC_FEED": "1"})
    yield process
    process.stop()


def test_notes_never_reach_the_public_feed(public_backend: BackendProcess) -> None:
    with DispatchClient(public_backend.url, API_KEY, retries=1) as bot:
        sid = bot.create(noise_request()).service_request_id or ""
        bot.note(sid, SUMMARY, "坐席 王芳")
        assert [n.text for n in _notes(bot.get(sid))] == [SUMMARY]
    for path in (f"/requests/{sid}.json", "/requests.json", f"/requests/{sid}.xml"):
        public = httpx.get(public_backend.url + path, timeout=10)
        assert public.status_code == 200, path
        assert "服务小结" not in public.text and "王芳" not in public.text, path
    # a department sees its own order's history, notes included (the noise complaint goes to 市公安局)
    own = httpx.get(f"{public_backend.url}/requests/{sid}.json",
                    headers={"X-Rexian-Api-Key": DEPT_KEYS["gongan"]}, timeout=10).json()[0]
    assert [n["text"] for n in own["notes"] if n["type"] == "note"] == [SUMMARY]


class _LosesFirstAnswer(httpx.HTTPTransport):
    """The real backend answers, but the first note's answer is lost on the way back (a read timeout)."""

    def __init__(self) -> None:
        super().__init__()
        self.lost = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.url.path.endswith("/note.json") and not self.lost:
            self.lost += 1
            response.read()
            raise httpx.ReadTimeout("answer lost", request=request)
        return response


def test_the_client_retries_a_lost_answer_with_the_same_key(backend: BackendProcess, client: DispatchClient) -> None:
    sid = client.create(noise_request()).service_request_id or ""
    transport = _LosesFirstAnswer()
    with DispatchClient(backend.url, API_KEY, retries=2, backoff=0.01, transport=transport) as flaky:
        order = flaky.note(sid, SUMMARY, "坐席 王芳")   # no key given: the client makes one for all attempts
    assert transport.lost == 1
    assert [n.text for n in _notes(order)] == [SUMMARY] and len(_notes(client.get(sid))) == 1
