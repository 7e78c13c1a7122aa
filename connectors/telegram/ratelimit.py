"""Per-user sliding-window rate limit: at most N messages in any 60 seconds, one notice when a user goes over."""
from __future__ import annotations

import enum
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


class Verdict(enum.Enum):
    ALLOW = "allow"    # relay the message
    NOTIFY = "notify"  # over the limit for the first time in this window: tell the user once
    DROP = "drop"      # still over the limit: ignore silently


@dataclass
class _UserWindow:
    stamps: deque[float] = field(default_factory=deque)
    notified: bool = False


class RateLimiter:
    """``limit`` messages per ``window`` seconds per key; ``limit <= 0`` disables the limit."""

    def __init__(self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._users: dict[str, _UserWindow] = {}

    def check(self, key: str) -> Verdict:
        if self.limit <= 0:
            return Verdict.ALLOW
        now = self._clock()
        user = self._users.setdefault(key, _UserWindow())
        while user.stamps and user.stamps[0] <= now - self.window:
            user.stamps.popleft()
        if len(user.stamps) < self.limit:
            user.stamps.append(now)
            user.notified = False
            return Verdict.ALLOW
        if user.notified:
            return Verdict.DROP
        user.notified = True
        return Verdict.NOTIFY

    def forget_idle(self) -> None:
        """Drop the bookkeeping of users with no message in the current window (bounds memory)."""
        cutoff = self._clock() - self.window
        for key in [k for k, u in self._users.items() if not u.stamps or u.stamps[-1] <= cutoff]:
            del self._users[key]

    def __len__(self) -> int:
        return len(self._users)
