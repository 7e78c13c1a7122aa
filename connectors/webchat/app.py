"""The web chat page: a small FastAPI app that serves the page and relays messages to Rasa's REST channel.

The browser never talks to Rasa directly: ``POST /api/messages`` forwards one message to
``{rasa_url}/webhooks/rest/webhook`` and returns the bot's replies (text and buttons). The page keeps its
sender id in ``localStorage`` so a conversation survives a page reload and a restart of the Rasa server
(the tracker lives in Rasa's SQL tracker store).

Messages the bot starts (satisfaction surveys) and a human agent's replies (the seat-agent console) arrive on
``POST /internal/push`` (see :mod:`connectors.push`), wait in a SQLite queue, and are fetched by the page from
``GET /api/pending`` when it is open or next opened: every 15 s, every 2.5 s while a handoff is open. The page learns
that from ``handoff`` in the reply to each message (the ``handoff.open`` of the bot's decision, docs/decisions.md);
the decision itself, a Rasa ``custom`` message, is never shown.
"""
from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from fastapi import FastAPI, Header, HTTPException
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from connectors.push import PUSH_TOKEN_HEADER, PushRequest, PushResult, token_ok
from connectors.webchat.push_queue import PushQueue

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
MAX_MESSAGE_CHARS = 2000
SENDER_PATTERN = re.compile(r"^web:[A-Za-z0-9_-]{8,64}$")


class OutgoingButton(BaseModel):
    title: str
    payload: str


class BotMessage(BaseModel):
    text: str | None = None
    buttons: list[OutgoingButton] = Field(default_factory=list)
    image: str | None = None


class IncomingMessage(BaseModel):
    sender_id: str
    text: str
    #: The page's id of this message: a retry after a timeout sends the same id and gets the first attempt's reply
    #: instead of a second turn (a form would otherwise take the repeated answer for its next question).
    message_id: str | None = None


class RecentTurns:
    """The turns of the last messages by ``(sender, message_id)``: a retried message joins its first attempt."""

    def __init__(self, size: int = 2000) -> None:
        self.size = size
        self._turns: OrderedDict[tuple[str, str], asyncio.Task] = OrderedDict()

    def turn(self, key: tuple[str, str] | None, start: Callable[[], Awaitable[list[dict]]]) -> asyncio.Task:
        if key is not None and (task := self._turns.get(key)) is not None:
            if not (task.done() and (task.cancelled() or task.exception() is not None)):
                return task  # in flight or answered: the same reply; a failed first attempt is tried again
        task = asyncio.ensure_future(start())
        if key is not None:
            self._turns[key] = task
            self._turns.move_to_end(key)
            while len(self._turns) > self.size:
                self._turns.popitem(last=False)
        return task


class ChatReply(BaseModel):
    messages: list[BotMessage]
    #: True while a human agent has (or is about to take) the conversation: the page fetches pushed messages often;
    #: False once the bot answers by itself again; None when the reply says nothing about it.
    handoff: bool | None = None


def _to_bot_messages(raw: list[dict]) -> list[BotMessage]:
    """What the page shows: text, buttons, images (a decision or any other custom message is not for the citizen)."""
    messages = []
    for item in raw:
        buttons = [
            OutgoingButton(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
            for b in item.get("buttons") or []
        ]
        if item.get("text") or buttons or item.get("image"):
            messages.append(BotMessage(text=item.get("text"), buttons=buttons, image=item.get("image")))
    return messages


def handoff_open(raw: list[dict]) -> bool | None:
    """From the turn's decision (its last ``{"rexian": …}`` custom message): is a human agent on the conversation?"""
    decision = None
    for item in raw:
        custom = item.get("custom") if isinstance(item, dict) else None
        if isinstance(custom, dict) and isinstance(custom.get("rexian"), dict):
            decision = custom["rexian"]
    if decision is None:
        return None
    handoff = decision.get("handoff")
    return bool(handoff.get("open")) if isinstance(handoff, dict) else False


def create_app(rasa_url: str, *, timeout: float = 30.0, push_db: str | Path | None = None,
               push_token: str = "") -> FastAPI:
    """Build the web chat app relaying to the Rasa server at ``rasa_url``; pushed messages queue in ``push_db``."""
    app = FastAPI(title="Rexian web chat", docs_url=None, redoc_url=None)
    webhook = rasa_url.rstrip("/") + "/webhooks/rest/webhook"
    queue = PushQueue(push_db) if push_db else None
    turns = RecentTurns()

    @app.post("/internal/push", response_model=PushResult)
    async def push(request: PushRequest,
                   token: str | None = Header(default=None, alias=PUSH_TOKEN_HEADER)) -> PushResult:
        if not token_ok(token, push_token):
            raise HTTPException(status_code=401, detail="推送令牌无效。")
        if queue is None or not SENDER_PATTERN.match(request.recipient):
            raise HTTPException(status_code=404, detail="该会话不属于网页聊天。")
        queue.put(request.recipient, [m.model_dump() for m in request.messages])
        return PushResult(delivered=False, queued=True)

    @app.get("/api/pending", response_model=ChatReply)
    async def pending(sender_id: str) -> ChatReply:
        if not SENDER_PATTERN.match(sender_id):
            raise HTTPException(status_code=400, detail="会话标识无效，请刷新页面后重试。")
        return ChatReply(messages=_to_bot_messages(queue.take(sender_id) if queue else []))

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html")

    @app.get("/healthz")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/messages", response_model=ChatReply)
    async def post_message(message: IncomingMessage) -> ChatReply:
        if not SENDER_PATTERN.match(message.sender_id):
            raise HTTPException(status_code=400, detail="会话标识无效，请刷新页面后重试。")
        text = message.text.strip()
        if not text:
            return ChatReply(messages=[BotMessage(text="请输入您想咨询的问题。")])
        if len(text) > MAX_MESSAGE_CHARS:
            return ChatReply(
                messages=[BotMessage(text=f"您的消息太长了（超过{MAX_MESSAGE_CHARS}字），请分几次简要描述。")]
            )
        body: dict = {"sender": message.sender_id, "message": text}
        if message.message_id:
            body["metadata"] = {"message_id": message.message_id}

        async def ask_rasa() -> list[dict]:
            async with httpx.AsyncClient(timeout=timeout) as client:
                response = await client.post(webhook, json=body)
                response.raise_for_status()
                return response.json()

        key = (message.sender_id, message.message_id) if message.message_id and len(message.message_id) <= 64 else None
        try:
            # shielded: a page that gives up waiting does not cancel the turn its retry will join
            raw = await asyncio.shield(turns.turn(key, ask_rasa))
        except httpx.HTTPError as exc:
            logger.warning("Rasa server unreachable or failing: %s", type(exc).__name__)
            raise HTTPException(status_code=503, detail="智能客服暂时不可用，请稍后再试，或拨打12345热线。")
        return ChatReply(messages=_to_bot_messages(raw), handoff=handoff_open(raw))

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


def main() -> None:
    import uvicorn

    from configuration import load_config

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_config()
    app = create_app(settings.rasa.url, push_db=settings.webchat.push_db, push_token=settings.callbacks.push_token)
    uvicorn.run(app, host=settings.webchat.host, port=settings.webchat.port, log_level="warning")


if __name__ == "__main__":
    main()
