"""Outbox: creations survive a backend outage and a bot restart, and arrive exactly once."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from dispatch_client import BadRequestError, DispatchClient, Outbox

from .conftest import API_KEY, BackendProcess, free_port, start_backend
from .helpers import lamp_request


def _orders_with(client: DispatchClient, description: str) -> list[str]:
    now = dt.datetime.now(dt.timezone.utc)
    found = client.list(service_code="ludeng", start=now - dt.timedelta(hours=1), end=now + dt.timedelta(minutes=5))
    return [o.service_request_id for o in found if o.description == description]


def test_outage_then_restart_delivers_exactly_once(backend: BackendProcess, client: DispatchClient,
                                                   tmp_path: Path) -> None:
    port = free_port()  # nothing listens here yet: the backend is "down"
    path = tmp_path / "outbox.sqlite3"
    down = DispatchClient(f"http://127.0.0.1:{port}", API_KEY, retries=1, backoff=0.01, timeout=2)
    outbox = Outbox(down, path, retry_interval=0.2)
    request = lamp_request()
    entry = outbox.submit(request)
    assert entry.state == "pending" and entry.service_request_id is None
    assert entry.reference == entry.provisional_reference and entry.provisional_reference.startswith("LS")
    assert outbox.flush() == 0
    outbox.close()  # the bot stops while the backend is still down
    down.close()

    restarted = start_backend(backend.db_url, port, tmp_path / "backend2.log")
    try:
        with DispatchClient(restarted.url, API_KEY, retries=1, backoff=0.01) as up:
            outbox = Outbox(up, path, retry_interval=0.2)  # the bot starts again
            assert [e.provisional_reference for e in outbox.pending()] == [entry.provisional_reference]
            outbox.start()
            end = time.monotonic() + 15
            while outbox.resolve(entry.provisional_reference) is None and time.monotonic() < end:
                time.sleep(0.05)
            outbox.stop()
            delivered = outbox.get(entry.provisional_reference)
            assert delivered.state == "delivered" and delivered.service_request_id
            assert delivered.reference == delivered.service_request_id
            assert outbox.flush() == 0 and outbox.pending() == []
            outbox.close()
    finally:
        restarted.stop()
    assert _orders_with(client, request.description) == [delivered.service_request_id]


def test_reachable_backend_delivers_immediately(client: DispatchClient, tmp_path: Path) -> None:
    outbox = Outbox(client, tmp_path / "outbox.sqlite3")
    entry = outbox.submit(lamp_request())
    assert entry.state == "delivered" and entry.service_request_id
    assert client.get(entry.service_request_id).service_code == "ludeng"
    outbox.close()


def test_rejected_request_is_marked_failed_not_retried(client: DispatchClient, tmp_path: Path) -> None:
    outbox = Outbox(client, tmp_path / "outbox.sqlite3")
    with pytest.raises(BadRequestError):
        outbox.submit(lamp_request(lat=None, long=None))
    assert outbox.pending() == []
    outbox.close()
