"""Reading the form body of the POST endpoints: size limit, media type, charset, no file uploads.

* The whole request body is at most :data:`MAX_BODY_BYTES` (413 otherwise, checked while it streams in).
* Only ``application/x-www-form-urlencoded`` and ``multipart/form-data`` are accepted (415 otherwise, e.g. JSON).
* A declared ``charset`` other than UTF-8 is decoded when it is one of :data:`CHARSETS` (GBK and friends),
  otherwise refused with 415; bytes that are not valid in the charset are a 400 — never stored as mojibake.
* No endpoint takes files: a file part is a 400 (material goes in ``media_url``/``attachments`` as URLs).
"""

from __future__ import annotations

import json
from email.message import Message
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import BadRequest, Open311Error

MAX_BODY_BYTES = 1_000_000
MAX_FIELDS = 1000
FORM_URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
#: Declared charsets that are decoded (lower case); anything else is a 415.
CHARSETS = {"utf-8", "utf8", "us-ascii", "ascii", "gbk", "gb2312", "gb18030", "big5"}


class PayloadTooLarge(Open311Error):
    status_code = 413


class UnsupportedMediaType(Open311Error):
    status_code = 415


def _too_large() -> PayloadTooLarge:
    return PayloadTooLarge(f"请求体超过 {MAX_BODY_BYTES // 1000} KB 上限；材料请以 URL 放在 media_url 或 attachments。"
                           f"(Request body larger than {MAX_BODY_BYTES} bytes.)")


class BodyLimit:
    """ASGI middleware: refuse bodies over ``limit`` bytes, by Content-Length or while streaming."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length", b"")
        if length.isdigit() and int(length) > self.limit:
            error = _too_large()
            body = json.dumps(error.body(), ensure_ascii=False).encode()
            await send({"type": "http.response.start", "status": error.status_code,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        seen = 0

        async def counting_receive() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _too_large()  # raised inside the endpoint's body read → Open311 error handler
            return message

        await self.app(scope, counting_receive, send)


def _use_form() -> UnsupportedMediaType:
    return UnsupportedMediaType("请使用表单编码提交（application/x-www-form-urlencoded 或 multipart/form-data），"
                                "不接受 JSON 等其他格式。(Use form encoding, not JSON.)")


async def read_form(request: Request) -> FormData:
    """The validated form of a POST (see the module docstring); an empty body without a type is an empty form."""
    header = request.headers.get("content-type")
    if not header:
        if await request.body():
            raise _use_form()
        return FormData()
    message = Message()
    message["content-type"] = header
    media_type = message.get_content_type()
    charset = str(message.get_param("charset") or "utf-8").strip().lower()
    if media_type not in (FORM_URLENCODED, MULTIPART):
        raise _use_form()
    if charset not in CHARSETS:
        raise UnsupportedMediaType(f"不支持的字符集 charset={charset[:40]}；请使用 UTF-8（或 GBK/GB18030）。"
                                   "(Unsupported charset; use UTF-8.)")
    if media_type == FORM_URLENCODED:
        body = await request.body()
        try:
            pairs = parse_qsl(body.decode(charset), keep_blank_values=True, encoding=charset, errors="strict",
                              max_num_fields=MAX_FIELDS)
        except UnicodeDecodeError:
            raise BadRequest(f"请求内容不是有效的 {charset} 文本；请用 UTF-8 编码，或在 Content-Type 中声明实际的 charset。"
                             f"(Body is not valid {charset}.)") from None
        except ValueError:
            raise BadRequest(f"表单字段超过 {MAX_FIELDS} 个。(Too many form fields.)") from None
        return FormData(pairs)
    form = await request.form(max_fields=MAX_FIELDS)
    files = [key for key, value in form.multi_items() if not isinstance(value, str)]
    if files:
        await form.close()
        raise BadRequest(f"字段 {files[0][:64]} 是文件上传；本接口不接受文件，材料请以 http/https URL 放在 "
                         "media_url 或 attachments。(File uploads are not accepted.)")
    return form
