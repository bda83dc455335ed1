"""Shared behaviour of CLI commands: one commit on success, one readable line on failure."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click
from alembic.util import CommandError

from integrations.ldap.client import DirectoryError
from integrations.ldap.settings import DirectoryConfigError
from service.audit.operations import acting_as, command_line_actor
from service.db import db
from service.errors import DomainError
from service.people.operations import PeopleImportError
from service.reports.pdf import ReportRenderError
from service.rubrics.loader import RubricError

F = TypeVar("F", bound=Callable[..., Any])
READABLE_ERRORS = (DomainError, RubricError, PeopleImportError, ReportRenderError, CommandError,
                   DirectoryError, DirectoryConfigError, OSError)


def transactional(func: F) -> F:
    """Commit once when the command succeeds; roll back and exit 1 with the message otherwise."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with acting_as(command_line_actor()):
                result = func(*args, **kwargs)
            db.session.commit()  # then what the work registered runs (service/db.py)
            return result
        except READABLE_ERRORS as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from None
        except BaseException:
            db.session.rollback()
            raise

    return wrapper  # type: ignore[return-value]
