"""The web chat page against the running stack: served locally, no external resources, relays to Rasa."""
from __future__ import annotations

import re

import httpx

from rexian.stack import Stack


def _base(stack: Stack) -> str:
    s = stack.settings.webchat
    return f"http://{s.host}:{s.port}"


def test_page_is_served_without_external_resources(stack: Stack) -> None:
    base = _base(stack)
    page = httpx.get(base + "/", timeout=10)
    assert page.status_code == 200
    assert "12345" in page.text
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets, "the page should load its script and stylesheet"
    for asset in assets:
        assert asset.startswith("/static/"), f"external or unexpected resource: {asset}"
        assert httpx.get(base + asset, timeout=10).status_code == 200
    script = httpx.get(base + "/static/chat.js", timeout=10).text
    assert "http://" not in script and "https://" not in script


def test_message_round_trip_with_buttons(stack: Stack) -> None:
    base = _base(stack)
    reply = httpx.post(base + "/api/messages", json={"sender_id": "web:roundtrip0001", "text": "办理居住证需要满足什么条件"},
                       timeout=60)
    assert reply.status_code == 200
    messages = reply.json()["messages"]
    assert any("居住证" in (m["text"] or "") for m in messages)
    titles = [b["title"] for m in messages for b in m["buttons"]]
    assert "有帮助" in titles and "没帮助" in titles


def test_bad_input_gets_a_polite_reply(stack: Stack) -> None:
    base = _base(stack)
    empty = httpx.post(base + "/api/messages", json={"sender_id": "web:badinput0001", "text": "   "}, timeout=30)
    assert empty.status_code == 200 and "请输入" in empty.json()["messages"][0]["text"]
    long = httpx.post(base + "/api/messages", json={"sender_id": "web:badinput0001", "text": "长" * 2500}, timeout=30)
    assert long.status_code == 200 and "太长" in long.json()["messages"][0]["text"]
    bad_sender = httpx.post(base + "/api/messages", json={"sender_id": "../../etc", "text": "你好"}, timeout=30)
    assert bad_sender.status_code == 400 and "会话标识" in bad_sender.json()["detail"]
