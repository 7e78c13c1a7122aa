"""The citizen withdraws a handoff that still waits (``POST /internal/handoff/{sender_id}/cancel``): the console app
in-process on a temporary SQLite file, with the agents' API and the live events it publishes."""
from __future__ import annotations

from typing import Any

import pytest

from agent_console.contract import CancelAnswer, CancelRequest, ConsoleClient
from tests.fakes.servers import ThreadedServer

from .test_console_app import INTERNAL, Console, console, logged_in  # noqa: F401 - the console fixture

__all__ = ["console"]


def _hand_off(console: Console, sender: str, *texts: str) -> int:  # noqa: F811
    answer = console.client().post("/internal/handoff", headers=INTERNAL, json={
        "sender_id": sender, "reason": "citizen_request",
        "transcript": [{"role": "citizen", "text": t, "id": f"{sender}:{i}"} for i, t in enumerate(texts)]})
    assert answer.status_code == 200, answer.text
    return int(answer.json()["conversation_id"])


def _cancel(console: Console, sender: str, text: str = "算了，不转人工了", key: str = "c1") -> Any:  # noqa: F811
    return console.client().post(f"/internal/handoff/{sender}/cancel", headers=INTERNAL,
                                 json={"text": text, "id": f"{sender}:{key}"})


def _published(console: Console) -> list[tuple[str, dict[str, Any]]]:  # noqa: F811
    seen: list[tuple[str, dict[str, Any]]] = []
    hub = console.service.hub
    original = hub.publish

    def recording(event: str, data: dict[str, Any]) -> None:
        seen.append((event, data))
        original(event, data)

    hub.publish = recording  # type: ignore[method-assign]
    return seen


def test_a_waiting_handoff_is_withdrawn_audited_and_agents_see_it_live(console: Console) -> None:  # noqa: F811
    first = _hand_off(console, "web:cancel0001", "楼下路灯坏了")
    second = _hand_off(console, "web:cancel0002", "我要投诉噪音")
    wang, _csrf = logged_in(console, "wang")
    assert [c["id"] for c in wang.get("/api/queue").json()["waiting"]] == [first, second]
    seen = _published(console)

    answer = _cancel(console, "web:cancel0001")
    assert answer.status_code == 200
    assert CancelAnswer.model_validate(answer.json()) == CancelAnswer(conversation_id=first, cancelled=True,
                                                                      state="returned")
    assert [c["id"] for c in wang.get("/api/queue").json()["waiting"]] == [second]      # off the queue
    status = console.client().get("/internal/handoff/web:cancel0001", headers=INTERNAL).json()
    assert status["paused"] is False                                                   # the bot serves again
    texts = [(m["role"], m["text"]) for m in wang.get(f"/api/conversations/{first}").json()["messages"]]
    assert ("citizen", "算了，不转人工了") in texts
    assert ("system", "市民已取消转人工，智能助手继续为其服务") in texts
    assert ("queue", {"conversation_id": first, "state": "returned"}) in seen           # the live update
    assert any(e == "conversation" and d["conversation_id"] == first for e, d in seen)
    zhao, _ = logged_in(console, "zhao")
    [entry] = [e for e in zhao.get("/api/audit?action=cancel").json()["entries"]]
    assert entry["conversation_id"] == first and entry["user"] != "wang"
    # a later message is the bot's again: the console has no open handoff for the sender
    assert _cancel(console, "web:cancel0001", key="c2").status_code == 404
    assert console.client().post("/internal/message", headers=INTERNAL, json={
        "sender_id": "web:cancel0001", "text": "路灯的事我自己登记"}).status_code == 404
    # a new 转人工 later is a new conversation at the end of the queue
    again = _hand_off(console, "web:cancel0001", "还是转人工吧")
    assert again != first and [c["id"] for c in wang.get("/api/queue").json()["waiting"]] == [second, again]


def test_once_an_agent_has_it_the_words_go_to_the_agent(console: Console) -> None:  # noqa: F811
    conversation = _hand_off(console, "web:cancel0003", "我要投诉噪音")
    wang, csrf = logged_in(console, "wang")
    assert wang.post(f"/api/conversations/{conversation}/take", headers={"X-CSRF-Token": csrf}).status_code == 200
    answer = _cancel(console, "web:cancel0003", "不用了")
    assert answer.status_code == 200
    assert answer.json() == {"conversation_id": conversation, "cancelled": False, "state": "assigned"}
    view = wang.get(f"/api/conversations/{conversation}").json()
    assert view["conversation"]["state"] == "assigned"
    assert "市民已取消转人工，智能助手继续为其服务" not in [m["text"] for m in view["messages"]]
    zhao, _ = logged_in(console, "zhao")
    assert zhao.get("/api/audit?action=cancel").json()["entries"] == []


@pytest.mark.parametrize("headers", [{}, {"X-Rexian-Console-Token": "wrong"}])
def test_cancel_needs_the_internal_token(console: Console, headers: dict[str, str]) -> None:  # noqa: F811
    _hand_off(console, "web:cancel0004", "路灯坏了")
    answer = console.client().post("/internal/handoff/web:cancel0004/cancel", headers=headers, json={"text": "取消"})
    assert answer.status_code == 401
    assert console.client().get("/internal/handoff/web:cancel0004", headers=INTERNAL).json()["paused"] is True


def test_the_bots_client_cancels(console: Console) -> None:  # noqa: F811
    conversation = _hand_off(console, "tg:5550001", "路灯坏了")
    server = ThreadedServer(console.app)   # the app over real HTTP, for the client the bot uses
    server.start()
    client = ConsoleClient(server.url, INTERNAL["X-Rexian-Console-Token"])
    try:
        answer = client.cancel("tg:5550001", CancelRequest(text="取消转人工", id="rasa:1.0"))
        assert answer == CancelAnswer(conversation_id=conversation, cancelled=True, state="returned")
        assert client.cancel("tg:5550001", CancelRequest(text="取消")) is None
    finally:
        client.close()
        server.stop()
