"""Throttling failed personal-link look-ups, per client address, across every web process.

Links are 256-bit random values: guessing one is hopeless, so the throttle protects the
service (a flood of made-up links), not the links. Hence:

* only failures count (an unknown or malformed link), once per request whichever page was asked
  (the form, a save or submit, the decline page): one counter per address;
* an address past the limit still gets its *valid* links served: a hospital behind one NAT
  address must not be locked out because someone there mistyped links (or a scanner ran). Its
  further failures get a 429 with Retry-After; a malformed link gets it before the database is
  asked (a well-formed one must be looked up to tell whether it is someone's real link);
* the counts live where every process sees them (`RATELIMIT_STORAGE_URI`): by default a small
  SQLite file in the instance folder, shared by all the web processes of one machine (as the
  task queue's is); Redis when the web processes run on several machines; `memory://` only for
  a single process (gunicorn.conf.py refuses more).

The counting is `limits` (the library behind Flask-Limiter): a fixed window per address, in
any of its storages, plus `SQLiteStorage` below for the embedded default.
"""

from __future__ import annotations

import logging
import math
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from limits import RateLimitItem, parse
from limits.errors import ConfigurationError, StorageError
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

log = logging.getLogger(__name__)

NAMESPACE = "link-failures"
MEMORY_SCHEMES = ("memory",)
REDIS_SCHEMES = ("redis", "rediss", "redis+unix", "redis+sentinel", "redis+cluster")


class SQLiteStorage(Storage):
    """`limits` storage in a SQLite file (`sqlite:///path`), for fixed windows: one row per
    counter with the moment its window ends. Each count is one atomic upsert, so processes on one
    machine share the counts exactly; the file holds nothing worth keeping (no fsync)."""

    STORAGE_SCHEME = ["sqlite"]  # noqa: RUF012 - the name limits' registry reads

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False,
                 clock: Callable[[], float] = time.time, **options: Any) -> None:
        path = (uri or "")[len("sqlite:///"):]
        if not path:
            raise ConfigurationError(f"expected sqlite:///PATH, not {uri!r}")
        self.path = Path(path)
        self.clock = clock
        self._local = threading.local()
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        """One connection per thread and process (a forked child opens its own)."""
        connection = getattr(self._local, "connection", None)
        if connection is None or self._local.pid != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=1.0, isolation_level=None,
                                         check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=OFF")
            connection.execute("CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, "
                               "count INTEGER NOT NULL, expires REAL NOT NULL)")
            self._local.connection, self._local.pid = connection, os.getpid()
        return connection

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = self.clock()
        connection = self._connection()
        if random.random() < 0.01:  # now and then, forget windows long over
            connection.execute("DELETE FROM counters WHERE expires <= ?", (now,))
        row = connection.execute(
            "INSERT INTO counters (key, count, expires) VALUES (?1, ?2, ?3) "
            "ON CONFLICT (key) DO UPDATE SET "
            "count = CASE WHEN expires <= ?4 THEN ?2 ELSE count + ?2 END, "
            "expires = CASE WHEN expires <= ?4 THEN ?3 ELSE expires END "
            "RETURNING count", (key, amount, now + expiry, now)).fetchone()
        return int(row[0])

    def get(self, key: str) -> int:
        row = self._connection().execute(
            "SELECT count FROM counters WHERE key = ? AND expires > ?",
            (key, self.clock())).fetchone()
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._connection().execute(
            "SELECT expires FROM counters WHERE key = ?", (key,)).fetchone()
        return float(row[0]) if row else self.clock()

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1")
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._connection().execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM counters WHERE key = ?", (key,))


def storage_scheme(uri: str) -> str:
    return urlparse(uri).scheme


def open_storage(storage_uri: str) -> Storage:
    """The `limits` storage every throttle of the service counts in (RATELIMIT_STORAGE_URI)."""
    options: dict[str, Any] = {}
    if storage_scheme(storage_uri) in REDIS_SCHEMES:  # a Redis that hangs costs 1 s
        options = {"socket_connect_timeout": 1, "socket_timeout": 1}
    try:
        return storage_from_string(storage_uri, wrap_exceptions=True, **options)
    except ConfigurationError as exc:
        raise ValueError(f"RATELIMIT_STORAGE_URI: {exc}; use sqlite:///PATH (one machine, "
                         "the default), redis://HOST:6379/N (several) or memory:// (one "
                         "process)") from None


class LinkThrottle:
    """Failed look-ups per client address within ``limit`` (e.g. "20 per minute")."""

    def __init__(self, storage_uri: str, limit: str) -> None:
        try:
            self.item: RateLimitItem = parse(limit)
        except ValueError:
            raise ValueError(f"TOKEN_FAILURE_LIMIT: expected e.g. '20 per minute', not "
                             f"{limit!r}") from None
        self.storage = open_storage(storage_uri)
        self.strategy = FixedWindowRateLimiter(self.storage)

    def failed(self, address: str) -> bool:
        """Count one failed look-up from ``address``; False once it is past the limit. If the
        storage cannot be reached the look-up is let through (and logged): losing the
        throttle for a while is better than turning every rater away."""
        try:
            return self.strategy.hit(self.item, NAMESPACE, address)
        except StorageError as exc:
            log.warning("link throttle storage unavailable (%s); not throttling",
                        type(exc.storage_error).__name__)
            return True

    def retry_after(self, address: str) -> int:
        """Whole seconds until the address's window ends (at least 1)."""
        try:
            reset = self.strategy.get_window_stats(self.item, NAMESPACE, address).reset_time
        except StorageError:
            return self.item.get_expiry()
        return max(1, math.ceil(reset - time.time()))
