"""The WeChat access token, fetched once and shared by every process of the connector.

WeChat hands out one access token per account (valid about 7200 s); each fetch makes the previous one invalid
after five minutes, and fetches have a daily quota: the processes of the connector must not each fetch their own.
:class:`TokenStore` keeps the token in one SQLite row of the connector's database (WAL). A process that finds it
stale takes a **lease** (a row, written under ``BEGIN IMMEDIATE``, SQLite's write lock, held only for that write),
fetches, stores the token and drops the lease; a process that finds the lease taken waits until the token is fresh
(or the lease runs out, when its holder died). So two processes refreshing at once make one fetch, and the database
the connector also uses for every incoming message is never locked while WeChat is being asked.

A token is refreshed ``refresh_margin`` seconds (5 minutes, at most half its lifetime) before it expires, and at
once after WeChat said it is invalid (:meth:`TokenStore.invalidate`). The token is a credential: it is never
logged, and :class:`AccessToken` hides it from ``repr``.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from configuration import WechatSettings

logger = logging.getLogger(__name__)

#: Seconds before its expiry at which a token is replaced (WeChat keeps the old one valid 5 minutes after a fetch).
REFRESH_MARGIN = 300.0
#: Seconds a lease lasts: longer than a fetch may take (the API's HTTP timeout), so only a dead holder's runs out.
LEASE_SECONDS = 30.0
#: Seconds between two looks at the row while another process fetches.
POLL_SECONDS = 0.05
#: Seconds a write waits for SQLite's lock (other writers hold it only for one short statement).
BUSY_TIMEOUT = 30.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS wechat_access_token (
    app_id     TEXT PRIMARY KEY,
    token      TEXT NOT NULL,
    expires_at REAL NOT NULL,
    refresh_at REAL NOT NULL,
    fetched_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS wechat_access_token_lease (
    app_id TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until  REAL NOT NULL
);
"""


@dataclass(frozen=True)
class AccessToken:
    """A token WeChat granted: ``value`` valid for ``expires_in`` seconds from when it was fetched."""

    value: str = field(repr=False)
    expires_in: float


#: Fetches a new token from WeChat (``GET /cgi-bin/token``); raises when WeChat refuses.
Fetch = Callable[[], AccessToken]


class TokenStore:
    """The shared access token of one or more WeChat accounts (keyed by app id) in the SQLite file ``path``."""

    def __init__(self, path: str | Path, *, refresh_margin: float = REFRESH_MARGIN,
                 lease_seconds: float = LEASE_SECONDS, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.refresh_margin = refresh_margin
        self.lease_seconds = lease_seconds
        self._clock = clock
        self._lock = threading.Lock()  # one connection, used by one thread at a time
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=BUSY_TIMEOUT)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.executescript(SCHEMA)

    @classmethod
    def from_settings(cls, settings: WechatSettings) -> TokenStore:
        """The store in the connector's database (``wechat.db``)."""
        return cls(settings.db)

    def get(self, app_id: str, fetch: Fetch) -> str:
        """A valid token of ``app_id``: the stored one while it is fresh, else one ``fetch`` — made by one process
        while the others wait for its result."""
        with self._lock:
            holder = f"{os.getpid()}:{uuid.uuid4().hex}"
            while True:
                token = self._fresh(app_id)
                if token is not None:
                    return token
                if self._take_lease(app_id, holder):
                    break
                time.sleep(POLL_SECONDS)  # another process is fetching
            try:
                return self._store(app_id, holder, fetch())
            finally:
                self._write("DELETE FROM wechat_access_token_lease WHERE app_id = ? AND holder = ?", (app_id, holder))

    def invalidate(self, app_id: str, token: str) -> None:
        """WeChat refused ``token`` (expired or revoked): the next :meth:`get` fetches a new one — unless another
        process already replaced it, whose fresh token stays."""
        with self._lock:
            self._write("UPDATE wechat_access_token SET refresh_at = 0 WHERE app_id = ? AND token = ?", (app_id, token))
        logger.info("WeChat access token of %s marked invalid", app_id)

    def expires_at(self, app_id: str) -> float | None:
        """When the stored token of ``app_id`` expires (epoch seconds), None when there is none."""
        with self._lock:
            row = self._conn.execute("SELECT expires_at FROM wechat_access_token WHERE app_id = ?",
                                     (app_id,)).fetchone()
        return None if row is None else float(row[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _fresh(self, app_id: str) -> str | None:
        row = self._conn.execute("SELECT token, refresh_at FROM wechat_access_token WHERE app_id = ?",
                                 (app_id,)).fetchone()
        if row is None or self._clock() >= float(row[1]):
            return None
        return str(row[0])

    def _take_lease(self, app_id: str, holder: str) -> bool:
        """Whether ``holder`` now holds the lease of ``app_id`` (free, or its holder's ran out); a token that turned
        fresh meanwhile is left to :meth:`_fresh` (no lease)."""
        now = self._clock()
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            if self._fresh(app_id) is not None:
                self._conn.execute("COMMIT")
                return False
            taken = self._conn.execute(
                "INSERT INTO wechat_access_token_lease (app_id, holder, until) VALUES (?, ?, ?) "
                "ON CONFLICT (app_id) DO UPDATE SET holder = excluded.holder, until = excluded.until "
                "WHERE wechat_access_token_lease.until <= ?",
                (app_id, holder, now + self.lease_seconds, now)).rowcount
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        return taken == 1

    def _store(self, app_id: str, holder: str, granted: AccessToken) -> str:
        now = self._clock()
        early = min(self.refresh_margin, granted.expires_in / 2)  # a short-lived token is still used a while
        self._write(
            "INSERT INTO wechat_access_token (app_id, token, expires_at, refresh_at, fetched_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (app_id) DO UPDATE SET token = excluded.token, "
            "expires_at = excluded.expires_at, refresh_at = excluded.refresh_at, fetched_at = excluded.fetched_at",
            (app_id, granted.value, now + granted.expires_in, now + granted.expires_in - early, now))
        logger.info("fetched a new WeChat access token for %s (valid %d s)", app_id, granted.expires_in)
        return granted.value

    def _write(self, sql: str, params: tuple[object, ...]) -> None:
        self._conn.execute(sql, params)  # autocommit: one statement, SQLite's lock held only for it
