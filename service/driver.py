"""Statements run on the database driver's own connection, for the path that must be fastest.

A rater's page makes one or two statements. Through SQLAlchemy's session each cost about 0.4 ms
of Python around the driver's 0.1 ms (checking a connection out into a session transaction,
switching it to autocommit and back, building the execution context and result), more than the
database spends answering. Here a statement is compiled by SQLAlchemy once per dialect, with its
types' bind and result conversions (enums, dates, JSON, UUIDs as each database stores them), and
then run on the DBAPI connection directly, still under the answer guard (service/db_limits.py)
and with driver errors raised as SQLAlchemy's, so outages are answered 503 like anywhere else.

Within a request that opened one (`open_for_request`), statements run on a connection of the
pool: on PostgreSQL in autocommit (a read is one round trip; a write that must be atomic is one
statement), on SQLite in the driver's transaction, committed by `commit`. Anywhere else (the
demo, commands, tests that share their session with a test client) they run on the session's
connection, inside its transaction, and the session's commit is theirs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flask import g, has_request_context
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement

from service.db import db
from service.db_limits import answer_guard

_REQUIRED = object()


class DriverStatement:
    """A Core statement, compiled once per dialect, with its parameters' and columns' types."""

    __slots__ = ("_compiled", "statement")

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def compiled(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = _Compiled(self.statement, dialect)
        return compiled


class _Compiled:
    __slots__ = ("binds", "positional", "results", "sql")

    def __init__(self, statement: Any, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql: str = compiled.string
        self.positional: Sequence[str] | None = compiled.positiontup
        # (name in the SQL, conversion, fixed value: a literal compared against, or _REQUIRED)
        self.binds: list[tuple[str, Callable[[Any], Any] | None, Any]] = [
            (name, bind.type.dialect_impl(dialect).bind_processor(dialect),
             _REQUIRED if bind.required else bind.effective_value)
            for bind, name in compiled.bind_names.items()]
        columns = statement.exported_columns  # a SELECT's, or what a write RETURNs
        self.results: list[Callable[[Any], Any] | None] = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in columns]

    def parameters(self, values: Mapping[str, Any]) -> Any:
        processed = {}
        for name, process, fixed in self.binds:
            value = values[name] if fixed is _REQUIRED else fixed
            processed[name] = process(value) if process is not None else value
        if self.positional is not None:
            return tuple(processed[name] for name in self.positional)
        return processed

    def row(self, raw: Sequence[Any] | None) -> tuple[Any, ...] | None:
        if raw is None:
            return None
        return tuple(value if process is None or value is None else process(value)
                     for value, process in zip(raw, self.results, strict=False))


class DriverConnection:
    """One DBAPI connection and how to run `DriverStatement`s on it."""

    def __init__(self, dbapi_connection: Any, dialect: Dialect,
                 release: Callable[[], None] | None = None,
                 invalidate: Callable[[BaseException], None] | None = None) -> None:
        self.dbapi_connection = dbapi_connection
        self.dialect = dialect
        self._guard = answer_guard(dialect)
        self._release = release
        self._invalidate = invalidate

    @property
    def owned(self) -> bool:
        """Whether this connection is the request's own (else it is the session's)."""
        return self._release is not None

    def run(self, statement: DriverStatement, **values: Any) -> DriverResult:
        compiled = statement.compiled(self.dialect)
        parameters = compiled.parameters(values)
        cursor = self.dbapi_connection.cursor()
        try:
            if self._guard is not None:
                self._guard.call(self.dbapi_connection, cursor.execute, compiled.sql, parameters)
            else:
                cursor.execute(compiled.sql, parameters)
            # (not cursor.description: psycopg builds a column object per column for it)
            row = compiled.row(cursor.fetchone()) if compiled.results else None
            return DriverResult(cursor.rowcount, row)
        except self.dialect.loaded_dbapi.Error as error:
            raise self._translated(error, compiled.sql, parameters, cursor) from error
        finally:
            cursor.close()

    def commit(self) -> None:
        """Commit what this request wrote: the driver's transaction on SQLite (PostgreSQL's
        statements committed themselves), or the session's when the statements ran in it."""
        if not self.owned:
            db.session.commit()
            return
        try:
            self.dbapi_connection.commit()
        except self.dialect.loaded_dbapi.Error as error:
            raise self._translated(error, "COMMIT", (), None) from error

    def rollback(self) -> None:
        if not self.owned:
            db.session.rollback()
            return
        with contextlib.suppress(self.dialect.loaded_dbapi.Error):
            self.dbapi_connection.rollback()  # if it fails, release() discards the connection

    def release(self) -> None:
        if self._release is not None:
            self._release()
            self._release = None

    def _translated(self, error: BaseException, sql: str, parameters: Any,
                    cursor: Any) -> sa_exc.DBAPIError:
        """SQLAlchemy's error for a driver's, as a statement through the session would have
        raised, with a lost connection thrown out of the pool."""
        lost = self.dialect.is_disconnect(error, self.dbapi_connection, cursor)
        if lost and self._invalidate is not None:
            self._invalidate(error)
        return _sqlalchemy_error(error, self.dialect, lost, sql, parameters)


def _sqlalchemy_error(error: BaseException, dialect: Dialect, lost: bool, sql: str | None = None,
                      parameters: Any = None) -> sa_exc.DBAPIError:
    """The error SQLAlchemy raises for a driver's (parameters never shown): what the app's
    outage handler knows as a 503."""
    translated = sa_exc.DBAPIError.instance(
        sql, parameters, error, dialect.loaded_dbapi.Error, hide_parameters=True,
        connection_invalidated=lost, dialect=dialect)
    assert isinstance(translated, sa_exc.DBAPIError)
    return translated


class DriverResult:
    __slots__ = ("row", "rowcount")

    def __init__(self, rowcount: int, row: tuple[Any, ...] | None) -> None:
        self.rowcount = rowcount
        self.row = row


def open_for_request() -> None:
    """Before a request of the fast path: a connection of the pool of its own, unless the
    session is already in a transaction (a test sharing it with its client), whose work the
    request must see and join."""
    # Asked without making a session: on the rater's path nothing else would have made one.
    registry = db.session.registry
    if registry.has() and registry().in_transaction():
        return
    dialect = db.engine.dialect
    try:
        fairy = db.engine.raw_connection()
    except dialect.loaded_dbapi.Error as error:  # as the session would say it: a 503
        raise _sqlalchemy_error(error, dialect, dialect.is_disconnect(error, None, None)
                                ) from error
    dbapi_connection = fairy.driver_connection
    postgres = dialect.name == "postgresql"
    if postgres:
        dbapi_connection.autocommit = True

    def release() -> None:
        if fairy.is_valid:
            try:
                if postgres:
                    dbapi_connection.autocommit = False
                else:
                    dbapi_connection.rollback()  # nothing uncommitted goes back to the pool
            except dialect.loaded_dbapi.Error as error:
                fairy.invalidate(error)
        fairy.close()

    g.driver_connection = DriverConnection(dbapi_connection, dialect, release, fairy.invalidate)


def close_for_request(_error: BaseException | None = None) -> None:
    connection: DriverConnection | None = g.pop("driver_connection", None)
    if connection is not None:
        connection.release()


def connection() -> DriverConnection:
    """The request's own connection if it opened one, else the session's."""
    if has_request_context():
        own: DriverConnection | None = g.get("driver_connection")
        if own is not None:
            return own
    fairy = db.session.connection().connection
    return DriverConnection(fairy.driver_connection, db.engine.dialect)
