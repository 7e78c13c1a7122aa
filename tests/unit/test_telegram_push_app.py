"""The Telegram bridge's internal push endpoint (contract in connectors/push.py)."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from telegram.error import Forbidden

from connectors.push import DEV_PUSH_TOKEN, PUSH_PATH, PUSH_TOKEN_HEADER, PushMessage
from connectors.telegram.push_app import chat_id_of, create_push_app

BODY = {"recipient": "tg:4242", "messages": [{"text": "请评价本次服务", "buttons": [{"title": "满意", "payload": "/rate{\"score\":5}"}]}]}


class Sender:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.calls: list[tuple[int, list[PushMessage]]] = []

    async def __call__(self, chat_id: int, messages: list[PushMessage]) -> int:
        if self.fail:
            raise Forbidden("bot was blocked by the user")
        self.calls.append((chat_id, messages))
        return len(messages)


def _client(sender: Sender, token: str = "push-secret") -> TestClient:
    return TestClient(create_push_app(sender, token))


def test_delivers_with_the_right_token() -> None:
    sender = Sender()
    response = _client(sender).post(PUSH_PATH, json=BODY, headers={PUSH_TOKEN_HEADER: "push-secret"})
    assert response.status_code == 200
    assert response.json() == {"delivered": True, "queued": False, "path": ""}
    assert sender.calls[0][0] == 4242
    assert sender.calls[0][1][0].buttons[0].payload == "/rate{\"score\":5}"


@pytest.mark.parametrize("headers", [{}, {PUSH_TOKEN_HEADER: "wrong"}, {PUSH_TOKEN_HEADER: DEV_PUSH_TOKEN}])
def test_wrong_or_missing_token_is_401(headers: dict) -> None:
    sender = Sender()
    assert _client(sender).post(PUSH_PATH, json=BODY, headers=headers).status_code == 401
    assert sender.calls == []


def test_development_token_when_none_configured() -> None:
    sender = Sender()
    response = _client(sender, token="").post(PUSH_PATH, json=BODY, headers={PUSH_TOKEN_HEADER: DEV_PUSH_TOKEN})
    assert response.status_code == 200


@pytest.mark.parametrize("recipient", ["web:abcdefgh", "tg:", "tg:abc", "4242"])
def test_other_recipients_are_404(recipient: str) -> None:
    sender = Sender()
    response = _client(sender).post(PUSH_PATH, json={**BODY, "recipient": recipient},
                                    headers={PUSH_TOKEN_HEADER: "push-secret"})
    assert response.status_code == 404
    assert sender.calls == []


def test_telegram_refusal_is_502() -> None:
    response = _client(Sender(fail=True)).post(PUSH_PATH, json=BODY, headers={PUSH_TOKEN_HEADER: "push-secret"})
    assert response.status_code == 502


def test_healthz() -> None:
    assert _client(Sender()).get("/healthz").json() == {"status": "ok"}


def test_chat_id_of_accepts_negative_group_ids() -> None:
    assert chat_id_of("tg:-100123") == -100123
