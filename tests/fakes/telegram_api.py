"""A fake Telegram Bot API server: the subset python-telegram-bot 22 uses for the Rexian bridge.

Serves ``/bot<token>/<method>`` (getMe, getUpdates, sendMessage, answerCallbackQuery, getFile, deleteWebhook,
setWebhook, close, logOut) and ``/file/bot<token>/<path>``. Tests queue updates (``queue_text``, ``queue_callback``,
``queue_photo``, ``queue_location``, ``queue_voice``, ``queue_sticker``), which getUpdates serves in order, and read
what the bot sent (``sent_messages``, ``wait_for_messages``, ``answered_callbacks``, ``calls``). Requests are
parsed like Telegram does: form fields (PTB's encoding, JSON values for objects) or a JSON body.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from tests.fakes.servers import ThreadedServer, wait_until

DEFAULT_TOKEN = "123456789:TEST-fake-token"
BOT_USER = {"id": 999000999, "is_bot": True, "first_name": "Rexian", "username": "rexian_test_bot",
            "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}
JSON_FIELDS = {"reply_markup", "allowed_updates", "chat_id", "offset", "limit", "timeout", "message_id",
               "max_connections", "drop_pending_updates", "show_alert", "cache_time"}
MAX_POLL_WAIT = 1.0  # seconds a getUpdates call waits for a new update before answering []


def _ok(result: Any) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result})


def _error(code: int, description: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error_code": code, "description": description}, status_code=code)


class FakeTelegramAPI:
    def __init__(self, token: str = DEFAULT_TOKEN) -> None:
        self.token = token
        self.failing_chats: set[int] = set()  # sendMessage to these answers 403 (bot blocked by the user)
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._updates: list[dict[str, Any]] = []
        self._confirmed_offset = 0
        self._sent: list[dict[str, Any]] = []
        self._calls: list[tuple[str, dict[str, Any]]] = []
        self._files: dict[str, str] = {}
        self.app = self._build_app()
        self._server = ThreadedServer(self.app)

    # -- lifecycle ---------------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return self._server.url

    @property
    def base_url(self) -> str:
        """What the bridge uses as ``telegram.api_base_url``."""
        return f"{self.url}/bot"

    def file_url(self, file_path: str) -> str:
        return f"{self.url}/file/bot{self.token}/{file_path}"

    def start(self) -> FakeTelegramAPI:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    # -- queueing updates --------------------------------------------------------------------------------------
    def _next_id(self) -> int:
        return next(self._ids)

    @staticmethod
    def _user(chat_id: int) -> dict[str, Any]:
        return {"id": chat_id, "is_bot": False, "first_name": "测试", "language_code": "zh-hans"}

    def _message(self, chat_id: int, **content: Any) -> dict[str, Any]:
        return {"message_id": self._next_id(), "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private", "first_name": "测试"},
                "from": self._user(chat_id), **content}

    def queue_update(self, update: dict[str, Any]) -> int:
        """Queue a raw update (``update_id`` added); returns its update id."""
        with self._lock:
            update_id = self._next_id()
            self._updates.append({"update_id": update_id, **update})
        return update_id

    def queue_text(self, chat_id: int, text: str) -> int:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self.queue_update({"message": self._message(chat_id, **content)})

    def queue_callback(self, chat_id: int, data: str) -> str:
        """Queue a press of an inline button carrying ``data``; returns the callback query id."""
        bot_message = {"message_id": self._next_id(), "date": int(time.time()),
                       "chat": {"id": chat_id, "type": "private", "first_name": "测试"}, "from": BOT_USER,
                       "text": "请选择："}
        query = {"id": f"cq{self._next_id()}", "from": self._user(chat_id), "chat_instance": f"ci{chat_id}",
                 "data": data, "message": bot_message}
        self.queue_update({"callback_query": query})
        return query["id"]

    def queue_photo(self, chat_id: int, caption: str | None = None,
                    sizes: tuple[tuple[int, int], ...] = ((90, 68), (1280, 960), (320, 240))) -> str:
        """Queue a photo in several sizes; returns the file path of the largest one."""
        n = self._next_id()
        photo, largest, largest_area = [], "", -1
        for index, (width, height) in enumerate(sizes):
            file_id = f"photo{n}_{index}"
            file_path = f"photos/file_{n}_{index}.jpg"
            with self._lock:
                self._files[file_id] = file_path
            photo.append({"file_id": file_id, "file_unique_id": f"u{file_id}", "width": width, "height": height,
                          "file_size": width * height // 10})
            if width * height > largest_area:
                largest, largest_area = file_path, width * height
        content: dict[str, Any] = {"photo": photo}
        if caption is not None:
            content["caption"] = caption
        self.queue_update({"message": self._message(chat_id, **content)})
        return largest

    def queue_location(self, chat_id: int, lat: float, long: float) -> int:
        return self.queue_update({"message": self._message(chat_id, location={"latitude": lat, "longitude": long})})

    def queue_voice(self, chat_id: int) -> int:
        n = self._next_id()
        voice = {"file_id": f"voice{n}", "file_unique_id": f"uvoice{n}", "duration": 3, "mime_type": "audio/ogg"}
        return self.queue_update({"message": self._message(chat_id, voice=voice)})

    def queue_sticker(self, chat_id: int) -> int:
        n = self._next_id()
        sticker = {"file_id": f"sticker{n}", "file_unique_id": f"usticker{n}", "type": "regular", "width": 512,
                   "height": 512, "is_animated": False, "is_video": False}
        return self.queue_update({"message": self._message(chat_id, sticker=sticker)})

    # -- reading what the bot did ------------------------------------------------------------------------------
    def sent_messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """sendMessage calls (``chat_id``, ``text``, ``reply_markup`` as a dict or None), oldest first."""
        with self._lock:
            return [dict(m) for m in self._sent if chat_id is None or m["chat_id"] == chat_id]

    def wait_for_messages(self, chat_id: int, count: int = 1, timeout: float = 15.0) -> list[dict[str, Any]]:
        if not wait_until(lambda: len(self.sent_messages(chat_id)) >= count, timeout):
            raise AssertionError(f"bot sent {len(self.sent_messages(chat_id))} messages to {chat_id}, "
                                 f"expected {count}: {self.sent_messages(chat_id)}")
        return self.sent_messages(chat_id)

    def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        """The parameters of every call of ``method`` (every call, with ``_method``, when None)."""
        with self._lock:
            return [{"_method": m, **p} if method is None else dict(p) for m, p in self._calls
                    if method is None or m == method]

    def answered_callbacks(self) -> list[str]:
        return [str(p.get("callback_query_id")) for p in self.calls("answerCallbackQuery")]

    def wait_for_answer(self, callback_query_id: str, timeout: float = 15.0) -> None:
        """Wait until the bot answered the callback query ``callback_query_id``."""
        if not wait_until(lambda: callback_query_id in self.answered_callbacks(), timeout):
            raise AssertionError(f"callback query {callback_query_id} was not answered")

    def wait_for_call(self, method: str, count: int = 1, timeout: float = 15.0) -> list[dict[str, Any]]:
        if not wait_until(lambda: len(self.calls(method)) >= count, timeout):
            raise AssertionError(f"{method} called {len(self.calls(method))} times, expected {count}")
        return self.calls(method)

    def pending_updates(self) -> int:
        """Queued updates the bot has not yet confirmed (by asking for a higher offset)."""
        with self._lock:
            return sum(1 for u in self._updates if u["update_id"] >= self._confirmed_offset)

    # -- the HTTP side -----------------------------------------------------------------------------------------
    async def _params(self, request: Request) -> dict[str, Any]:
        raw = await request.body()
        if not raw:
            params: dict[str, Any] = dict(request.query_params)
        elif request.headers.get("content-type", "").startswith("application/json"):
            return json.loads(raw)
        else:
            params = dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        for key in JSON_FIELDS & params.keys():
            try:
                params[key] = json.loads(params[key])
            except (TypeError, ValueError):
                pass
        return params

    def _pending(self, offset: int, limit: int) -> list[dict[str, Any]]:
        with self._lock:
            if offset:
                self._confirmed_offset = max(self._confirmed_offset, offset)
            return [u for u in self._updates if u["update_id"] >= self._confirmed_offset][:limit]

    async def _get_updates(self, params: dict[str, Any]) -> JSONResponse:
        offset, limit = int(params.get("offset") or 0), int(params.get("limit") or 100)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), MAX_POLL_WAIT)
        updates = self._pending(offset, limit)
        while not updates and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
            updates = self._pending(offset, limit)
        return _ok(updates)

    def _send_message(self, params: dict[str, Any]) -> JSONResponse:
        chat_id = int(params["chat_id"])
        if chat_id in self.failing_chats:
            return _error(403, "Forbidden: bot was blocked by the user")
        text = str(params.get("text", ""))
        if not text.strip():
            return _error(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > 4096:
            return _error(400, "Bad Request: message is too long")
        markup = params.get("reply_markup")
        message = {"message_id": self._next_id(), "date": int(time.time()),
                   "chat": {"id": chat_id, "type": "private", "first_name": "测试"}, "from": BOT_USER, "text": text}
        if markup:
            message["reply_markup"] = markup
        with self._lock:
            self._sent.append({"chat_id": chat_id, "text": text, "reply_markup": markup or None,
                               "message_id": message["message_id"]})
        return _ok(message)

    def _get_file(self, params: dict[str, Any]) -> JSONResponse:
        file_id = str(params.get("file_id"))
        with self._lock:
            path = self._files.get(file_id)
        if path is None:
            return _error(400, "Bad Request: invalid file_id")
        return _ok({"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": 12345, "file_path": path})

    def _build_app(self) -> FastAPI:
        app = FastAPI()
        simple = {"deleteWebhook": True, "setWebhook": True, "answerCallbackQuery": True, "close": True,
                  "logOut": True, "getMe": BOT_USER}

        @app.api_route("/bot{token}/{method}", methods=["GET", "POST"])
        async def bot_method(token: str, method: str, request: Request) -> Response:
            if token != self.token:
                return _error(401, "Unauthorized")
            params = await self._params(request)
            with self._lock:
                self._calls.append((method, params))
            if method == "getUpdates":
                return await self._get_updates(params)
            if method == "sendMessage":
                return self._send_message(params)
            if method == "getFile":
                return self._get_file(params)
            if method in simple:
                return _ok(simple[method])
            return _error(404, "Not Found: method not found")

        @app.get("/file/bot{token}/{file_path:path}")
        async def download(token: str, file_path: str) -> Response:
            if token != self.token or file_path not in self._files.values():
                return _error(404, "Not Found")
            return Response(b"\xff\xd8\xff\xe0fake-jpeg", media_type="image/jpeg")

        return app
