"""Every API call as data: method, path, fields, how to read the answer, whether a second copy is harmless.

:class:`~dispatch_client.client.DispatchClient` runs them; the outbox keeps writes (``writes.py``) and turns them
into calls when it sends them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import TypeAdapter

from domain import BEIJING

from .errors import DispatchAPIError, Open311ErrorItem, api_error
from .models import (
    ChangePage,
    CreateResult,
    Metrics,
    NewServiceRequest,
    ServiceDefinition,
    ServiceInfo,
    ServiceRequest,
)

API_KEY_HEADER = "X-Rexian-Api-Key"
IDEMPOTENCY_HEADER = "Idempotency-Key"


def new_idempotency_key() -> str:
    """A fresh random idempotency key."""
    return uuid.uuid4().hex


def default_headers(api_key: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Headers of every call: the key goes on each request (also the open ones such as ``/services.json``), so
    the backend never counts the bot as an anonymous client and rate-limits it."""
    return {**({API_KEY_HEADER: api_key} if api_key else {}), **(extra or {})}


def iso(value: dt.datetime | dt.date) -> str:
    """W3C time; naive datetimes and dates are Beijing time."""
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=BEIJING)).isoformat()
    return dt.datetime.combine(value, dt.time(), tzinfo=BEIJING).isoformat()


def _form(items: list[tuple[str, str]]) -> dict[str, list[str]]:
    form: dict[str, list[str]] = {}
    for name, value in items:
        form.setdefault(name, []).append(value)
    return form


@dataclass
class Call:
    """One HTTP call and how to read its answer."""

    method: str
    path: str
    parse: Callable[[Any], Any]
    key: str | None = None
    fields: list[tuple[str, str]] = field(default_factory=list)
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    replay_safe: bool = True         # a second copy is harmless (reads; a creation with its idempotency key)
    conflict_is_done: bool = False   # a 409 means the write is already there (only the outbox sets this)

    def request_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of ``httpx.Client.request``."""
        headers = dict(self.headers)
        kwargs: dict[str, Any] = {"params": self.params or None}
        if self.method == "GET":
            if self.key:
                headers[API_KEY_HEADER] = self.key
        else:
            kwargs["data"] = _form(self.fields + ([("api_key", self.key)] if self.key else []))
        kwargs["headers"] = headers
        return kwargs


def errors_of(response: httpx.Response) -> list[Open311ErrorItem]:
    """The Open311 error list of a response (or a synthetic one)."""
    try:
        body = response.json()
        items = body if isinstance(body, list) else [body]
        return [Open311ErrorItem(int(i.get("code", response.status_code)), str(i.get("description", "")))
                for i in items if isinstance(i, dict)]
    except (ValueError, AttributeError):
        return [Open311ErrorItem(response.status_code, response.text[:200])]


def error_of(response: httpx.Response) -> DispatchAPIError:
    return api_error(response.status_code, errors_of(response))


def _parser(shape: Any, first: bool = False) -> Callable[[Any], Any]:
    adapter = TypeAdapter(shape)

    def parse(body: Any) -> Any:
        value = adapter.validate_python(body)
        return value[0] if first else value

    return parse


_services = _parser(list[ServiceInfo])
_definition = _parser(ServiceDefinition)
_created = _parser(list[CreateResult], first=True)
_one = _parser(list[ServiceRequest], first=True)
_many = _parser(list[ServiceRequest])
_changes = _parser(ChangePage)
_metrics = _parser(Metrics)


def discovery() -> Call:
    return Call("GET", "/discovery.json", lambda body: body)


def categories() -> Call:
    """GET /categories.json: the three-level tree (leaves are department codes), default department, names."""
    return Call("GET", "/categories.json", lambda body: body)


def services() -> Call:
    return Call("GET", "/services.json", _services)


def service_definition(service_code: str) -> Call:
    return Call("GET", f"/services/{service_code}.json", _definition)


def create(api_key: str, request: NewServiceRequest, idempotency_key: str | None) -> Call:
    key = idempotency_key or new_idempotency_key()
    return Call("POST", "/requests.json", _created, api_key, request.form() + [("idempotency_key", key)],
                headers={IDEMPOTENCY_HEADER: key})


def get(api_key: str, service_request_id: str) -> Call:
    return Call("GET", f"/requests/{service_request_id}.json", _one, api_key)


def list_requests(api_key: str, *, service_request_ids: list[str] | None = None, service_code: str | None = None,
                  start: dt.datetime | dt.date | None = None, end: dt.datetime | dt.date | None = None,
                  status: str | None = None, department: str | None = None,
                  supervised: bool | None = None, channel: str | None = None,
                  channel_user_id: str | None = None) -> Call:
    params: dict[str, str] = {}
    if service_request_ids:
        params["service_request_id"] = ",".join(service_request_ids)
    if service_code:
        params["service_code"] = service_code
    if start is not None:
        params["start_date"] = iso(start)
    if end is not None:
        params["end_date"] = iso(end)
    if status:
        params["status"] = status
    if department:
        params["department"] = department
    if supervised is not None:
        params["supervised"] = "true" if supervised else "false"
    if channel_user_id:
        params["channel"] = channel or ""
        params["channel_user_id"] = channel_user_id
    return Call("GET", "/requests.json", _many, api_key, params=params)


def changes(api_key: str, cursor: str | None, limit: int) -> Call:
    params = {"limit": str(limit)}
    if cursor:
        params["cursor"] = cursor
    return Call("GET", "/changes.json", _changes, api_key, params=params)


def action(key: str, service_request_id: str, name: str, fields: list[tuple[str, str]]) -> Call:
    """A state-changing 12345 extension call; retried only when it was certainly not sent."""
    return Call("POST", f"/requests/{service_request_id}/{name}.json", _one, key, fields, replay_safe=False)


def metrics(api_key: str, start: dt.datetime | dt.date, end: dt.datetime | dt.date) -> Call:
    return Call("GET", "/metrics.json", _metrics, api_key, params={"start_date": iso(start), "end_date": iso(end)})
