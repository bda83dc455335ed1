"""`feedback360 webhook …`: register, list, disable and enable endpoints; list deliveries,
send one again, and deliver what is due now. A new endpoint's signing secret is printed once,
after the commit."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from service.cli_support import transactional
from service.outbox.models import OutboxStatus
from service.webhooks import endpoints
from service.webhooks.delivery import deliver_due
from service.webhooks.events import EVENTS

EVENT_HELP = "; ".join(f"{name}: {what}" for name, what in EVENTS.items())  # English


@click.group("webhook")
def webhook_cli() -> None:
    """Signed webhooks to appraisal systems and other receivers."""


@transactional
def _add(url: str, description: str, events: list[str]) -> tuple[int, str]:
    made = endpoints.create_endpoint(url, description, events)
    return made.endpoint.id, made.secret


@webhook_cli.command("add")
@click.option("--url", required=True, help="The receiver's https:// address.")
@click.option("--description", required=True, help="Which system receives, e.g. 'ESR appraisal'.")
@click.option("--event", "events", multiple=True, required=True, type=click.Choice(list(EVENTS)),
              help=f"An event to send (repeat for more). {EVENT_HELP}.")
@with_appcontext
def add_command(url: str, description: str, events: tuple[str, ...]) -> None:
    """Register an endpoint and print its signing secret once."""
    endpoint_id, secret = _add(url, description, list(events))
    click.echo(f"endpoint {endpoint_id}")
    click.echo(secret)
    click.echo("Give this signing secret to the receiver now: it cannot be shown again.",
               err=True)


@webhook_cli.command("list")
@with_appcontext
def list_command() -> None:
    """Every endpoint: id, state, description, address, events (never the secret)."""
    for endpoint in endpoints.list_endpoints():
        state = "disabled" if endpoint.disabled_at else "enabled"
        click.echo(f"{endpoint.id}\t{state}\t{endpoint.description}\t{endpoint.url}\t"
                   f"{' '.join(endpoint.events)}\t{endpoint.secret_prefix}…")


@webhook_cli.command("disable")
@click.argument("endpoint_id", type=int)
@with_appcontext
@transactional
def disable_command(endpoint_id: int) -> None:
    """Stop sending to an endpoint (deliveries waiting are skipped)."""
    endpoint = endpoints.get_endpoint(endpoint_id)
    endpoints.disable_endpoint(endpoint)
    click.echo(f"disabled {endpoint.description}")


@webhook_cli.command("enable")
@click.argument("endpoint_id", type=int)
@with_appcontext
@transactional
def enable_command(endpoint_id: int) -> None:
    """Send to a disabled endpoint again (its address is checked again)."""
    endpoint = endpoints.get_endpoint(endpoint_id)
    endpoints.enable_endpoint(endpoint)
    click.echo(f"enabled {endpoint.description}")


@webhook_cli.command("deliveries")
@click.option("--endpoint", "endpoint_id", type=int, default=None, help="Only this endpoint's.")
@click.option("--status", type=click.Choice([s.value for s in OutboxStatus]), default=None)
@with_appcontext
def deliveries_command(endpoint_id: int | None, status: str | None) -> None:
    """The latest deliveries: id, status, attempts, event, endpoint, last HTTP status, error."""
    rows = endpoints.list_deliveries(endpoint_id, OutboxStatus(status) if status else None)
    for d in rows:
        click.echo(f"{d.id}\t{d.status.value}\t{d.attempts}\t{d.event_type}\t{d.event_id}\t"
                   f"{d.endpoint_id}\t{d.last_status or '-'}\t{d.last_error or ''}")


@webhook_cli.command("resend")
@click.argument("delivery_id", type=int)
@with_appcontext
@transactional
def resend_command(delivery_id: int) -> None:
    """Send a delivery again (the same event id) as soon as the worker can."""
    delivery = endpoints.get_delivery(delivery_id)
    endpoints.resend(delivery)
    click.echo(f"delivery {delivery.id} queued again")


@webhook_cli.command("deliver")
@with_appcontext
def deliver_command() -> None:
    """Send the deliveries that are due now, without waiting for the worker."""
    click.echo(deliver_due())
