"""Relay due webhook deliveries (a worker task, and `feedback360 webhook deliver`).

Each delivery is claimed with a lease as the outbox's emails are (`claim_due`), its address
checked again (DNS can change since registration), signed and POSTed, and its outcome
committed before the next: a crash repeats at most the one in flight, which the receiver
recognises by its event id. A 2xx ends it; anything else is tried again after 30 s, 1, 2, 4 …
minutes (at most an hour apart), until WEBHOOKS_MAX_ATTEMPTS attempts have failed."""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass

from flask import current_app

from integrations.appraisal import webhooks as http
from service.db import db, utcnow
from service.errors import DomainError
from service.outbox.models import OutboxStatus
from service.outbox.operations import claim_due
from service.sealing import InvalidToken, unseal
from service.webhooks.models import WebhookDelivery
from service.webhooks.urls import check_url

#: few per batch: each may wait WEBHOOKS_TIMEOUT twice, and the batch must end inside the
#: claim's lease (service/outbox/operations.py, LEASE)
BATCH_SIZE = 20
BACKOFF_BASE = dt.timedelta(seconds=30)
BACKOFF_CAP = dt.timedelta(hours=1)


@dataclass
class DeliveryCounts:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0

    def __str__(self) -> str:
        return (f"sent {self.sent}, will retry {self.retrying}, failed {self.failed}, "
                f"skipped {self.skipped}")

    @property
    def handled(self) -> int:
        return self.sent + self.retrying + self.failed + self.skipped


def body_of(delivery: WebhookDelivery) -> bytes:
    """The exact bytes sent and signed: the stored payload as compact JSON."""
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()


def deliver_due(batch_size: int = BATCH_SIZE) -> DeliveryCounts:
    """Send one batch of due deliveries; owns its commits (it runs after the cause's)."""
    counts = DeliveryCounts()
    for delivery in claim_due(batch_size, WebhookDelivery):
        deliver_one(delivery, counts)
        db.session.commit()
    return counts


def deliver_until_done(budget: float = 50) -> int:
    """Batches until nothing is due or the budget (seconds) is spent; returns deliveries sent."""
    started, sent = time.monotonic(), 0
    while time.monotonic() - started < budget:
        counts = deliver_due()
        sent += counts.sent
        if not counts.handled:
            break
    return sent


def deliver_one(delivery: WebhookDelivery, counts: DeliveryCounts) -> None:
    endpoint = delivery.endpoint
    if endpoint.disabled_at is not None:
        delivery.status, delivery.last_error = OutboxStatus.SKIPPED, "the endpoint is disabled"
        counts.skipped += 1
        return
    delivery.attempts += 1
    delivery.last_attempt_at = utcnow()
    try:
        target = check_url(endpoint.url)
        secret = unseal(endpoint.sealed_secret)
    except DomainError as exc:  # the name now points somewhere it must not go
        _retry_later(delivery, None, f"refused before sending: {exc}", counts)
        return
    except InvalidToken:
        _fail(delivery, None, "cannot unseal the signing secret: SECRET_KEY changed since the "
                              "endpoint was registered; register it again", counts)
        return
    body = body_of(delivery)
    timestamp = int(time.time())
    answer = http.post(
        scheme=target.scheme, host=target.host, addresses=target.addresses, port=target.port,
        target=target.target, body=body, timeout=current_app.config["WEBHOOKS_TIMEOUT"],
        headers={http.EVENT_ID_HEADER: delivery.event_id,
                 http.EVENT_TYPE_HEADER: delivery.event_type,
                 http.TIMESTAMP_HEADER: str(timestamp),
                 http.SIGNATURE_HEADER: http.signature(secret, timestamp, body)})
    if answer.ok:
        delivery.status, delivery.sent_at = OutboxStatus.SENT, utcnow()
        delivery.last_status, delivery.last_error = answer.status, None
        counts.sent += 1
        return
    _retry_later(delivery, answer.status, answer.error or "no answer", counts)


def _retry_later(delivery: WebhookDelivery, status: int | None, reason: str,
                 counts: DeliveryCounts) -> None:
    if delivery.attempts >= current_app.config["WEBHOOKS_MAX_ATTEMPTS"]:
        _fail(delivery, status, f"gave up after {delivery.attempts} attempts: {reason}", counts)
        return
    delivery.last_status, delivery.last_error = status, reason
    delivery.next_attempt_at = utcnow() + min(BACKOFF_CAP,
                                              BACKOFF_BASE * 2 ** (delivery.attempts - 1))
    counts.retrying += 1


def _fail(delivery: WebhookDelivery, status: int | None, reason: str,
          counts: DeliveryCounts) -> None:
    delivery.status = OutboxStatus.FAILED
    delivery.last_status, delivery.last_error = status, reason
    counts.failed += 1
