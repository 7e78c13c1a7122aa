"""Signed webhooks (HMAC-SHA256) sent when an order is closed.

Each delivery is a JSON POST with headers ``X-Rexian-Event``, ``X-Rexian-Timestamp`` and
``X-Rexian-Signature: sha256=<hex>`` where the hex digest is HMAC-SHA256 over
``"<timestamp>.<raw body>"`` with the shared secret. Deliveries run on a background thread with
a few retries; they are best effort — the change feed (GET /changes.json) is the reliable path.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import threading
import time
from typing import Any

import httpx

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Rexian-Signature"
TIMESTAMP_HEADER = "X-Rexian-Timestamp"
EVENT_HEADER = "X-Rexian-Event"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp`` (never with an empty secret)."""
    if not secret:
        raise ValueError("refusing to sign a webhook with an empty secret")
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class WebhookSender:
    """Delivers events to the configured URLs from a daemon thread."""

    def __init__(self, urls: tuple[str, ...], secret: str, attempts: int = 4, backoff: float = 0.5) -> None:
        if urls and not secret:
            raise ValueError("webhooks need a non-empty signing secret")
        self.urls = urls
        self.secret = secret
        self.attempts = attempts
        self.backoff = backoff
        self._queue: queue.Queue[tuple[str, dict[str, Any]] | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.urls and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="dispatch-webhooks", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=5)
            self._thread = None

    def publish(self, event: str, payload: dict[str, Any]) -> None:
        """Queue an event for every configured URL."""
        if self.urls:
            self._queue.put((event, payload))

    def _run(self) -> None:
        with httpx.Client(timeout=5.0) as client:
            while True:
                item = self._queue.get()
                if item is None:
                    return
                event, payload = item
                body = json.dumps({"event": event, **payload}, ensure_ascii=False).encode()
                for url in self.urls:
                    self._deliver(client, url, event, body)

    def _deliver(self, client: httpx.Client, url: str, event: str, body: bytes) -> None:
        for attempt in range(self.attempts):
            timestamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                EVENT_HEADER: event,
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: sign(self.secret, timestamp, body),
            }
            try:
                response = client.post(url, content=body, headers=headers)
                if response.status_code < 300:
                    return
                logger.warning("webhook %s answered %s (attempt %d)", url, response.status_code, attempt + 1)
            except httpx.HTTPError as exc:
                logger.warning("webhook %s failed: %s (attempt %d)", url, exc, attempt + 1)
            time.sleep(self.backoff * (2 ** attempt))
        logger.error("webhook %s: giving up on event %s", url, event)
