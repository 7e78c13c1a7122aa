"""A fake Rasa REST channel: records what it receives and answers canned replies.

Default script (``canned_replies``): ``要按钮`` → a question with two buttons (one with a payload longer than
Telegram's 64-byte callback_data), ``要长文`` → a reply of about 9000 characters in lines, anything else →
``收到：<message>``. Set ``failing = True`` to answer 500 like a broken Rasa. ``hold(message)`` makes the answer to
that exact message wait until ``release()`` (a slow Rasa, to show other chats are not held up).
"""
from __future__ import annotations

import asyncio
import threading
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.fakes.servers import ThreadedServer, wait_until

LONG_PAYLOAD = '/inform{"service_area": "' + "城市管理与市容环境卫生" * 4 + '"}'
LONG_LINE = "这是一段很长的答复内容，用于测试分段发送。" * 5  # 105 characters
LONG_REPLY = "\n".join(f"{i:03d} {LONG_LINE}" for i in range(82))  # about 9000 characters in 82 lines


def canned_replies(sender: str, message: str, metadata: dict[str, Any] | None) -> list[dict[str, Any]]:
    if message == "要按钮":
        return [{"recipient_id": sender, "text": "请问您要反映的是哪类问题？",
                 "buttons": [{"title": "是", "payload": "/affirm"}, {"title": "市容环境", "payload": LONG_PAYLOAD}]}]
    if message == "要长文":
        return [{"recipient_id": sender, "text": LONG_REPLY}]
    return [{"recipient_id": sender, "text": f"收到：{message}"}]


class FakeRasa:
    def __init__(self) -> None:
        self.failing = False
        self._held_message: str | None = None
        self._release = threading.Event()
        self._received: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self.app = self._build_app()
        self._server = ThreadedServer(self.app)

    @property
    def url(self) -> str:
        return self._server.url

    def start(self) -> FakeRasa:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def hold(self, message: str) -> None:
        """Answer ``message`` only after ``release()``; the request is recorded as received at once."""
        self._release.clear()
        self._held_message = message

    def release(self) -> None:
        self._release.set()

    def received(self, sender: str | None = None) -> list[dict[str, Any]]:
        """The request bodies received so far (for one sender when given), oldest first."""
        with self._lock:
            return [r for r in self._received if sender is None or r.get("sender") == sender]

    def wait_for_received(self, sender: str, count: int = 1, timeout: float = 15.0) -> list[dict[str, Any]]:
        """The bodies for ``sender`` once there are at least ``count``; AssertionError after ``timeout``."""
        if not wait_until(lambda: len(self.received(sender)) >= count, timeout):
            raise AssertionError(f"fake Rasa got {len(self.received(sender))} messages from {sender}, "
                                 f"expected {count}")
        return self.received(sender)

    def _build_app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/webhooks/rest/webhook")
        async def webhook(request: Request) -> JSONResponse:
            body = await request.json()
            with self._lock:
                self._received.append(body)
            if body.get("message") == self._held_message:
                while not self._release.is_set():
                    await asyncio.sleep(0.02)
            if self.failing:
                return JSONResponse({"error": "internal"}, status_code=500)
            return JSONResponse(canned_replies(body.get("sender", ""), body.get("message", ""),
                                               body.get("metadata")))

        return app
