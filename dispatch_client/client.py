"""Typed HTTP clients of the dispatch backend (Open311 GeoReport v2 + 12345 extensions).

:class:`DispatchClient` (blocking) and :class:`AsyncDispatchClient` (for async bot actions) have the same
methods. Timeouts on every call; retries with exponential backoff on network errors and 5xx only (never
on 4xx). Creation always carries an idempotency key, so a retried POST cannot create a second order.
Other writes are retried only when the connection could not be opened.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from . import calls
from .calls import Call, error_of, new_idempotency_key
from .errors import DispatchUnavailable
from .models import (
    ChangePage,
    CreateResult,
    Metrics,
    NewServiceRequest,
    ServiceDefinition,
    ServiceInfo,
    ServiceRequest,
)

logger = logging.getLogger(__name__)

__all__ = ["AsyncDispatchClient", "DispatchClient", "new_idempotency_key"]


_RETRY = object()
"""Returned by :meth:`_Retrying._settle` when the call should be tried again."""


class _Retrying:
    """Retry bookkeeping shared by both clients."""

    def __init__(self, retries: int, backoff: float) -> None:
        self.retries = retries
        self.backoff = backoff

    def _log(self, call: Call, what: str, attempt: int) -> None:
        logger.warning("dispatch %s %s: %s (attempt %d/%d)", call.method, call.path, what, attempt + 1,
                       self.retries + 1)

    def _delay(self, attempt: int) -> float:
        return self.backoff * (2 ** attempt)

    @staticmethod
    def _unavailable(call: Call, last: Exception | None) -> DispatchUnavailable:
        return DispatchUnavailable(f"派单后台暂时无法访问（{call.method} {call.path}）：{last}")

    def _settle(self, call: Call, attempt: int, response: httpx.Response | None,
                error: httpx.TransportError | None) -> Any:
        """What one attempt means: the parsed body, or :data:`_RETRY` when another attempt may help.

        Raises the backend's error for a 4xx answer and :class:`DispatchUnavailable` when no attempt is left, or
        when retrying is unsafe (a non-idempotent call that may have reached the backend).
        """
        if error is not None:
            if not call.retry_after(error):
                raise self._unavailable(call, error) from error
            last: Exception = error
            self._log(call, type(error).__name__, attempt)
        else:
            assert response is not None
            if response.status_code < 400:
                return call.parse(response.json())
            last = error_of(response)
            if response.status_code < 500:
                raise last
            if not call.idempotent:
                raise self._unavailable(call, last) from last
            self._log(call, f"HTTP {response.status_code}", attempt)
        if attempt >= self.retries:
            raise self._unavailable(call, last) from last
        return _RETRY


class DispatchClient(_Retrying):
    """Blocking client. Thread-safe (one ``httpx.Client`` underneath)."""

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 5.0, retries: int = 3,
                 backoff: float = 0.2, headers: dict[str, str] | None = None,
                 transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__(retries, backoff)
        self.api_key = api_key
        self._sleep = sleep
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout,
                                  headers=calls.default_headers(api_key, headers),
                                  transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "DispatchClient":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _run(self, call: Call) -> Any:
        attempt = 0
        while True:
            try:
                response, error = self._http.request(call.method, call.path, **call.request_kwargs()), None
            except httpx.TransportError as exc:
                response, error = None, exc
            outcome = self._settle(call, attempt, response, error)
            if outcome is not _RETRY:
                return outcome
            self._sleep(self._delay(attempt))
            attempt += 1

    # GeoReport
    def discovery(self) -> dict[str, Any]:
        return self._run(calls.discovery())

    def services(self) -> list[ServiceInfo]:
        """GET /services.json."""
        return self._run(calls.services())

    def service_definition(self, service_code: str) -> ServiceDefinition:
        """GET /services/{code}.json."""
        return self._run(calls.service_definition(service_code))

    def create(self, request: NewServiceRequest, idempotency_key: str | None = None) -> CreateResult:
        """POST /requests.json; safe to retry thanks to the idempotency key."""
        return self._run(calls.create(self.api_key, request, idempotency_key))

    def get(self, service_request_id: str) -> ServiceRequest:
        """GET /requests/{id}.json."""
        return self._run(calls.get(self.api_key, service_request_id))

    def list(self, **filters: Any) -> list[ServiceRequest]:
        """GET /requests.json. Filters: service_request_ids, service_code, start, end (≤ 90 days apart),
        status, department, supervised, channel + channel_user_id (the citizen's orders on a channel)."""
        return self._run(calls.list_requests(self.api_key, **filters))

    # 12345 extensions
    def changes(self, cursor: str | None = None, limit: int = 100) -> ChangePage:
        """GET /changes.json: orders changed after ``cursor`` (None = from the beginning)."""
        return self._run(calls.changes(self.api_key, cursor, limit))

    def remind(self, service_request_id: str, text: str = "") -> ServiceRequest:
        """催办 an open order."""
        return self._run(calls.action(self.api_key, service_request_id, "remind", [("text", text)]))

    def record_survey(self, service_request_id: str, *, resolved: bool, satisfaction: str,
                      comment: str = "") -> ServiceRequest:
        """回访 result; 不满意 reopens the order for review."""
        fields = [("resolved", "true" if resolved else "false"), ("satisfaction", satisfaction), ("comment", comment)]
        return self._run(calls.action(self.api_key, service_request_id, "survey", fields))

    def reopen(self, service_request_id: str, reason: str = "") -> ServiceRequest:
        """回访复核: reopen a closed order."""
        return self._run(calls.action(self.api_key, service_request_id, "reopen", [("reason", reason)]))

    def archive(self, service_request_id: str, reason: str = "") -> ServiceRequest:
        """归档; ``reason="no_reply"`` archives a closed order whose satisfaction callback got no answer."""
        return self._run(calls.action(self.api_key, service_request_id, "archive",
                                      [("reason", reason)] if reason else []))

    def dispatch(self, service_request_id: str, department: str) -> ServiceRequest:
        """改派 to another department code."""
        return self._run(calls.action(self.api_key, service_request_id, "dispatch", [("department", department)]))

    def first_contact(self, service_request_id: str, department_key: str, text: str = "") -> ServiceRequest:
        """Department operation: first contact with the citizen."""
        return self._run(calls.action(department_key, service_request_id, "first_contact", [("text", text)]))

    def close_request(self, service_request_id: str, department_key: str, result: str) -> ServiceRequest:
        """Department operation: close with a result (办结)."""
        return self._run(calls.action(department_key, service_request_id, "close", [("status_notes", result)]))

    def extend(self, service_request_id: str, department_key: str, reason: str) -> ServiceRequest:
        """Department operation: extend a general case to 15 working days (延期)."""
        return self._run(calls.action(department_key, service_request_id, "extend", [("reason", reason)]))

    def metrics(self, start: dt.datetime | dt.date, end: dt.datetime | dt.date) -> Metrics:
        """按时办结率 / 解决率 / 满意率 of orders registered in [start, end)."""
        return self._run(calls.metrics(self.api_key, start, end))


class AsyncDispatchClient(_Retrying):
    """The same API for asyncio code (e.g. async rasa-sdk actions)."""

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 5.0, retries: int = 3,
                 backoff: float = 0.2, headers: dict[str, str] | None = None,
                 transport: httpx.AsyncBaseTransport | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        super().__init__(retries, backoff)
        self.api_key = api_key
        self._sleep = sleep
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout,
                                       headers=calls.default_headers(api_key, headers),
                                       transport=transport)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> "AsyncDispatchClient":
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def _run(self, call: Call) -> Any:
        attempt = 0
        while True:
            try:
                response, error = await self._http.request(call.method, call.path, **call.request_kwargs()), None
            except httpx.TransportError as exc:
                response, error = None, exc
            outcome = self._settle(call, attempt, response, error)
            if outcome is not _RETRY:
                return outcome
            await self._sleep(self._delay(attempt))
            attempt += 1

    async def discovery(self) -> dict[str, Any]:
        return await self._run(calls.discovery())

    async def services(self) -> list[ServiceInfo]:
        return await self._run(calls.services())

    async def service_definition(self, service_code: str) -> ServiceDefinition:
        return await self._run(calls.service_definition(service_code))

    async def create(self, request: NewServiceRequest, idempotency_key: str | None = None) -> CreateResult:
        return await self._run(calls.create(self.api_key, request, idempotency_key))

    async def get(self, service_request_id: str) -> ServiceRequest:
        return await self._run(calls.get(self.api_key, service_request_id))

    async def list(self, **filters: Any) -> list[ServiceRequest]:
        return await self._run(calls.list_requests(self.api_key, **filters))

    async def changes(self, cursor: str | None = None, limit: int = 100) -> ChangePage:
        return await self._run(calls.changes(self.api_key, cursor, limit))

    async def remind(self, service_request_id: str, text: str = "") -> ServiceRequest:
        return await self._run(calls.action(self.api_key, service_request_id, "remind", [("text", text)]))

    async def record_survey(self, service_request_id: str, *, resolved: bool, satisfaction: str,
                            comment: str = "") -> ServiceRequest:
        fields = [("resolved", "true" if resolved else "false"), ("satisfaction", satisfaction), ("comment", comment)]
        return await self._run(calls.action(self.api_key, service_request_id, "survey", fields))

    async def reopen(self, service_request_id: str, reason: str = "") -> ServiceRequest:
        return await self._run(calls.action(self.api_key, service_request_id, "reopen", [("reason", reason)]))

    async def archive(self, service_request_id: str, reason: str = "") -> ServiceRequest:
        return await self._run(calls.action(self.api_key, service_request_id, "archive",
                                            [("reason", reason)] if reason else []))

    async def dispatch(self, service_request_id: str, department: str) -> ServiceRequest:
        return await self._run(calls.action(self.api_key, service_request_id, "dispatch",
                                            [("department", department)]))

    async def first_contact(self, service_request_id: str, department_key: str, text: str = "") -> ServiceRequest:
        return await self._run(calls.action(department_key, service_request_id, "first_contact", [("text", text)]))

    async def close_request(self, service_request_id: str, department_key: str, result: str) -> ServiceRequest:
        return await self._run(calls.action(department_key, service_request_id, "close",
                                            [("status_notes", result)]))

    async def extend(self, service_request_id: str, department_key: str, reason: str) -> ServiceRequest:
        return await self._run(calls.action(department_key, service_request_id, "extend", [("reason", reason)]))

    async def metrics(self, start: dt.datetime | dt.date, end: dt.datetime | dt.date) -> Metrics:
        return await self._run(calls.metrics(self.api_key, start, end))
