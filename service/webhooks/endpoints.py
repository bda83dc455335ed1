"""Register, list, disable and enable webhook endpoints; list deliveries and send one again.
Operations flush and audit; the caller commits.

An endpoint's signing secret is shown once, when it is made, and kept sealed so the worker
can sign with it (service/sealing.py); lists show only its first characters."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from service.audit.operations import current_actor, record
from service.db import db, utcnow
from service.errors import DomainError, InvalidInput, NotFound
from service.outbox.models import OutboxStatus
from service.sealing import seal
from service.webhooks.events import EVENTS, forget_endpoints, wake_after_commit
from service.webhooks.models import WebhookDelivery, WebhookEndpoint
from service.webhooks.urls import check_url

SECRET_PREFIX = "whsec_"  # noqa: S105 (a label, not a secret)
SECRET_BYTES = 32
MAX_DESCRIPTION = 200
#: the deliveries page and `webhook deliveries` show at most this many, newest first
DELIVERY_LIST_LIMIT = 200


@dataclass(frozen=True)
class NewEndpoint:
    endpoint: WebhookEndpoint
    secret: str  #: the signing secret: shown once


def check_description(description: str) -> str:
    description = " ".join(description.split())
    if not description or len(description) > MAX_DESCRIPTION:
        raise InvalidInput(_l("describe the receiver in 1 to %(max)d characters, such as "
                              "'ESR appraisal'", max=MAX_DESCRIPTION))
    return description


def check_events(events: list[str]) -> list[str]:
    if not events or set(events) - set(EVENTS):
        raise InvalidInput(_l("choose one or more events from: %(events)s",
                              events=", ".join(EVENTS)))
    return sorted(set(events), key=list(EVENTS).index)


def create_endpoint(url: str, description: str, events: list[str]) -> NewEndpoint:
    """A new endpoint, its address checked against the policy (service/webhooks/urls.py)."""
    check_url(url)
    description, events = check_description(description), check_events(events)
    secret = SECRET_PREFIX + secrets.token_urlsafe(SECRET_BYTES)
    endpoint = WebhookEndpoint(url=url.strip(), description=description, events=events,
                               sealed_secret=seal(secret), secret_prefix=secret[:10],
                               created_by=current_actor().label, created_at=utcnow())
    db.session.add(endpoint)
    db.session.flush()
    forget_endpoints()
    record("webhook.create", "webhook_endpoint", endpoint.id,
           f"registered webhook endpoint '{description}' at {endpoint.url} for "
           f"{', '.join(events)}")
    return NewEndpoint(endpoint, secret)


def list_endpoints() -> list[WebhookEndpoint]:
    return list(db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def get_endpoint(endpoint_id: int) -> WebhookEndpoint:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id) if 0 < endpoint_id < 2**31 else None
    if endpoint is None:
        raise NotFound(_l("no webhook endpoint with id %(id)s; `feedback360 webhook list` "
                          "shows them", id=endpoint_id))
    return endpoint


def disable_endpoint(endpoint: WebhookEndpoint) -> None:
    """No new deliveries; those waiting are skipped when their turn comes."""
    if endpoint.disabled_at is not None:
        raise DomainError(_l("the endpoint '%(name)s' is already disabled",
                             name=endpoint.description))
    endpoint.disabled_at = utcnow()
    db.session.flush()
    forget_endpoints()
    record("webhook.disable", "webhook_endpoint", endpoint.id,
           f"disabled webhook endpoint '{endpoint.description}'")


def enable_endpoint(endpoint: WebhookEndpoint) -> None:
    if endpoint.disabled_at is None:
        raise DomainError(_l("the endpoint '%(name)s' is already enabled",
                             name=endpoint.description))
    check_url(endpoint.url)
    endpoint.disabled_at = None
    db.session.flush()
    forget_endpoints()
    record("webhook.enable", "webhook_endpoint", endpoint.id,
           f"enabled webhook endpoint '{endpoint.description}'")


def list_deliveries(endpoint_id: int | None = None, status: OutboxStatus | None = None,
                    limit: int = DELIVERY_LIST_LIMIT) -> list[WebhookDelivery]:
    query = select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(limit)
    if endpoint_id is not None:
        query = query.where(WebhookDelivery.endpoint_id == endpoint_id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    return list(db.session.scalars(query))


def get_delivery(delivery_id: int) -> WebhookDelivery:
    delivery = db.session.get(WebhookDelivery, delivery_id) if 0 < delivery_id < 2**31 else None
    if delivery is None:
        raise NotFound(_l("no webhook delivery with id %(id)s; `feedback360 webhook "
                          "deliveries` shows them", id=delivery_id))
    return delivery


def resend(delivery: WebhookDelivery) -> None:
    """Send a delivery again, as soon as the worker can: the same event id and payload, so a
    receiver that already has it can tell; attempts start again from none."""
    if delivery.status == OutboxStatus.PENDING:
        raise DomainError(_l("delivery %(id)s is already waiting to be sent", id=delivery.id))
    if delivery.endpoint.disabled_at is not None:
        raise DomainError(_l("the endpoint '%(name)s' is disabled; enable it first",
                             name=delivery.endpoint.description))
    delivery.status, delivery.attempts = OutboxStatus.PENDING, 0
    delivery.next_attempt_at, delivery.sent_at = utcnow(), None
    db.session.flush()
    record("webhook.resend", "webhook_delivery", delivery.id,
           f"delivery {delivery.id} of {delivery.event_type} ({delivery.event_id}) to "
           f"'{delivery.endpoint.description}' queued again")
    wake_after_commit()
