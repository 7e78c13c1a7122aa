"""The typed HTTP client of the dispatch backend (Open311 GeoReport v2 + 12345 extensions).

Timeouts on every call. What an attempt means and whether another one follows is the :class:`RetryPolicy`'s
decision: network errors and 5xx are tried again (``retries`` times, exponential backoff), 4xx never. Creation
always carries an idempotency key, so a repeated POST cannot create a second order; other writes are tried again
only when the connection could not be opened. The bot uses ``retries=0``: one attempt, then the outbox.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from . import calls
from .calls import Call, error_of, new_idempotency_key
from .errors import DispatchAPIError, DispatchUnavailable
from .models import (
    ChangePage,
    CreateResult,
    Metrics,
    NewServiceRequest,
    ServiceDefinition,
    ServiceInfo,
    ServiceRequest,
)
from .policy import RetryPolicy, Verdict
from .writes import Archive, CreateOrder, Note, Redispatch, Remind, Reopen, SurveyResult

logger = logging.getLogger(__name__)

__all__ = ["Attempt", "DispatchClient", "new_idempotency_key"]


@dataclass(frozen=True)
class Attempt:
    """One HTTP attempt and the policy's verdict on it."""

    verdict: Verdict
    value: Any = None                 # the parsed answer (DONE; None for a 409 that counts as done)
    error: Exception | None = None    # the transport error, or the backend's error answer

    def unavailable(self, call: Call) -> DispatchUnavailable:
        return DispatchUnavailable(f"派单后台暂时无法访问（{call.method} {call.path}）：{self.error}")


class DispatchClient:
    """Blocking client. Thread-safe (one ``httpx.Client`` underneath)."""

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 5.0, retries: int = 3,
                 backoff: float = 0.2, headers: dict[str, str] | None = None,
                 transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep, policy: RetryPolicy | None = None) -> None:
        self.api_key = api_key
        self.timeout = timeout
        self.policy = policy or RetryPolicy(retries=retries, backoff=backoff)
        self._sleep = sleep
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout,
                                  headers=calls.default_headers(api_key, headers),
                                  transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> DispatchClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def attempt(self, call: Call) -> Attempt:
        """Send ``call`` once; never raises for what the backend answers or for a network error."""
        try:
            response = self._http.request(call.method, call.path, **call.request_kwargs())
        except httpx.TransportError as exc:
            return Attempt(self.policy.judge(error=exc, replay_safe=call.replay_safe), error=exc)
        verdict = self.policy.judge(status=response.status_code, replay_safe=call.replay_safe,
                                    conflict_is_done=call.conflict_is_done)
        if verdict is Verdict.DONE:
            return Attempt(verdict, call.parse(response.json()) if response.status_code < 400 else None)
        return Attempt(verdict, error=error_of(response))

    def _run(self, call: Call) -> Any:
        attempt = 0
        while True:
            outcome = self.attempt(call)
            if outcome.verdict is Verdict.DONE:
                return outcome.value
            if outcome.verdict is Verdict.REJECTED:
                assert isinstance(outcome.error, DispatchAPIError)
                raise outcome.error
            what = (f"HTTP {outcome.error.status_code}" if isinstance(outcome.error, DispatchAPIError)
                    else type(outcome.error).__name__)
            logger.warning("dispatch %s %s: %s (attempt %d/%d)", call.method, call.path, what, attempt + 1,
                           self.policy.retries + 1)
            if outcome.verdict is Verdict.UNSAFE or attempt >= self.policy.retries:
                raise outcome.unavailable(call) from outcome.error
            self._sleep(self.policy.delay(attempt))
            attempt += 1

    # GeoReport
    def discovery(self) -> dict[str, Any]:
        return self._run(calls.discovery())

    def categories(self) -> dict[str, Any]:
        """GET /categories.json (the category tree the bot offers)."""
        return self._run(calls.categories())

    def services(self) -> list[ServiceInfo]:
        """GET /services.json."""
        return self._run(calls.services())

    def service_definition(self, service_code: str) -> ServiceDefinition:
        """GET /services/{code}.json."""
        return self._run(calls.service_definition(service_code))

    def create(self, request: NewServiceRequest, idempotency_key: str | None = None) -> CreateResult:
        """POST /requests.json; safe to retry thanks to the idempotency key."""
        return self._run(CreateOrder(request=request).call(self.api_key, idempotency_key))

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
        return self._run(Remind(service_request_id=service_request_id, text=text).call(self.api_key))

    def note(self, service_request_id: str, text: str, author: str = "",
             idempotency_key: str | None = None) -> ServiceRequest:
        """备注: append ``text`` by ``author`` to the order's history (no state change). Safe to retry: the same
        ``idempotency_key`` with the same note answers the order without adding it again (a fresh key if None)."""
        write = Note(service_request_id=service_request_id, text=text, author=author)
        return self._run(write.call(self.api_key, idempotency_key))

    def record_survey(self, service_request_id: str, *, resolved: bool, satisfaction: str,
                      comment: str = "") -> ServiceRequest:
        """回访 result; the backend reopens the order for review when the problem is unresolved or 不满意."""
        write = SurveyResult(service_request_id=service_request_id, resolved=resolved,
                             satisfaction=satisfaction, comment=comment)  # type: ignore[arg-type]
        return self._run(write.call(self.api_key))

    def reopen(self, service_request_id: str, reason: str = "") -> ServiceRequest:
        """回访复核: reopen a closed order."""
        return self._run(Reopen(service_request_id=service_request_id, reason=reason).call(self.api_key))

    def archive(self, service_request_id: str, reason: str = "") -> ServiceRequest:
        """归档; ``reason="no_reply"`` archives a closed order whose satisfaction callback got no answer."""
        return self._run(Archive(service_request_id=service_request_id, reason=reason).call(  # type: ignore[arg-type]
            self.api_key))

    def dispatch(self, service_request_id: str, department: str) -> ServiceRequest:
        """改派 to another department code."""
        return self._run(Redispatch(service_request_id=service_request_id, department=department).call(self.api_key))

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
