"""The `feedback360` console script: Flask's CLI around create_app, with one-line errors."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from service.app import create_app


def _create_app() -> object:
    try:
        # Commands and the worker write up to 100,000 rows a statement: their own database
        # timeouts (COMMAND_STATEMENT_TIMEOUT, COMMAND_LOCK_TIMEOUT), not the web pages'.
        return create_app({"COMMAND_LINE": True})
    except ValueError as exc:  # a malformed setting: say which, without a traceback
        raise click.ClickException(str(exc)) from None


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False, load_dotenv=False)
def main() -> None:
    """feedback360: 360-degree feedback on compassionate and inclusive leadership."""


if __name__ == "__main__":
    main()
