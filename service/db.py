"""One SQLAlchemy 2 base with a naming convention, so Alembic names every constraint the same way
on SQLite and PostgreSQL. Views, CLI commands and tasks own the commit; operations only flush."""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Iterable, Sequence
from typing import Any

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, Table, any_, event, func, insert, literal, literal_column, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

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


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """SQLite: enforce foreign keys, let readers run beside one writer. How long a writer waits
    for the lock is the connection's busy timeout (service/db_limits.py engine_options)."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
