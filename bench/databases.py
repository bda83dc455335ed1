"""What every bench needs from PostgreSQL: its database, created when missing, with an empty
schema, so a bench runs from a clean clone against a server that has only `postgres`."""

from __future__ import annotations

import os
import platform
import tempfile
from pathlib import Path
from typing import Any

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


def bench_settings(name: str, database_url: str | None) -> dict[str, Any]:
    """The app settings every bench starts from: a fresh working folder, and the database (a
    SQLite file in it unless ``database_url`` names a PostgreSQL one, then reset). Prints the
    machine line each bench's figures begin with."""
    work = Path(tempfile.mkdtemp(prefix=f"feedback360-{name}-bench-"))
    url = database_url or f"sqlite:///{work / 'bench.sqlite'}"
    if database_url:
        reset_postgres(url)
    settings = {"DATABASE_URL": url, "INSTANCE_PATH": str(work / "instance"),
                "TASK_QUEUE_URL": f"sqlite:///{work / 'tasks.sqlite'}", "MAIL_BACKEND": "file",
                "SECRET_KEY": "bench-secret", "ORGANISATION_NAME": "Bench Valley NHS Trust"}
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.2f}, database {url.split(':')[0]}")
    return settings
