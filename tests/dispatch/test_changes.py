"""The change feed the bot follows: orders updated after a cursor, each once, in order."""

from __future__ import annotations

import pytest

from dispatch_client import BadRequestError, DispatchClient

from .helpers import lamp_request, latest_cursor, noise_request


def test_changes_after_cursor(client: DispatchClient) -> None:
    cursor = latest_cursor(client)
    a = client.create(noise_request()).service_request_id
    b = client.create(lamp_request()).service_request_id
    client.remind(a or "", "催一下")
    page = client.changes(cursor)
    assert [o.service_request_id for o in page.requests] == [b, a]
    assert page.requests[1].reminder_count == 1 and not page.has_more
    assert int(page.cursor) > int(cursor)
    assert client.changes(page.cursor).requests == []

    first = client.changes(cursor, limit=1)
    assert first.has_more and [o.service_request_id for o in first.requests] == [b]
    second = client.changes(first.cursor, limit=1)
    assert [o.service_request_id for o in second.requests] == [a] and not second.has_more


def test_bad_cursor_is_400(client: DispatchClient) -> None:
    with pytest.raises(BadRequestError):
        client.changes("abc")
