"""The one retry policy of every write and read the project makes to the dispatch backend.

It decides, for one HTTP attempt, what its outcome means (:meth:`RetryPolicy.judge`), how often a call is tried
again inside one method call (``retries``, ``backoff``) and how long a queued outbox entry waits after an error
that was its own (``queue_backoff`` … ``queue_max_backoff``). :class:`~dispatch_client.client.DispatchClient` and
:class:`~dispatch_client.outbox.Outbox` both ask it; nothing else decides.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import httpx

#: Errors after which the request certainly never reached the backend.
NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
#: Answers of a proxy or a server that is down or starting: the backend as a whole is unreachable.
UNREACHABLE_STATUSES = (502, 503, 504)


class Verdict(enum.Enum):
    """What one HTTP attempt means."""

    DONE = "done"                # delivered (or, for a write whose 409 means "already there", nothing left to do)
    REJECTED = "rejected"        # a 4xx: the request itself is wrong; sending it again cannot help
    UNREACHABLE = "unreachable"  # the backend could not be reached (or is down behind a proxy): try again soon
    BACKOFF = "backoff"          # the backend failed on this request (a 5xx): try again after a growing pause
    UNSAFE = "unsafe"            # may have reached the backend, and a second copy would not be harmless: stop


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts, pauses, and which outcomes are worth another attempt."""

    retries: int = 3                # extra attempts inside one client call (the bot's request path uses 0)
    backoff: float = 0.2            # seconds before the first extra attempt, doubled for each further one
    queue_backoff: float = 5.0      # seconds an outbox entry waits after a 5xx of its own, doubled each time …
    queue_max_backoff: float = 300.0  # … up to this

    @staticmethod
    def judge(*, status: int | None = None, error: Exception | None = None, replay_safe: bool,
              conflict_is_done: bool = False) -> Verdict:
        """The verdict on one attempt that answered ``status`` or failed with the transport ``error``.

        ``replay_safe``: a second copy of the request is harmless (reads, a creation with its idempotency key,
        writes the backend answers unchanged when repeated). ``conflict_is_done``: a 409 means the write is
        already there or moot (archiving an archived order).
        """
        if error is not None:
            if isinstance(error, NOT_SENT_ERRORS) or replay_safe:
                return Verdict.UNREACHABLE
            return Verdict.UNSAFE
        assert status is not None
        if status < 400 or (status == 409 and conflict_is_done):
            return Verdict.DONE
        if status < 500:
            return Verdict.REJECTED
        if not replay_safe:
            return Verdict.UNSAFE
        return Verdict.UNREACHABLE if status in UNREACHABLE_STATUSES else Verdict.BACKOFF

    def delay(self, attempt: int) -> float:
        """Seconds before extra attempt ``attempt + 1`` inside one call (0-based ``attempt``)."""
        return self.backoff * (2 ** attempt)

    def queue_delay(self, failures: int) -> float:
        """Seconds a queued entry waits after its ``failures``-th failure of its own (from 1)."""
        return min(self.queue_max_backoff, self.queue_backoff * (2 ** max(0, failures - 1)))
