"""A fake WeChat API server (``api.weixin.qq.com``): the subset the Rexian WeChat connector calls.

Serves ``GET /cgi-bin/token``, ``POST /cgi-bin/message/custom/send``, ``POST /cgi-bin/message/template/send``,
``GET /cgi-bin/media/get`` and ``POST /cgi-bin/menu/create`` as WeChat does: JSON answers with ``errcode`` /
``errmsg``, the access token in the query string, errors as HTTP 200 with a non-zero ``errcode``.

Tests point ``wechat.api_base_url`` at :attr:`FakeWeChatAPI.base_url` and then

- read what the connector did: ``sent_messages(openid)`` / ``wait_for_messages(openid, count)`` (customer-service
  messages, as the JSON WeChat received), ``templates()`` / ``wait_for_templates``, ``menus()``, ``token_fetches``, ``refused_calls``,
  ``media_downloads(media_id)``, ``raw_bodies`` (the bytes, to check Chinese is sent as UTF-8, not ``\\u`` escapes);
- shape what WeChat answers: ``expire_token()`` (the current token answers 42001), ``invalidate_token()`` (40001),
  ``expires_in`` (of the next tokens, which answer 42001 once that many seconds passed), ``token_delay`` (seconds a fetch takes, to race two processes),
  ``last_message(openid, when)`` (the 48-hour rule: a customer-service message later than 48 hours after it gets
  45015), ``fail_next(endpoint, errcode)``, ``register_media(media_id, data, content_type)``, ``max_text_bytes``.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from tests.fakes.servers import ThreadedServer, wait_until

APP_ID = "wx0123456789abcdef"
APP_SECRET = "fake-app-secret-0123456789abcdef"
SERVICE_WINDOW = 48 * 3600.0  # seconds after the citizen's last message during which customer service may write
MAX_TEXT_BYTES = 2048  # the longest customer-service text WeChat takes, in UTF-8 bytes (errcode 45002 beyond)

ERRMSG = {
    40001: "invalid credential, access_token is invalid or not latest",
    40007: "invalid media_id",
    40013: "invalid appid",
    40125: "invalid appsecret",
    42001: "access_token expired",
    44002: "empty post data",
    45002: "content size out of limit",
    45015: "response out of time limit or subscription is canceled",
    45047: "out of response count limit",
    47001: "data format error",
}
MENU_TYPES = {"click", "view", "scancode_push", "scancode_waitmsg", "pic_sysphoto", "pic_photo_or_album",
              "pic_weixin", "location_select", "media_id", "article_id", "article_view_limited", "miniprogram"}


def _error(errcode: int) -> JSONResponse:
    return JSONResponse({"errcode": errcode, "errmsg": ERRMSG.get(errcode, "error")})


def _ok(**extra: Any) -> JSONResponse:
    return JSONResponse({"errcode": 0, "errmsg": "ok", **extra})


def _wait_for(read: Callable[[], list[dict[str, Any]]], count: int, timeout: float,
              what: str) -> list[dict[str, Any]]:
    """``read()`` once it has ``count`` entries; AssertionError (naming ``what``) after ``timeout`` seconds."""
    if not wait_until(lambda: len(read()) >= count, timeout):
        raise AssertionError(f"{len(read())} {what}, expected {count}: {read()}")
    return read()


class FakeWeChatAPI(ThreadedServer):
    """The fake, served on a free loopback port once started (``FakeWeChatAPI().start()``)."""

    def __init__(self, app_id: str = APP_ID, secret: str = APP_SECRET) -> None:
        self.app_id = app_id
        self.secret = secret
        self.expires_in = 7200
        self.token_delay = 0.0
        self.max_text_bytes = MAX_TEXT_BYTES
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._valid: dict[str, float] = {}   # token -> when it expires (epoch seconds)
        self._refusals = 0
        self._refused: dict[str, int] = {}   # token -> the errcode it now answers
        self._current = ""
        self._issued: list[str] = []
        self._token_fetches = 0
        self._last_message: dict[str, float] = {}
        self._failures: dict[str, list[int]] = {}
        self._sent: list[dict[str, Any]] = []
        self._templates: list[dict[str, Any]] = []
        self._menus: list[dict[str, Any]] = []
        self._media: dict[str, tuple[bytes, str]] = {}
        self._downloads: dict[str, int] = {}
        self.raw_bodies: list[bytes] = []
        self.app = self._build_app()
        super().__init__(self.app)

    # -- lifecycle (``url``, ``stop`` are the server's) -------------------------------------------------------
    @property
    def base_url(self) -> str:
        """What the connector uses as ``wechat.api_base_url`` (like ``https://api.weixin.qq.com``)."""
        return self.url

    def start(self, timeout: float = 10.0) -> FakeWeChatAPI:
        super().start(timeout)
        return self

    # -- shaping WeChat's answers ------------------------------------------------------------------------------
    @property
    def current_token(self) -> str:
        with self._lock:
            return self._current

    def expire_token(self) -> None:
        """The current token answers 42001 (access_token expired) from now on."""
        with self._lock:
            self._refused[self._current] = 42001

    def invalidate_token(self) -> None:
        """The current token answers 40001 (invalid credential) from now on, as after a fetch elsewhere."""
        with self._lock:
            self._refused[self._current] = 40001

    def last_message(self, openid: str, when: float) -> None:
        """The citizen ``openid`` last wrote at ``when`` (epoch seconds): customer-service messages to them are
        refused with 45015 once 48 hours have passed. Citizens never given one are not checked."""
        with self._lock:
            self._last_message[openid] = when

    def fail_next(self, endpoint: str, errcode: int, times: int = 1) -> None:
        """The next ``times`` calls of ``endpoint`` (e.g. ``"message/custom/send"``) answer ``errcode``."""
        with self._lock:
            self._failures.setdefault(endpoint, []).extend([errcode] * times)

    def register_media(self, media_id: str, data: bytes, content_type: str = "image/jpeg") -> None:
        with self._lock:
            self._media[media_id] = (data, content_type)

    def forget_media(self, media_id: str) -> None:
        """WeChat dropped the medium (after 3 days): media/get answers 40007."""
        with self._lock:
            self._media.pop(media_id, None)

    # -- reading what the connector did ------------------------------------------------------------------------
    @property
    def token_fetches(self) -> int:
        with self._lock:
            return self._token_fetches

    @property
    def refused_calls(self) -> int:
        """Calls answered 40001 / 42001 because of their access token."""
        with self._lock:
            return self._refusals

    @property
    def issued_tokens(self) -> list[str]:
        """Every token handed out, oldest first."""
        with self._lock:
            return list(self._issued)

    def sent_messages(self, openid: str | None = None) -> list[dict[str, Any]]:
        """Accepted customer-service messages (the JSON WeChat received), oldest first."""
        with self._lock:
            return [dict(m) for m in self._sent if openid is None or m.get("touser") == openid]

    def sent_texts(self, openid: str) -> list[str]:
        """The text of every accepted customer-service message to ``openid`` (a menu's head, options and tail
        joined by newlines)."""
        texts = []
        for message in self.sent_messages(openid):
            if message.get("msgtype") == "text":
                texts.append(message["text"]["content"])
            elif message.get("msgtype") == "msgmenu":
                menu = message["msgmenu"]
                lines = [menu.get("head_content", "")] + [o["content"] for o in menu.get("list", [])]
                texts.append("\n".join(lines + [menu.get("tail_content", "")]).strip())
        return texts

    def wait_for_messages(self, openid: str, count: int = 1, timeout: float = 15.0) -> list[dict[str, Any]]:
        return _wait_for(lambda: self.sent_messages(openid), count, timeout, f"customer-service messages to {openid}")

    def templates(self, openid: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(t) for t in self._templates if openid is None or t.get("touser") == openid]

    def wait_for_templates(self, openid: str, count: int = 1, timeout: float = 15.0) -> list[dict[str, Any]]:
        return _wait_for(lambda: self.templates(openid), count, timeout, f"template messages to {openid}")

    def menus(self) -> list[dict[str, Any]]:
        """Every menu published, oldest first."""
        with self._lock:
            return [dict(m) for m in self._menus]

    def media_downloads(self, media_id: str) -> int:
        with self._lock:
            return self._downloads.get(media_id, 0)

    # -- the HTTP side -----------------------------------------------------------------------------------------
    def _issue_token(self) -> str:
        with self._lock:
            self._token_fetches += 1
            token = f"FAKE-TOKEN-{next(self._ids)}-{time.monotonic_ns()}"
            self._valid[token] = time.time() + self.expires_in
            self._issued.append(token)
            self._current = token
            return token

    def _check_token(self, request: Request) -> int:
        """0 when the request's access token is valid, else WeChat's errcode."""
        token = request.query_params.get("access_token", "")
        with self._lock:
            errcode = self._refused.get(token) or (40001 if token not in self._valid else 0)
            if not errcode and time.time() > self._valid[token]:
                errcode = 42001
            self._refusals += bool(errcode)
            return errcode

    def _injected_failure(self, endpoint: str) -> int:
        with self._lock:
            queued = self._failures.get(endpoint)
            return queued.pop(0) if queued else 0

    async def _json_body(self, request: Request) -> dict[str, Any] | None:
        raw = await request.body()
        with self._lock:
            self.raw_bodies.append(raw)
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None
        return body if isinstance(body, dict) else None

    def _custom_send(self, body: dict[str, Any]) -> JSONResponse:
        openid, msgtype = str(body.get("touser", "")), body.get("msgtype")
        if not openid or msgtype not in {"text", "msgmenu", "image", "news", "link"}:
            return _error(47001)
        with self._lock:
            last = self._last_message.get(openid)
        if last is not None and time.time() - last > SERVICE_WINDOW:
            return _error(45015)
        if msgtype == "text":
            content = str((body.get("text") or {}).get("content", ""))
            if not content.strip():
                return _error(44002)
            if len(content.encode("utf-8")) > self.max_text_bytes:
                return _error(45002)
        if msgtype == "msgmenu":
            menu = body.get("msgmenu") or {}
            if not menu.get("list") or any(not o.get("id") or not o.get("content") for o in menu["list"]):
                return _error(47001)
        with self._lock:
            self._sent.append(body)
        return _ok()

    def _menu_create(self, body: dict[str, Any]) -> JSONResponse:
        buttons = body.get("button")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
            return JSONResponse({"errcode": 40016, "errmsg": "invalid button size"})
        for button in buttons:
            subs = button.get("sub_button")
            if subs and len(subs) > 5:
                return JSONResponse({"errcode": 40023, "errmsg": "invalid sub button size"})
            for item in (subs or [button]):
                if item.get("type") not in MENU_TYPES:
                    return JSONResponse({"errcode": 40017, "errmsg": "invalid button type"})
        with self._lock:
            self._menus.append(body)
        return _ok()

    def _build_app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/cgi-bin/token")
        async def token(request: Request) -> Response:
            params = request.query_params
            if params.get("grant_type") != "client_credential" or params.get("appid") != self.app_id:
                return _error(40013)
            if params.get("secret") != self.secret:
                return _error(40125)
            if self.token_delay:
                await asyncio.sleep(self.token_delay)  # a slow fetch; another fetch meanwhile is served at once
            return JSONResponse({"access_token": self._issue_token(), "expires_in": self.expires_in})

        @app.post("/cgi-bin/{endpoint:path}")
        async def post(endpoint: str, request: Request) -> Response:
            errcode = self._check_token(request) or self._injected_failure(endpoint)
            body = await self._json_body(request)
            if errcode:
                return _error(errcode)
            if body is None:
                return _error(47001)
            if endpoint == "message/custom/send":
                return self._custom_send(body)
            if endpoint == "message/template/send":
                if not body.get("touser") or not body.get("template_id") or not isinstance(body.get("data"), dict):
                    return _error(47001)
                with self._lock:
                    self._templates.append(body)
                return _ok(msgid=next(self._ids))
            if endpoint == "menu/create":
                return self._menu_create(body)
            return JSONResponse({"errcode": 48001, "errmsg": "api unauthorized"})

        @app.get("/cgi-bin/media/get")
        async def media_get(request: Request) -> Response:
            errcode = self._check_token(request) or self._injected_failure("media/get")
            if errcode:
                return _error(errcode)
            media_id = request.query_params.get("media_id", "")
            with self._lock:
                found = self._media.get(media_id)
                if found is not None:
                    self._downloads[media_id] = self._downloads.get(media_id, 0) + 1
            if found is None:
                return _error(40007)
            data, content_type = found
            return Response(data, media_type=content_type,
                            headers={"Content-disposition": f'attachment; filename="{media_id}.jpg"'})

        return app
