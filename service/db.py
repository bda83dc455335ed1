"""One SQLAlchemy 2 base with a naming convention, so Alembic names every constraint the same way
on SQLite and PostgreSQL, and the unit of work.

Views, CLI commands and tasks own the commit; operations only flush. What must happen only once
a change is committed (waking the mail relay, queuing reports, erasing old row versions) is
registered with `after_commit` while the work is done, runs after the session's next successful
commit, and is dropped if the transaction rolls back: no caller has to remember it."""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import enum
import json
import logging
import os
import select as selectors
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, Table, any_, event, func, insert, literal, literal_column, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, SessionTransaction
from sqlalchemy.pool import Pool

from service.config import make_private_dir

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})

#: Seconds after which a pooled connection is replaced at its next checkout, so that one a
#: firewall or NAT has silently forgotten (no goodbye from the server to notice, see
#: `_drop_closed_connections`) is not used. Far below the usual idle limits of an hour or more.
POOL_RECYCLE = 1800
ENGINE_OPTIONS: dict[str, Any] = {"pool_recycle": POOL_RECYCLE}


def after_commit(callback: Callable[[], Any], key: str | None = None) -> None:
    """Run ``callback`` after the current transaction commits; forget it on rollback. A
    ``key`` registers it once per transaction (a later registration with the key replaces it)."""
    pending = db.session.info.setdefault(_AFTER_COMMIT, {})
    pending[key if key is not None else object()] = callback


def cancel_after_commit(key: str) -> None:
    """Drop a registered callback (e.g. reports rendered here rather than by the worker)."""
    db.session.info.get(_AFTER_COMMIT, {}).pop(key, None)


_AFTER_COMMIT = "after_commit"


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    for callback in session.info.pop(_AFTER_COMMIT, {}).values():
        try:
            callback()
        except Exception as exc:  # the commit stands; each callback says what it could not do
            step = getattr(callback, "func", callback)
            log.warning("after-commit step %s failed: %s", getattr(step, "__name__", "?"),
                        exc.__class__.__name__)


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


@event.listens_for(Session, "after_transaction_end")
def _drop_unfinished(session: Session, transaction: SessionTransaction) -> None:
    """A session closed without committing takes its registrations with it."""
    if transaction.parent is None and not transaction.nested and \
            session.info.get(_AFTER_COMMIT) and not session.in_transaction():
        session.info.pop(_AFTER_COMMIT, None)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def enum_values(enum_cls: type[enum.Enum]) -> list[str]:
    """Store an enum's values (not names) so the database reads as the docs do."""
    return [member.value for member in enum_cls]


def write_many(table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert many rows in the session's transaction: COPY on PostgreSQL with psycopg (the
    least work per row for client and server, streamed while the rows are still being made;
    several times faster than INSERT for 100,000 rows), one executemany INSERT elsewhere."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        quote = connection.dialect.identifier_preparer.quote
        statement = (f"COPY {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
                     "FROM STDIN")
        with connection.connection.driver_connection.cursor() as cursor, \
                cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    else:
        connection.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])


def among(column: Any, values: Sequence[Any]) -> Any:
    """`column IN values` for a list of any length, as one parameter: an array on PostgreSQL, a
    JSON array on SQLite (a hundred thousand bound parameters would not do)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(literal(list(values), ARRAY(column.type)))
    return column.in_(select(literal_column("value")).select_from(
        func.json_each(literal(json.dumps(list(values))))))


@event.listens_for(Pool, "checkout")
def _drop_closed_connections(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """PostgreSQL: replace a pooled connection the server has closed (a restart, a failover,
    an idle timeout, pg_terminate_backend) before it is used, for the price of one poll() of
    its socket instead of pool_pre_ping's round trip on every checkout. An idle connection
    has nothing to read, so a readable socket means the server's goodbye or EOF; SQLAlchemy
    then opens a new connection. A connection lost without a goodbye (a firewall dropping it)
    is caught by POOL_RECYCLE, and one lost mid-request fails that request and is discarded
    with every older connection of the pool."""
    pgconn = getattr(dbapi_connection, "pgconn", None)
    if pgconn is None:  # SQLite
        return
    if dbapi_connection.broken or dbapi_connection.closed:
        raise DisconnectionError("the connection is closed")
    poller = selectors.poll()
    poller.register(pgconn.socket, selectors.POLLIN | selectors.POLLERR | selectors.POLLHUP)
    if poller.poll(0):
        raise DisconnectionError("the server closed the connection")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """SQLite: enforce foreign keys, let readers run beside one writer, and overwrite deleted
    content with zeros (a wiped draft or a moved held answer must not stay readable in free
    space). How long a writer waits for the lock is the connection's busy timeout
    (service/db_limits.py engine_options). The file is remembered so it is checkpointed at
    exit. The file is made readable by the service's user only (its WAL and shared-memory
    files take its mode)."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        path = cursor.execute("PRAGMA database_list").fetchone()[2]
        if path and path not in _SQLITE_FILES:  # first sight in this process
            os.chmod(path, 0o600)  # before the WAL exists: it takes this mode
            if not _SQLITE_FILES:
                atexit.register(_checkpoint_at_exit)
            _SQLITE_FILES.add(path)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()


_SQLITE_FILES: set[str] = set()
# Tables whose history links people to what they did: erased after a close and a relay.
RESIDUE_TABLES = ("invitations", "held_responses", "responses", "outbox")


def erase_residue(engine: Engine) -> None:
    """Erase what the database keeps of rows that were changed or deleted, once a close or a
    relay committed: SQLite's WAL holds every earlier version of a page until a checkpoint
    copies the newest into the file and truncates it (secure_delete has zeroed the deleted
    content there); PostgreSQL's dead row versions stay readable until VACUUM. Runs outside
    the transaction; a failure is logged, never raised (the change is committed)."""
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            elif connection.dialect.name == "postgresql":
                connection.exec_driver_sql("VACUUM (SKIP_LOCKED) " + ", ".join(RESIDUE_TABLES))
    except Exception as exc:  # best effort: the commit before it stands
        log.warning("could not erase old row versions (%s); they go at the next close or "
                    "checkpoint", exc.__class__.__name__)


def _checkpoint_at_exit() -> None:
    """A stopped process leaves no WAL behind it (the last one to stop empties it)."""
    for path in _SQLITE_FILES:
        try:
            with contextlib.closing(sqlite3.connect(path, timeout=5)) as connection:
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            pass


def private_file(path: str | Path) -> None:
    """Create ``path`` readable by the service's user only, or make an existing one so: SQLite
    gives its WAL and shared-memory files the mode of the database file."""
    path = Path(path)
    make_private_dir(path.parent)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)
