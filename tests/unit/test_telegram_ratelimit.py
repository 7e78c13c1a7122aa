"""The Telegram bridge's per-user rate limit."""
from __future__ import annotations

from connectors.telegram.ratelimit import RateLimiter, Verdict


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_allows_up_to_the_limit_then_notifies_once_then_drops() -> None:
    limiter = RateLimiter(3, clock=Clock())
    verdicts = [limiter.check("u1") for _ in range(6)]
    assert verdicts == [Verdict.ALLOW] * 3 + [Verdict.NOTIFY, Verdict.DROP, Verdict.DROP]


def test_users_are_counted_separately() -> None:
    limiter = RateLimiter(1, clock=Clock())
    assert limiter.check("a") is Verdict.ALLOW
    assert limiter.check("b") is Verdict.ALLOW
    assert limiter.check("a") is Verdict.NOTIFY


def test_window_slides_and_notice_rearms() -> None:
    clock = Clock()
    limiter = RateLimiter(2, clock=clock)
    assert limiter.check("u") is Verdict.ALLOW
    clock.now += 30
    assert limiter.check("u") is Verdict.ALLOW
    assert limiter.check("u") is Verdict.NOTIFY
    clock.now += 31  # the first message left the window
    assert limiter.check("u") is Verdict.ALLOW
    assert limiter.check("u") is Verdict.NOTIFY  # a new notice after being allowed again


def test_zero_disables_the_limit() -> None:
    limiter = RateLimiter(0, clock=Clock())
    assert all(limiter.check("u") is Verdict.ALLOW for _ in range(100))


def test_forget_idle_drops_quiet_users_only() -> None:
    clock = Clock()
    limiter = RateLimiter(5, clock=clock)
    limiter.check("old")
    clock.now += 61
    limiter.check("new")
    limiter.forget_idle()
    assert len(limiter) == 1
