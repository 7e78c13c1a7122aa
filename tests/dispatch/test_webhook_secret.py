"""Webhooks are never signed with an empty key, and an empty secret never verifies."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dispatch_backend.launcher import BackendProcess, free_port
from dispatch_backend.settings import DEV_API_KEY, DEV_WEBHOOK_SECRET, Settings
from dispatch_client import DispatchClient, verify_signature
from tests.backend import start_test_backend

from .conftest import DEPT_KEYS, WebhookReceiver
from .helpers import lamp_request

PRODUCTION_KEY = "a-real-operator-key"


def _forge(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def test_empty_secret_never_verifies() -> None:
    timestamp, body = str(int(time.time())), b'{"event": "request.closed", "request": {}}'
    assert not verify_signature("", timestamp, body, _forge("", timestamp, body))
    assert verify_signature("s3cret", timestamp, body, _forge("s3cret", timestamp, body))


def test_settings_choose_the_signing_secret(caplog: pytest.LogCaptureFixture) -> None:
    urls = ("http://127.0.0.1:9/hook",)
    assert Settings(api_key=PRODUCTION_KEY, webhook_urls=urls, webhook_secret="s").effective_webhook_secret() == "s"
    assert Settings(api_key=DEV_API_KEY, webhook_urls=urls).effective_webhook_secret() == DEV_WEBHOOK_SECRET
    with caplog.at_level("ERROR"):
        assert Settings(api_key=PRODUCTION_KEY, webhook_urls=urls).effective_webhook_secret() is None
    assert "REXIAN_DISPATCH_WEBHOOK_SECRET" in caplog.text


def _close_lamp_order(backend: BackendProcess, api_key: str) -> str:
    with DispatchClient(backend.url, api_key, retries=1, backoff=0.05) as client:
        sid = client.create(lamp_request()).service_request_id or ""
        client.first_contact(sid, DEPT_KEYS["shizheng"], "已联系")
        client.close_request(sid, DEPT_KEYS["shizheng"], "已修复路灯")
    return sid


@pytest.fixture
def start(tmp_path: Path) -> Iterator[object]:
    started: list[BackendProcess] = []

    def run(api_key: str, webhook_url: str) -> BackendProcess:
        process = start_test_backend(f"sqlite:///{tmp_path / f'd{len(started)}.sqlite3'}", free_port(),
                                     tmp_path / f"backend{len(started)}.log", api_key=api_key,
                                     webhook_url=webhook_url, webhook_secret="")
        started.append(process)
        return process

    yield run
    for process in started:
        process.stop()


def test_no_secret_outside_development_refuses_to_deliver(start, webhook_receiver: WebhookReceiver) -> None:  # type: ignore[no-untyped-def]
    backend = start(PRODUCTION_KEY, webhook_receiver.url)
    assert "REXIAN_DISPATCH_WEBHOOK_SECRET" in backend.log_path.read_text(encoding="utf-8", errors="replace")
    sid = _close_lamp_order(backend, PRODUCTION_KEY)
    with pytest.raises(AssertionError, match="not received"):
        webhook_receiver.wait_for(lambda p: p["request"]["service_request_id"] == sid, timeout=2.0)  # type: ignore[index]


def test_development_mode_without_secret_signs_with_the_dev_secret(  # type: ignore[no-untyped-def]
        start, webhook_receiver: WebhookReceiver) -> None:
    backend = start(DEV_API_KEY, webhook_receiver.url)
    sid = _close_lamp_order(backend, DEV_API_KEY)
    headers, body = webhook_receiver.wait_for(lambda p: p["request"]["service_request_id"] == sid)  # type: ignore[index]
    assert verify_signature(DEV_WEBHOOK_SECRET, headers["X-Rexian-Timestamp"], body, headers["X-Rexian-Signature"])
    assert not verify_signature("", headers["X-Rexian-Timestamp"], body, headers["X-Rexian-Signature"])
