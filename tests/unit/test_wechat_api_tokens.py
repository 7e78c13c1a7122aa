"""The shared WeChat access token (connectors/wechat/tokens.py): one fetch for every process, refreshed early and
after WeChat refused it."""
from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from connectors.wechat.tokens import AccessToken, TokenStore

APP = "wx-app"


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class CountingFetch:
    """Hands out ``T1``, ``T2``, ... valid ``expires_in`` seconds; ``delay`` makes a fetch slow (to race it)."""

    def __init__(self, expires_in: float = 7200, delay: float = 0.0) -> None:
        self.expires_in = expires_in
        self.delay = delay
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self) -> AccessToken:
        with self._lock:
            self.calls += 1
            number = self.calls
        time.sleep(self.delay)
        return AccessToken(f"T{number}", self.expires_in)


def test_the_token_is_fetched_once_and_then_reused(tmp_path):
    store, fetch = TokenStore(tmp_path / "w.sqlite3"), CountingFetch()
    assert [store.get(APP, fetch) for _ in range(5)] == ["T1"] * 5
    assert fetch.calls == 1


def test_a_second_store_on_the_same_file_reuses_the_token(tmp_path):
    fetch = CountingFetch()
    assert TokenStore(tmp_path / "w.sqlite3").get(APP, fetch) == "T1"
    assert TokenStore(tmp_path / "w.sqlite3").get(APP, fetch) == "T1"  # a restart, another process
    assert fetch.calls == 1


def test_two_connections_refreshing_at_once_make_one_fetch(tmp_path):
    fetch = CountingFetch(delay=0.5)
    stores = [TokenStore(tmp_path / "w.sqlite3") for _ in range(3)]  # separate SQLite connections
    barrier, results = threading.Barrier(len(stores)), []

    def worker(store: TokenStore) -> None:
        barrier.wait()
        results.append(store.get(APP, fetch))

    threads = [threading.Thread(target=worker, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results == ["T1"] * 3
    assert fetch.calls == 1


def test_the_token_is_refreshed_five_minutes_before_it_expires(tmp_path):
    clock, fetch = Clock(), CountingFetch(expires_in=7200)
    store = TokenStore(tmp_path / "w.sqlite3", clock=clock)
    assert store.get(APP, fetch) == "T1"
    clock.now += 7200 - 301
    assert store.get(APP, fetch) == "T1"
    clock.now += 2  # 299 s before expiry
    assert store.get(APP, fetch) == "T2"
    assert store.expires_at(APP) == pytest.approx(clock.now + 7200)


def test_a_short_lived_token_is_used_for_half_its_life(tmp_path):
    clock, fetch = Clock(), CountingFetch(expires_in=60)
    store = TokenStore(tmp_path / "w.sqlite3", clock=clock)
    store.get(APP, fetch)
    clock.now += 29
    assert store.get(APP, fetch) == "T1"
    clock.now += 2
    assert store.get(APP, fetch) == "T2"


def test_an_invalidated_token_is_fetched_again(tmp_path):
    store, fetch = TokenStore(tmp_path / "w.sqlite3"), CountingFetch()
    store.get(APP, fetch)
    store.invalidate(APP, "T1")
    assert store.get(APP, fetch) == "T2"
    assert fetch.calls == 2


def test_invalidating_a_token_another_process_already_replaced_keeps_the_new_one(tmp_path):
    first, second = TokenStore(tmp_path / "w.sqlite3"), TokenStore(tmp_path / "w.sqlite3")
    fetch = CountingFetch()
    first.get(APP, fetch)
    first.invalidate(APP, "T1")
    assert first.get(APP, fetch) == "T2"
    second.invalidate(APP, "T1")  # second saw T1 refused too, after first had replaced it
    assert second.get(APP, fetch) == "T2"
    assert fetch.calls == 2


def test_a_failed_fetch_stores_nothing_and_the_next_get_tries_again(tmp_path):
    store = TokenStore(tmp_path / "w.sqlite3")

    def refused() -> AccessToken:
        raise RuntimeError("WeChat said no")

    with pytest.raises(RuntimeError):
        store.get(APP, refused)
    assert store.expires_at(APP) is None
    assert leases(tmp_path / "w.sqlite3") == []  # nobody waits for a fetch that failed
    assert store.get(APP, CountingFetch()) == "T1"


def leases(path) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT app_id, holder FROM wechat_access_token_lease").fetchall()


def test_the_database_is_not_locked_while_the_token_is_fetched(tmp_path):
    """The connector's other tables (seen messages, ...) live in the same file: a fetch must not block them."""
    path = tmp_path / "w.sqlite3"
    store, written = TokenStore(path), []

    def fetch_while_someone_writes() -> AccessToken:
        other = sqlite3.connect(path, timeout=0.2, isolation_level=None)
        other.execute("CREATE TABLE IF NOT EXISTS seen (id TEXT)")
        other.execute("INSERT INTO seen VALUES ('msg-1')")  # raises "database is locked" if the fetch held the lock
        other.close()
        written.append(True)
        return AccessToken("T1", 7200)

    assert store.get(APP, fetch_while_someone_writes) == "T1"
    assert written == [True]


def test_the_lease_of_a_process_that_died_while_fetching_runs_out(tmp_path):
    path = tmp_path / "w.sqlite3"
    ticking = Clock()

    def clock() -> float:  # one second passes at every look at the clock
        ticking.now += 1
        return ticking.now

    store, fetch = TokenStore(path, lease_seconds=30, clock=clock), CountingFetch()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO wechat_access_token_lease VALUES (?, 'dead-process', ?)", (APP, ticking.now + 5))
    assert store.get(APP, fetch) == "T1"
    assert fetch.calls == 1 and leases(path) == []


def test_accounts_have_their_own_tokens(tmp_path):
    store, fetch = TokenStore(tmp_path / "w.sqlite3"), CountingFetch()
    assert store.get("a", fetch) == "T1"
    assert store.get("b", fetch) == "T2"
    assert store.get("a", fetch) == "T1"


def test_the_token_value_is_not_in_its_repr():
    assert "secret-token-value" not in repr(AccessToken("secret-token-value", 7200))
