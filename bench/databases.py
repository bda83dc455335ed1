"""What every bench needs from PostgreSQL: its database, created when missing, with an empty
schema, so a bench runs from a clean clone against a server that has only `postgres`."""

from __future__ import annotations

from sqlalchemy import create_engine, make_url, text


def reset_postgres(url: str) -> None:
    """Create the database named in ``url`` if it does not exist (connecting to the server's
    `postgres` database to do it), then drop and recreate its schema public."""
    target = make_url(url)
    if not target.database:
        raise SystemExit(f"the PostgreSQL URL names no database: {target!r}; add /NAME")
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                 {"name": target.database})
            if not exists:
                name = admin.dialect.identifier_preparer.quote(target.database)
                conn.execute(text(f"CREATE DATABASE {name}"))
    finally:
        admin.dispose()
    engine = create_engine(target)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
