"""`feedback360 db upgrade|downgrade|current|revision`: Alembic without an alembic.ini."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from alembic import command
from alembic.config import Config
from alembic.util import CommandError
from flask.cli import with_appcontext

from service.db import db

MIGRATIONS_DIR = Path(__file__).resolve().parent


def run_alembic(action: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run an Alembic command on the app's own engine, in one transaction."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        action(config, *args, **kwargs)


def upgrade(revision: str = "head") -> None:
    """Bring the schema to `revision`; used by the CLI, the demo and the tests."""
    run_alembic(command.upgrade, revision)


@click.group("db")
def db_cli() -> None:
    """Database schema (Alembic migrations)."""


@db_cli.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def upgrade_command(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    try:
        upgrade(revision)
    except CommandError as exc:
        raise click.ClickException(f"cannot upgrade to {revision!r}: {exc}") from None
    click.echo(f"database at {revision}")


@db_cli.command("downgrade")
@click.argument("revision")
@with_appcontext
def downgrade_command(revision: str) -> None:
    """Undo migrations down to REVISION."""
    run_alembic(command.downgrade, revision)


@db_cli.command("current")
@with_appcontext
def current_command() -> None:
    """Show the revision the database is at."""
    run_alembic(command.current)


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
@with_appcontext
def revision_command(message: str) -> None:
    """Write a new migration by comparing the models with the database (for developers)."""
    run_alembic(command.revision, message=message, autogenerate=True)
