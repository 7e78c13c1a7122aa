"""Idempotent creation: the same key twice gives one order, also when a response is lost."""

from __future__ import annotations

import datetime as dt

import httpx

from dispatch_client import DispatchClient

from .conftest import API_KEY, BackendProcess
from .helpers import lamp_request


def _orders_with(client: DispatchClient, description: str) -> list[str]:
    now = dt.datetime.now(dt.timezone.utc)
    found = client.list(service_code="ludeng", start=now - dt.timedelta(hours=1), end=now + dt.timedelta(minutes=5))
    return [o.service_request_id for o in found if o.description == description]


def test_same_key_twice_gives_one_order(client: DispatchClient) -> None:
    request = lamp_request()
    first = client.create(request, idempotency_key="same-key-001")
    second = client.create(request, idempotency_key="same-key-001")
    assert first.outcome == "created" and second.outcome == "replayed"
    assert first.service_request_id == second.service_request_id
    assert _orders_with(client, request.description) == [first.service_request_id]


class LoseFirstResponse(httpx.BaseTransport):
    """Delivers the request to the backend, then pretends the connection dropped (once)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.calls = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        response = self.inner.handle_request(request)
        if self.calls == 1:
            response.read()
            response.close()
            raise httpx.ReadError("connection reset after the backend answered")
        return response


def test_lost_response_is_retried_without_a_duplicate(backend: BackendProcess, client: DispatchClient) -> None:
    transport = LoseFirstResponse()
    request = lamp_request()
    with DispatchClient(backend.url, API_KEY, retries=2, backoff=0.0, transport=transport) as flaky:
        result = flaky.create(request)
    assert transport.calls == 2 and result.outcome == "replayed"
    assert _orders_with(client, request.description) == [result.service_request_id]
