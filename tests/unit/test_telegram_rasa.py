"""The Telegram bridge's client for Rasa's REST channel."""
from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from connectors.telegram.handlers import sender_id, typed_text
from connectors.telegram.rasa import RasaClient, RasaUnavailable, parse_replies


def test_parse_replies_keeps_text_buttons_and_image() -> None:
    raw = [
        {"recipient_id": "tg:1", "text": "请选择", "buttons": [{"title": "是", "payload": "/affirm"}]},
        {"recipient_id": "tg:1", "image": "https://example.org/map.png"},
        {"recipient_id": "tg:1", "custom": {"x": 1}},
    ]
    messages = parse_replies(raw)
    assert [m.text for m in messages] == ["请选择", "https://example.org/map.png"]
    assert messages[0].buttons[0].payload == "/affirm"


def test_parse_replies_rejects_non_list() -> None:
    with pytest.raises(RasaUnavailable):
        parse_replies({"error": "x"})


def _run(client: RasaClient, *args: object) -> list:
    async def go() -> list:
        try:
            return await client.send(*args)  # type: ignore[arg-type]
        finally:
            await client.aclose()
    return asyncio.run(go())


def test_send_posts_sender_message_and_metadata() -> None:
    seen: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/webhooks/rest/webhook"
        seen.append(json.loads(request.content))
        return httpx.Response(200, json=[{"recipient_id": "tg:7", "text": "好的"}])

    client = RasaClient("http://rasa.test/", client=httpx.AsyncClient(transport=httpx.MockTransport(handler)))
    replies = _run(client, "tg:7", "（位置）", {"location": {"lat": 39.9, "long": 116.4}})
    assert [r.text for r in replies] == ["好的"]
    assert seen == [{"sender": "tg:7", "message": "（位置）", "metadata": {"location": {"lat": 39.9, "long": 116.4}}}]


@pytest.mark.parametrize("response", [httpx.Response(500, text="boom"), httpx.Response(200, text="not json")])
def test_failures_raise_rasa_unavailable(response: httpx.Response) -> None:
    client = RasaClient("http://rasa.test", client=httpx.AsyncClient(transport=httpx.MockTransport(lambda r: response)))
    with pytest.raises(RasaUnavailable):
        _run(client, "tg:7", "你好")


def test_connection_refused_raises_rasa_unavailable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = RasaClient("http://rasa.test", client=httpx.AsyncClient(transport=httpx.MockTransport(refuse)))
    with pytest.raises(RasaUnavailable):
        _run(client, "tg:7", "你好")


def test_sender_id_and_typed_text() -> None:
    assert sender_id(123) == "tg:123"
    assert typed_text(" /affirm ") == "affirm"
    assert typed_text("//restart") == "restart"
    assert typed_text("路灯坏了") == "路灯坏了"
