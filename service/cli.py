"""The `feedback360` console script: Flask's CLI around create_app, with one-line errors."""

from __future__ import annotations

from typing import Any

import click
from flask.cli import FlaskGroup, ScriptInfo
from sqlalchemy.exc import DBAPIError

from service.app import create_app


def _create_app() -> object:
    try:
        # Commands and the worker write up to 100,000 rows a statement: their own database
        # timeouts (COMMAND_STATEMENT_TIMEOUT, COMMAND_LOCK_TIMEOUT), not the web pages'.
        return create_app({"COMMAND_LINE": True})
    except ValueError as exc:  # a malformed setting: say which, without a traceback
        raise click.ClickException(str(exc)) from None


class Feedback360Group(FlaskGroup):
    """A command that fails on the database because the database is not this code's schema
    (never set up, behind the migrations, the wrong DATABASE_URL) says so in one line."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DBAPIError:
            problem = _schema_problem(ctx)
            if problem is None:
                raise
            raise click.ClickException(problem) from None


def _schema_problem(ctx: click.Context) -> str | None:
    from service.db import db
    from service.migrations.state import schema_problem

    app = ctx.ensure_object(ScriptInfo).load_app()
    with app.app_context():
        db.session.remove()
        return schema_problem(db.engine)


@click.group(cls=Feedback360Group, create_app=_create_app, add_version_option=False,
             load_dotenv=False)
def main() -> None:
    """feedback360: 360-degree feedback on compassionate and inclusive leadership."""


if __name__ == "__main__":
    main()
