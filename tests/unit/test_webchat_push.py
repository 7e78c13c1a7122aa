"""Surveys pushed to a web-chat citizen wait until their page fetches them, once."""
from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from connectors.push import DEV_PUSH_TOKEN, PUSH_TOKEN_HEADER
from connectors.webchat.app import create_app

SENDER = "web:abcdef0123456789"


def client(tmp_path: Path, token: str = "") -> TestClient:
    return TestClient(create_app("http://127.0.0.1:9", push_db=tmp_path / "push.sqlite3", push_token=token))


def test_pushed_message_is_fetched_once_with_buttons(tmp_path: Path) -> None:
    c = client(tmp_path)
    body = {"recipient": SENDER, "messages": [{"text": "您的工单已办结，问题解决了吗？",
                                               "buttons": [{"title": "已解决", "payload": "/affirm"}]}]}
    answer = c.post("/internal/push", json=body, headers={PUSH_TOKEN_HEADER: DEV_PUSH_TOKEN})
    assert answer.status_code == 200 and answer.json() == {"delivered": False, "queued": True, "path": ""}
    first = c.get("/api/pending", params={"sender_id": SENDER}).json()["messages"]
    assert first[0]["text"].startswith("您的工单已办结") and first[0]["buttons"][0]["payload"] == "/affirm"
    assert c.get("/api/pending", params={"sender_id": SENDER}).json()["messages"] == []


def test_push_survives_a_restart_of_the_web_chat(tmp_path: Path) -> None:
    client(tmp_path).post("/internal/push", json={"recipient": SENDER, "messages": [{"text": "回访"}]},
                          headers={PUSH_TOKEN_HEADER: DEV_PUSH_TOKEN})
    assert client(tmp_path).get("/api/pending", params={"sender_id": SENDER}).json()["messages"][0]["text"] == "回访"


def test_wrong_token_and_foreign_recipient_are_refused(tmp_path: Path) -> None:
    c = client(tmp_path, token="s3cret")
    body = {"recipient": SENDER, "messages": [{"text": "x"}]}
    assert c.post("/internal/push", json=body, headers={PUSH_TOKEN_HEADER: DEV_PUSH_TOKEN}).status_code == 401
    assert c.post("/internal/push", json=body).status_code == 401
    other = {"recipient": "tg:12345", "messages": [{"text": "x"}]}
    assert c.post("/internal/push", json=other, headers={PUSH_TOKEN_HEADER: "s3cret"}).status_code == 404
    assert c.get("/api/pending", params={"sender_id": "bad"}).status_code == 400
