"""Turning Rasa's collected messages into connector pushes, and the push outcomes."""

from __future__ import annotations

import httpx

from callbacks.delivery import Delivery, Pusher, to_push_messages
from connectors.push import PushMessage, PushRequest, PushResult


def test_rasa_messages_become_push_messages() -> None:
    messages = to_push_messages([
        {"recipient_id": "web:a", "text": "请问问题解决了吗？",
         "buttons": [{"title": "已解决", "payload": "/affirm"}, {"title": "未解决", "payload": "/deny"}]},
        {"recipient_id": "web:a", "image": "https://example.invalid/a.png"},
        {"recipient_id": "web:a", "custom": {"x": 1}},
    ])
    assert [m.text for m in messages] == ["请问问题解决了吗？", "https://example.invalid/a.png"]
    assert [b.title for b in messages[0].buttons] == ["已解决", "未解决"]


def _status(code: int):
    def send(url: str, token: str, request: PushRequest) -> PushResult:
        response = httpx.Response(code, request=httpx.Request("POST", url))
        raise httpx.HTTPStatusError("x", request=response.request, response=response)
    return send


def test_push_outcomes() -> None:
    sent: list[tuple[str, str, PushRequest]] = []

    def ok(url: str, token: str, request: PushRequest) -> PushResult:
        sent.append((url, token, request))
        return PushResult(delivered=False, queued=True)

    msg = [PushMessage(text="您好")]
    pusher = Pusher({"webchat": "http://127.0.0.1:9"}, "tok", send=ok)
    assert pusher.deliver("webchat", "web:a", msg)[0] is Delivery.SENT
    assert sent[0][0] == "http://127.0.0.1:9" and sent[0][2].recipient == "web:a"
    assert pusher.deliver("rest", "r", msg)[0] is Delivery.UNREACHABLE
    assert not pusher.can_push("") and not pusher.can_push("api")
    assert Pusher({"webchat": "u"}, "", send=_status(404)).deliver("webchat", "a", msg)[0] is Delivery.UNREACHABLE
    assert Pusher({"webchat": "u"}, "", send=_status(502)).deliver("webchat", "a", msg)[0] is Delivery.RETRY
    assert Pusher({"webchat": "u"}, "", send=_status(401)).deliver("webchat", "a", msg)[0] is Delivery.RETRY

    def down(url: str, token: str, request: PushRequest) -> PushResult:
        raise httpx.ConnectError("refused")

    assert Pusher({"webchat": "u"}, "", send=down).deliver("webchat", "a", msg)[0] is Delivery.RETRY
