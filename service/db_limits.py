"""Bounds on waiting for the database, and telling an outage from a bug.

A database that is down, locked or hung must cost a request a few seconds and a 503 ("nothing
was lost, try again in a minute"), never a hang for as long as the database takes, nor a 500.

* PostgreSQL gets `connect_timeout`, `statement_timeout` and `lock_timeout` on every connection.
  The last two are enforced by the server, so they do nothing when the server cannot answer at
  all (paused, stuck on its disk): the kernel still accepts the bytes, so no TCP timeout fires
  either. For that case `AnswerGuard` abandons a call that has had no answer for the statement
  timeout plus `GRACE` seconds by shutting its socket down, which makes psycopg raise at once
  and SQLAlchemy discard the connection.
* SQLite's busy timeout is the lock timeout.
"""

from __future__ import annotations

import functools
import heapq
import logging
import os
import socket
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy import make_url
from sqlalchemy.engine import Dialect, Engine

from service.db import ENGINE_OPTIONS

log = logging.getLogger(__name__)

#: Seconds past the server's own statement timeout before the client gives up on an answer:
#: a live server cancels the statement first and the connection stays usable.
GRACE = 2.0

# SQLite errors that mean "busy or unreachable, try again", not "the schema is wrong".
_SQLITE_OUTAGE = ("database is locked", "database table is locked", "unable to open",
                  "disk i/o error")


def timeouts(settings: Mapping[str, Any]) -> tuple[float, float]:
    """(statement, lock) timeouts in seconds: the web pages' own, or the commands' and the
    worker's (a 100,000-row launch or directory sync writes for seconds per statement)."""
    if settings.get("COMMAND_LINE"):
        return settings["COMMAND_STATEMENT_TIMEOUT"], settings["COMMAND_LOCK_TIMEOUT"]
    return settings["DATABASE_STATEMENT_TIMEOUT"], settings["DATABASE_LOCK_TIMEOUT"]


def engine_options(settings: Mapping[str, Any]) -> dict[str, Any]:
    """SQLAlchemy engine options that bound every wait on the database."""
    statement, lock = timeouts(settings)
    connect = settings["DATABASE_CONNECT_TIMEOUT"]
    backend = make_url(settings["DATABASE_URL"]).get_backend_name()
    # No pool_pre_ping (a round trip per checkout): see service/db.py _drop_closed_connections.
    options: dict[str, Any] = dict(ENGINE_OPTIONS)
    if backend == "sqlite":
        # sqlite3's `timeout` is its busy timeout; 0 would fail at once, so "no limit" is a day
        options["connect_args"] = {"timeout": lock or 86400.0}
    elif backend == "postgresql":
        server = [f"-c {name}={round(seconds * 1000)}" for name, seconds in
                  (("statement_timeout", statement), ("lock_timeout", lock)) if seconds]
        connect_args: dict[str, Any] = {}
        if connect:
            connect_args["connect_timeout"] = max(2, round(connect))  # libpq's minimum is 2
            options["pool_timeout"] = connect  # waiting for a free connection in the pool
        if server:
            connect_args["options"] = " ".join(server)
        options["connect_args"] = connect_args
    return options


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the database is down, hung, busy or locked (so trying again later
    will work) rather than that the code or the schema is wrong."""
    if isinstance(error, sa_exc.TimeoutError):  # no free connection in the pool in time
        return True
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    original = error.orig
    if isinstance(original, sqlite3.OperationalError):
        return str(original).lower().startswith(_SQLITE_OUTAGE)
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return False
    # psycopg's OperationalError covers refused and timed-out connections, a lost server,
    # statement and lock timeouts, deadlocks, too many connections and shutdowns.
    return isinstance(original, psycopg.OperationalError | psycopg.InterfaceError)


class AnswerGuard:
    """Abandons a PostgreSQL call that has had no answer for ``limit`` seconds, by shutting
    down its socket from a watchdog thread (one per guard and process, started on first use)."""

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self._reset()
        _guards.add(self)

    def _reset(self) -> None:
        """A fresh state: at creation, and in a forked child (no watchdog thread there, and
        the parent's lock may have been held at the fork)."""
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._calls: dict[int, tuple[float, int]] = {}  # id(connection) -> (deadline, fd)
        self._deadlines: list[tuple[float, int]] = []  # a heap; stale entries are skipped
        self._watching = False

    def call(self, connection: Any, func: Callable[..., Any], *args: Any, **kwargs: Any
             ) -> Any:
        """Run ``func(*args, **kwargs)``, a call on ``connection`` (psycopg), under the guard."""
        try:
            fd = connection.pgconn.socket
        except Exception:  # not connected: nothing to watch, let psycopg say what is wrong
            return func(*args, **kwargs)
        key = id(connection)
        deadline = time.monotonic() + self.limit
        with self._lock:
            if not self._watching:
                self._watching = True
                threading.Thread(target=self._watch, name="db-answer-guard", daemon=True).start()
            self._calls[key] = (deadline, fd)
            heapq.heappush(self._deadlines, (deadline, key))
            if len(self._deadlines) == 1:  # deadlines only grow: wake it only from idle
                self._wake.notify()
        try:
            return func(*args, **kwargs)
        finally:
            with self._lock:  # while the entry exists the fd is this call's, never reused
                self._calls.pop(key, None)

    def _watch(self) -> None:
        with self._lock:
            while True:
                now = time.monotonic()
                while self._deadlines and self._deadlines[0][0] <= now:
                    deadline, key = heapq.heappop(self._deadlines)
                    call = self._calls.get(key)
                    if call is not None and call[0] == deadline:
                        del self._calls[key]
                        _shut_down(call[1])
                        log.warning("the database gave no answer within %.0f s; the "
                                    "connection was abandoned", self.limit)
                # A sweep at most every half second: most entries are of calls long
                # answered, and waking for each of them would cost more than it saves.
                timeout = max(self._deadlines[0][0] - now, 0.5) if self._deadlines else None
                self._wake.wait(timeout)


_guards: weakref.WeakSet[AnswerGuard] = weakref.WeakSet()
_dialect_guards: weakref.WeakKeyDictionary[Dialect, AnswerGuard] = weakref.WeakKeyDictionary()


def answer_guard(dialect: Dialect) -> AnswerGuard | None:
    """The guard of this engine's dialect, for calls made on its connections past the dialect
    (service/driver.py); None when there is none (SQLite, commands)."""
    return _dialect_guards.get(dialect)


def _after_fork_in_child() -> None:
    for guard in list(_guards):
        guard._reset()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _shut_down(fd: int) -> None:
    """Shut the connection's socket down (not close it: psycopg still owns the descriptor);
    the blocked read then sees the end of the stream and fails."""
    try:
        duplicate = socket.socket(fileno=os.dup(fd))
    except OSError:
        return
    try:
        duplicate.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        duplicate.close()


def guard_answers(engine: Engine, limit: float) -> None:
    """Put every call this engine's dialect makes to a PostgreSQL server (statements, pings,
    commits, rollbacks) under an `AnswerGuard` of ``limit`` seconds."""
    if engine.dialect.name != "postgresql" or not limit:
        return
    guard = AnswerGuard(limit)
    dialect: Dialect = engine.dialect
    _dialect_guards[dialect] = guard

    def on_connection(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def guarded(dbapi_connection: Any, *args: Any, **kwargs: Any) -> Any:
            return guard.call(dbapi_connection, func, dbapi_connection, *args, **kwargs)
        return guarded

    def on_cursor(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def guarded(cursor: Any, *args: Any, **kwargs: Any) -> Any:
            return guard.call(cursor.connection, func, cursor, *args, **kwargs)
        return guarded

    # Instance attributes on this engine's own dialect object: the engine calls these for
    # every statement, pre-ping, commit and rollback, so nothing reaches the server unguarded
    # except COPY (service/db.py write_many), which only commands use.
    for name in ("do_ping", "do_commit", "do_rollback"):
        setattr(dialect, name, on_connection(getattr(dialect, name)))
    for name in ("do_execute", "do_executemany", "do_execute_no_params"):
        setattr(dialect, name, on_cursor(getattr(dialect, name)))
