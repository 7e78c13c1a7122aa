"""The console's outbound parts against real local HTTP servers: the push sender's failures become readable
``DeliveryFailed`` reasons; the Rasa resumer reports a refusing or absent Rasa as ``ResumeFailed``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from agent_console.outbound import DeliveryFailed, PushReplySender, RasaResumer, ResumeFailed
from tests.fakes.servers import ThreadedServer, free_port

STATUS = {"web:unknown": 404, "web:badtoken": 401, "tg:refused": 502}


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedServer]:
    app = FastAPI()

    @app.post("/internal/push")
    async def push(request: Request) -> Any:
        body = await request.json()
        code = STATUS.get(body["recipient"])
        return JSONResponse({"detail": "x"}, status_code=code) if code else {"delivered": True}

    @app.post("/conversations/{conversation_id}/tracker/events")
    async def events(conversation_id: str) -> Any:
        return JSONResponse({"status": "failure"}, status_code=401)

    running = ThreadedServer(app)
    running.start()
    yield running
    running.stop()


@pytest.mark.parametrize(("recipient", "reason"), [("web:unknown", "不认识"), ("web:badtoken", "令牌无效"),
                                                   ("tg:refused", "拒绝")])
def test_connector_refusals_are_named(server: ThreadedServer, recipient: str, reason: str) -> None:
    sender = PushReplySender({"webchat": server.url, "telegram": server.url})
    with pytest.raises(DeliveryFailed, match=reason):
        sender.send(recipient, "telegram" if recipient.startswith("tg:") else "webchat", "您好")


def test_delivery_and_unreachable_connector(server: ThreadedServer) -> None:
    assert PushReplySender({"telegram": server.url}).send("tg:1", "telegram", "您好").delivered
    with pytest.raises(DeliveryFailed, match="无法连接"):
        PushReplySender({"webchat": f"http://127.0.0.1:{free_port()}"}, timeout=2).send("web:x", "webchat", "您好")
    with pytest.raises(DeliveryFailed, match="未配置"):
        PushReplySender({}).send("wx:1", "wechat", "您好")


def test_resumer_failures(server: ThreadedServer) -> None:
    with pytest.raises(ResumeFailed, match="401"):
        RasaResumer(server.url, "wrong").resume("web:abc")
    with pytest.raises(ResumeFailed, match="无法连接"):
        RasaResumer(f"http://127.0.0.1:{free_port()}", timeout=2).resume("web:abc")
