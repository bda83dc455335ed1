"""`feedback360 outbox relay|status`: send what is waiting, see what is stuck."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from service.db import db
from service.outbox.models import OutboxMessage
from service.outbox.operations import relay_outbox


@click.group("outbox")
def outbox_cli() -> None:
    """Outgoing email."""


@outbox_cli.command("relay")
@click.option("--batch-size", default=500, show_default=True)
@with_appcontext
def relay_command(batch_size: int) -> None:
    """Send pending messages that are due (MAIL_BACKEND decides how)."""
    click.echo(relay_outbox(batch_size))


@outbox_cli.command("status")
@with_appcontext
def status_command() -> None:
    """Count messages by status."""
    rows = db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    for status, count in rows:
        click.echo(f"{status.value}\t{count}")
