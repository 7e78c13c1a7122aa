"""Client behaviour against a scripted transport: retries only on network errors and 5xx, as the one
:class:`RetryPolicy` decides."""

from __future__ import annotations

import httpx
import pytest

from dispatch_client import (
    BadRequestError,
    DispatchClient,
    DispatchUnavailable,
    NewServiceRequest,
    RetryPolicy,
    Verdict,
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


def test_backoff_doubles_and_there_is_no_wait_after_the_last_attempt() -> None:
    waits: list[float] = []
    client = DispatchClient("http://backend.test", "k", retries=3, backoff=0.5,
                            transport=httpx.MockTransport(lambda _r: httpx.Response(503)), sleep=waits.append)
    with pytest.raises(DispatchUnavailable):
        client.get("1")
    assert waits == [0.5, 1.0, 2.0]


def test_the_bots_client_makes_one_attempt() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        raise httpx.ConnectError("refused", request=request)

    client = DispatchClient("http://backend.test", "k", retries=0, transport=httpx.MockTransport(handler),
                            sleep=lambda _s: pytest.fail("no wait in the request path"))
    with pytest.raises(DispatchUnavailable):
        client.create(REQUEST)
    assert len(seen) == 1


@pytest.mark.parametrize("outcome, replay_safe, conflict_is_done, verdict", [
    (200, False, False, Verdict.DONE),
    (400, True, False, Verdict.REJECTED),
    (404, True, False, Verdict.REJECTED),
    (409, True, False, Verdict.REJECTED),
    (409, True, True, Verdict.DONE),             # archiving an archived order: nothing left to do
    (500, True, False, Verdict.BACKOFF),         # this request failed on the backend: try it later
    (503, True, False, Verdict.UNREACHABLE),     # the backend (behind a proxy) is down: try again soon
    (500, False, False, Verdict.UNSAFE),         # may have been applied: a 催办 is not sent twice
    (httpx.ConnectError("refused"), False, False, Verdict.UNREACHABLE),   # certainly never sent
    (httpx.ReadTimeout("no answer"), True, False, Verdict.UNREACHABLE),
    (httpx.ReadTimeout("no answer"), False, False, Verdict.UNSAFE),
])
def test_the_policy_judges_each_outcome(outcome: object, replay_safe: bool, conflict_is_done: bool,
                                        verdict: Verdict) -> None:
    if isinstance(outcome, Exception):
        judged = RetryPolicy.judge(error=outcome, replay_safe=replay_safe, conflict_is_done=conflict_is_done)
    else:
        judged = RetryPolicy.judge(status=outcome, replay_safe=replay_safe, conflict_is_done=conflict_is_done)
    assert judged is verdict


def test_queued_writes_back_off_up_to_a_cap() -> None:
    policy = RetryPolicy(queue_backoff=5, queue_max_backoff=60)
    assert [policy.queue_delay(n) for n in (1, 2, 3, 4, 5)] == [5, 10, 20, 40, 60]
