"""Every error answered in GeoReport's shape ``[{"code", "description"}]``, with a Chinese description."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import Open311Error
from ..ratelimit import TooManyRequests

logger = logging.getLogger(__name__)


def error_answer(status: int, description: str) -> JSONResponse:
    return JSONResponse([{"code": status, "description": description}], status_code=status)


async def _open311(_request: Request, exc: Open311Error) -> JSONResponse:
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
    return JSONResponse(exc.body(), status_code=exc.status_code, headers=headers)


async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
    return error_answer(400, f"请求参数不正确：{exc.errors()[:3]}")


async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    if exc.status_code == 404:
        return error_answer(404, f"接口 {request.url.path} 不存在；接口列表见 GET /discovery.json。")
    if exc.status_code == 405:
        return error_answer(405, f"接口 {request.url.path} 不支持 {request.method} 方法。")
    return error_answer(exc.status_code, str(exc.detail))


async def _internal(_request: Request, exc: Exception) -> JSONResponse:
    logger.exception("internal error: %s", type(exc).__name__)
    return error_answer(500, "服务器内部错误，请稍后重试；如持续出现请联系运营方查看日志。")


#: For ``FastAPI(exception_handlers=...)``.
EXCEPTION_HANDLERS: dict[Any, Callable[[Request, Any], Awaitable[JSONResponse]]] = {
    Open311Error: _open311,
    RequestValidationError: _validation,
    StarletteHTTPException: _http,
    Exception: _internal,
}
