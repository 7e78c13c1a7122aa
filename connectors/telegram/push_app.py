"""The bridge's small HTTP app: ``POST /internal/push`` (surveys, contract in ``connectors/push.py``), ``/healthz``."""
from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Header, HTTPException, Response
from telegram.error import TelegramError

from connectors.push import (
    PUSH_PATH,
    PUSH_TOKEN_HEADER,
    PushMessage,
    PushRequest,
    PushResult,
    token_ok,
)
from connectors.telegram.handlers import SENDER_PREFIX

logger = logging.getLogger(__name__)

PushSender = Callable[[int, list[PushMessage]], Awaitable[object]]
FileFetcher = Callable[[str], Awaitable[bytes]]
FILE_ID = re.compile(r"^[A-Za-z0-9_-]{1,200}$")


def chat_id_of(recipient: str) -> int | None:
    """The chat id in ``tg:<chat id>``; None for a recipient this connector does not serve."""
    if not recipient.startswith(SENDER_PREFIX):
        return None
    try:
        return int(recipient[len(SENDER_PREFIX):])
    except ValueError:
        return None


def create_push_app(sender: PushSender, push_token: str, fetch_file: FileFetcher | None = None) -> FastAPI:
    """``sender(chat_id, messages)`` delivers to Telegram and raises ``TelegramError`` when refused;
    ``fetch_file(file_id)`` downloads a citizen's photo for ``GET /files/<file id>``."""
    app = FastAPI(title="Rexian Telegram bridge", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/files/{file_id}")
    async def photo(file_id: str) -> Response:
        if fetch_file is None or not FILE_ID.match(file_id):
            raise HTTPException(status_code=404, detail="文件不存在")
        try:
            data = await fetch_file(file_id)
        except TelegramError as exc:
            logger.warning("Telegram could not serve a file: %s", type(exc).__name__)
            raise HTTPException(status_code=404, detail="文件不存在或已过期") from exc
        return Response(content=data, media_type="image/jpeg")

    @app.get("/healthz")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post(PUSH_PATH, response_model=PushResult)
    async def push(request: PushRequest,
                   token: str | None = Header(default=None, alias=PUSH_TOKEN_HEADER)) -> PushResult:
        if not token_ok(token, push_token):
            raise HTTPException(status_code=401, detail="推送令牌无效")
        chat_id = chat_id_of(request.recipient)
        if chat_id is None:
            raise HTTPException(status_code=404, detail="该接收方不属于 Telegram 渠道")
        try:
            await sender(chat_id, request.messages)
        except TelegramError as exc:
            logger.warning("Telegram refused a push to chat %s: %s", chat_id, type(exc).__name__)
            raise HTTPException(status_code=502, detail="Telegram 拒绝了该消息") from exc
        return PushResult(delivered=True)

    return app
