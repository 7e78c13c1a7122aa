"""The connector's HTTP app: the server URL WeChat calls (``GET`` verification, ``POST`` messages), the internal push
endpoint (``connectors/push.py``), the photo proxy (``/media/<signed id>``) and ``/healthz``."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI, Header, HTTPException, Request, Response
from fastapi.responses import PlainTextResponse
from wechatpy import parse_message

from connectors.push import PUSH_PATH, PUSH_TOKEN_HEADER, PushRequest, PushResult, token_ok
from connectors.rasa_bridge import RasaClient
from connectors.wechat.api import WeChatAPI
from connectors.wechat.bridge import DeliveryError, Timing, WeChatBridge, openid_of
from connectors.wechat.contacts import Contacts
from connectors.wechat.dedupe import SeenMessages
from connectors.wechat.envelope import BadSignature, Sealer
from connectors.wechat.media import MediaCache, MediaSigner, default_cache_dir, media_router, media_url
from connectors.wechat.options import OfferedOptions
from connectors.wechat.settings import ConnectorSettings
from connectors.wechat.tokens import TokenStore

logger = logging.getLogger(__name__)

SUCCESS = "success"  # what WeChat takes as "received, nothing to reply passively"


@dataclass
class Connector:
    """The app and its parts (tests reach in to read them)."""

    app: FastAPI
    bridge: WeChatBridge
    api: WeChatAPI
    settings: ConnectorSettings


def _photo_url(settings: ConnectorSettings, signer: MediaSigner, cache: MediaCache) -> Callable[[str], str]:
    """Our proxy link of a citizen's photo; the photo is fetched into the cache at once (WeChat keeps it 3 days)."""

    def warm(media_id: str) -> None:
        try:
            cache.fetch(media_id)
        except Exception as exc:  # noqa: BLE001 - the link fetches it again when staff open it
            logger.warning("Could not fetch a citizen's photo yet: %s", type(exc).__name__)

    def photo_url(media_id: str) -> str:
        asyncio.get_running_loop().run_in_executor(None, warm, media_id)
        return media_url(settings.effective_public_url, media_id, signer)

    return photo_url


def build_connector(settings: ConnectorSettings, *, on_timing: Callable[[Timing], None] | None = None) -> Connector:
    """The connector's parts, not yet serving. Call ``settings.validate()`` first."""
    sealer = Sealer(settings)
    api = WeChatAPI(settings, TokenStore.from_settings(settings))
    signer = MediaSigner.from_settings(settings)
    cache = MediaCache(api, default_cache_dir(settings))
    rasa = RasaClient(settings.rasa_url, timeout=settings.rasa_timeout)
    bridge = WeChatBridge(
        rasa, api, SeenMessages(settings.db), OfferedOptions(settings.db),
        Contacts(settings.db, window_hours=settings.service_window_hours), _photo_url(settings, signer, cache),
        passive_seconds=settings.passive_seconds, template_id=settings.template_id, on_timing=on_timing,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await bridge.drain()
        await rasa.aclose()
        api.close()

    app = FastAPI(title="Rexian WeChat connector", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)
    app.include_router(media_router(api, signer, cache=cache))

    @app.get(settings.path)
    async def verify(request: Request) -> Response:
        try:
            echo = sealer.verify_url(request.query_params)
        except BadSignature:
            logger.warning("Refused a server-URL check with a wrong signature (is wechat.token the one of 基本配置?)")
            raise HTTPException(status_code=403, detail="签名无效") from None
        return PlainTextResponse(echo)

    @app.post(settings.path)
    async def receive(request: Request) -> Response:
        body = await request.body()
        try:
            xml, envelope = sealer.open(request.query_params, body)
        except BadSignature as exc:
            logger.warning("Refused a message: %s (%d bytes, body not logged)", exc, len(body))
            raise HTTPException(status_code=403, detail="签名无效") from None
        try:
            message = parse_message(xml)
        except Exception as exc:  # noqa: BLE001 - signed but unreadable: nothing a retry would change
            logger.warning("Signed message that is not WeChat XML: %s", type(exc).__name__)
            return PlainTextResponse(SUCCESS)
        if message is None:
            return PlainTextResponse(SUCCESS)
        reply = await bridge.handle(message)
        if not reply:
            return PlainTextResponse(SUCCESS)
        return Response(sealer.seal(reply, envelope), media_type="application/xml")

    @app.get("/healthz")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post(PUSH_PATH, response_model=PushResult)
    async def push(request: PushRequest,
                   token: str | None = Header(default=None, alias=PUSH_TOKEN_HEADER)) -> PushResult:
        if not token_ok(token, settings.push_token):
            raise HTTPException(status_code=401, detail="推送令牌无效")
        openid = openid_of(request.recipient)
        if openid is None:
            raise HTTPException(status_code=404, detail="该接收方不属于微信渠道")
        try:
            return await bridge.push(openid, request.messages)
        except DeliveryError as exc:
            logger.warning("WeChat refused a push (errcode %s)", exc.errcode)
            raise HTTPException(status_code=502, detail="微信拒绝了该消息") from exc

    return Connector(app, bridge, api, settings)


def create_app(settings: ConnectorSettings) -> FastAPI:
    return build_connector(settings).app
