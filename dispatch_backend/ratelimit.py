"""Limits on unauthenticated traffic, so that anonymous clients can never slow the bot's own calls.

Every request without a valid key (no key, or a wrong one) passes :meth:`PublicGate.admit`:

* a token bucket per client address (``rate`` requests a minute, bursts up to ``burst``): past it, a 429 with
  ``Retry-After``;
* for the expensive public reads (the redacted feed's lists and orders), at most ``concurrency`` at a time across
  all anonymous clients (:meth:`PublicGate.slot`): a request that would wait gets a 429 at once instead of
  holding a worker thread the bot's creates need.

Requests with a valid bot or department key never touch the gate. Anonymous ``GET``s are counted by the
:class:`AnonymousGetLimit` middleware before routing, so a flood of them is refused at the lowest cost (no
routing, no worker thread); ``POST``s, whose key is in the form, are counted by the endpoints.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import Open311Error

#: Client addresses remembered at once (the oldest are forgotten first).
MAX_TRACKED_CLIENTS = 10_000
#: A refused anonymous GET is answered after this pause (an idle await, no CPU): a client that retries at once in
#: a loop is slowed to about one request a second instead of costing the server hundreds of 429s a second.
TARPIT_SECONDS = 1.0


class TooManyRequests(Open311Error):
    """429: too many unauthenticated requests from one address, or the public feed is busy."""

    status_code = 429

    def __init__(self, description: str, retry_after: int) -> None:
        super().__init__(description)
        self.retry_after = max(1, retry_after)


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class PublicGate:
    """Token buckets per client address plus a concurrency cap for public reads (thread-safe)."""

    def __init__(self, rate_per_minute: float, burst: int, concurrency: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = max(rate_per_minute, 0.0) / 60.0  # tokens per second
        self.burst = max(1, burst)
        self._slots = threading.BoundedSemaphore(max(1, concurrency))
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def admit(self, client: str) -> None:
        """Take one token for ``client`` or raise :class:`TooManyRequests`."""
        now = self._clock()
        with self._lock:
            bucket = self._buckets.pop(client, None) or _Bucket(float(self.burst), now)
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.stamp) * self.rate)
            bucket.stamp = now
            self._buckets[client] = bucket
            while len(self._buckets) > MAX_TRACKED_CLIENTS:
                self._buckets.popitem(last=False)
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return
            wait = math.ceil((1.0 - bucket.tokens) / self.rate) if self.rate > 0 else 3600
        raise TooManyRequests(
            f"未提供有效 api_key 的请求过于频繁，请 {wait} 秒后再试；批量获取数据请向运营方申请 api_key。"
            f"(Too many requests without a valid api_key; retry after {wait} s.)", wait)

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the public-read slots while the body runs; none free → :class:`TooManyRequests`."""
        if not self._slots.acquire(blocking=False):
            raise TooManyRequests("公开查询接口繁忙，请稍后再试。(The public feed is busy; retry shortly.)", 1)
        try:
            yield
        finally:
            self._slots.release()


#: Set in the ASGI scope once the middleware has counted a request (the endpoint must not count it again).
COUNTED = "rexian.anonymous_counted"


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class AnonymousGetLimit:
    """ASGI middleware: a ``GET``/``HEAD`` without a valid key (header ``key_header`` or query ``api_key``) takes a
    token from :class:`PublicGate` before routing; past the limit it is answered 429 right here, after
    :data:`TARPIT_SECONDS`."""

    def __init__(self, app: ASGIApp, gate: PublicGate, is_valid_key: Callable[[str | None], bool],
                 key_header: str) -> None:
        self.app = app
        self.gate = gate
        self.is_valid_key = is_valid_key
        self.key_header = key_header.lower().encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") in ("GET", "HEAD"):
            key = dict(scope.get("headers") or []).get(self.key_header, b"").decode("latin-1") or None
            if key is None:
                key = (parse_qs(scope.get("query_string", b"").decode("latin-1")).get("api_key") or [None])[0]
            if not self.is_valid_key(key):
                try:
                    self.gate.admit(client_address(scope))
                except TooManyRequests as exc:
                    await asyncio.sleep(TARPIT_SECONDS)
                    body = json.dumps(exc.body(), ensure_ascii=False).encode()
                    await send({"type": "http.response.start", "status": exc.status_code,
                                "headers": [(b"content-type", b"application/json"),
                                            (b"content-length", str(len(body)).encode()),
                                            (b"retry-after", str(exc.retry_after).encode())]})
                    await send({"type": "http.response.body", "body": body})
                    return
                scope = dict(scope)
                scope[COUNTED] = True
        await self.app(scope, receive, send)
