"""Is the database this code's schema? Asked when a command failed on the database, so the
person reads what to do (`feedback360 db upgrade`, or DATABASE_URL) instead of a traceback."""

from __future__ import annotations

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from service.migrations.cli import MIGRATIONS_DIR

UPGRADE = "run `feedback360 db upgrade`"


def schema_problem(engine: Engine) -> str | None:
    """One line saying why this database cannot serve this code, or None when it is at head."""
    where = engine.url.render_as_string(hide_password=True)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        return (f"cannot open the database {where} ({reason}); check DATABASE_URL, or "
                f"{UPGRADE} to create it")
    scripts = ScriptDirectory(str(MIGRATIONS_DIR))
    heads = set(scripts.get_heads())
    if current is None:
        return (f"the database {where} has not been set up: {UPGRADE} (or set DATABASE_URL "
                "to the service's database)")
    if current in heads:
        return None
    try:
        scripts.get_revision(current)
    except CommandError:
        return (f"the database {where} is at revision {current}, which this version of "
                "feedback360 does not know (a newer version migrated it); run that version")
    return (f"the database {where} is at revision {current}, behind this version's "
            f"{', '.join(sorted(heads))}: {UPGRADE}")
