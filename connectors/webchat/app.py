"""The web chat page: a small FastAPI app that serves the page and relays messages to Rasa's REST channel.

The browser never talks to Rasa directly: ``POST /api/messages`` forwards one message to
``{rasa_url}/webhooks/rest/webhook`` and returns the bot's replies (text and buttons). The page keeps its
sender id in ``localStorage`` so a conversation survives a page reload and a restart of the Rasa server
(the tracker lives in Rasa's SQL tracker store).
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

import httpx
from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

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


class ChatReply(BaseModel):
    messages: list[BotMessage]


def _to_bot_messages(raw: list[dict]) -> list[BotMessage]:
    messages = []
    for item in raw:
        buttons = [
            OutgoingButton(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
            for b in item.get("buttons") or []
        ]
        messages.append(BotMessage(text=item.get("text"), buttons=buttons, image=item.get("image")))
    return messages


def create_app(rasa_url: str, *, timeout: float = 30.0) -> FastAPI:
    """Build the web chat app relaying to the Rasa server at ``rasa_url``."""
    app = FastAPI(title="Rexian web chat", docs_url=None, redoc_url=None)
    webhook = rasa_url.rstrip("/") + "/webhooks/rest/webhook"

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
        try:
            async with httpx.AsyncClient(timeout=timeout) as client:
                response = await client.post(webhook, json={"sender": message.sender_id, "message": text})
                response.raise_for_status()
        except httpx.HTTPError as exc:
            logger.warning("Rasa server unreachable or failing: %s", type(exc).__name__)
            raise HTTPException(status_code=503, detail="智能客服暂时不可用，请稍后再试，或拨打12345热线。")
        return ChatReply(messages=_to_bot_messages(response.json()))

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


def main() -> None:
    import uvicorn

    from rexian.config import load_config

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_config()
    app = create_app(settings.rasa.url)
    uvicorn.run(app, host=settings.webchat.host, port=settings.webchat.port, log_level="warning")


if __name__ == "__main__":
    main()
