"""Client behaviour against a scripted transport: retries only on network errors and 5xx."""

from __future__ import annotations

import httpx
import pytest

from dispatch_client import (
    BadRequestError,
    DispatchClient,
    DispatchUnavailable,
    NewServiceRequest,
)

REQUEST = NewServiceRequest(service_code="ludeng", description="路灯不亮", address_string="幸福路")
CREATED = [{"service_request_id": "1", "service_notice": "ok", "account_id": None, "outcome": "created"}]


def scripted(responses: list[object]) -> tuple[DispatchClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = responses[min(len(seen) - 1, len(responses) - 1)]
        if isinstance(item, Exception):
            raise item
        return item  # type: ignore[return-value]

    client = DispatchClient("http://backend.test", "k", retries=3, backoff=0.0,
                            transport=httpx.MockTransport(handler), sleep=lambda _s: None)
    return client, seen


def test_retries_5xx_then_succeeds_with_the_same_idempotency_key() -> None:
    client, seen = scripted([httpx.Response(503, json=[{"code": 503, "description": "忙"}]),
                             httpx.Response(502), httpx.Response(200, json=CREATED)])
    result = client.create(REQUEST)
    assert result.service_request_id == "1"
    assert len(seen) == 3
    keys = {r.headers["Idempotency-Key"] for r in seen}
    assert len(keys) == 1


def test_4xx_is_not_retried_and_carries_the_open311_error() -> None:
    client, seen = scripted([httpx.Response(400, json=[{"code": 400, "description": "缺少位置信息"}])])
    with pytest.raises(BadRequestError) as info:
        client.create(REQUEST)
    assert len(seen) == 1
    assert info.value.status_code == 400 and info.value.description == "缺少位置信息"


def test_network_errors_exhaust_retries_then_raise_unavailable() -> None:
    client, seen = scripted([httpx.ConnectError("refused")])
    with pytest.raises(DispatchUnavailable):
        client.get("1")
    assert len(seen) == 4


def test_non_idempotent_write_is_not_resent_after_a_read_error() -> None:
    client, seen = scripted([httpx.ReadError("reset")])
    with pytest.raises(DispatchUnavailable):
        client.remind("1", "催一下")
    assert len(seen) == 1


def test_non_idempotent_write_is_retried_when_the_connection_was_never_opened() -> None:
    ok = httpx.Response(200, json=[{"service_request_id": "1", "status": "open", "service_code": "ludeng",
                                    "requested_datetime": "2025-10-09T10:00:00+08:00"}])
    client, seen = scripted([httpx.ConnectError("refused"), ok])
    assert client.remind("1").service_request_id == "1"
    assert len(seen) == 2


def test_async_client_has_the_same_retry_rules() -> None:
    import asyncio

    from dispatch_client import AsyncDispatchClient

    seen: list[httpx.Request] = []
    answers = [httpx.Response(503), httpx.Response(200, json=CREATED)]

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers[len(seen) - 1]

    async def no_sleep(_seconds: float) -> None:
        return None

    async def scenario() -> str | None:
        async with AsyncDispatchClient("http://backend.test", "k", retries=2, transport=httpx.MockTransport(handler),
                                       sleep=no_sleep) as client:
            return (await client.create(REQUEST)).service_request_id

    assert asyncio.run(scenario()) == "1"
    assert len(seen) == 2 and seen[0].headers["Idempotency-Key"] == seen[1].headers["Idempotency-Key"]


def test_backoff_doubles_and_there_is_no_wait_after_the_last_attempt() -> None:
    waits: list[float] = []
    client = DispatchClient("http://backend.test", "k", retries=3, backoff=0.5,
                            transport=httpx.MockTransport(lambda _r: httpx.Response(503)), sleep=waits.append)
    with pytest.raises(DispatchUnavailable):
        client.get("1")
    assert waits == [0.5, 1.0, 2.0]
