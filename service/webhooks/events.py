"""The one way an event becomes webhook deliveries: `emit`, called by the operation that
makes the change, inside its transaction, so nothing is sent unless the change commits.

A payload carries the event's id (the same on every attempt and for every endpoint, for the
receiver's idempotency), its type, its time and ids only: never a score, a comment or
anything about raters (docs/integration.md, "Webhooks")."""

from __future__ import annotations

import uuid
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session, SessionTransaction

from service.db import after_commit, db, utcnow
from service.outbox.models import OutboxStatus
from service.webhooks.models import WebhookDelivery, WebhookEndpoint

#: The catalogue: each event, what it means (the page and `--help` list them) and its ids.
EVENTS: dict[str, Any] = {
    "cycle.launched": _l("a cycle was launched and its invitations queued"),
    "cycle.closed": _l("a cycle closed and its reports are being prepared"),
    "report.released": _l("a leader's report version was released to them"),
    "report.shared": _l("a leader shared their report with the appraisal integration"),
    "action_plan.updated": _l("a leader saved a change to their action plan"),
}
IDS: dict[str, tuple[str, ...]] = {
    "cycle.launched": ("cycle_id",),
    "cycle.closed": ("cycle_id",),
    "report.released": ("cycle_id", "subject_id", "leader_id", "report_version"),
    "report.shared": ("cycle_id", "subject_id", "leader_id"),
    "action_plan.updated": ("cycle_id", "subject_id", "leader_id", "report_version",
                            "plan_revision"),
}


def emit(event_type: str, **ids: int) -> int:
    """Write one delivery per enabled endpoint that asked for ``event_type``, in the caller's
    transaction; the worker is woken after the commit. Returns the number written."""
    if event_type not in EVENTS:
        raise ValueError(f"unknown webhook event {event_type!r}")
    if set(ids) != set(IDS[event_type]) or not all(
            isinstance(value, int) and not isinstance(value, bool) for value in ids.values()):
        raise ValueError(f"{event_type} carries the ids {', '.join(IDS[event_type])}, "
                         f"all integers")
    endpoints = [endpoint_id for endpoint_id, events in _enabled_endpoints()
                 if event_type in events]
    if not endpoints:
        return 0
    now = utcnow()
    event_id = str(uuid.uuid4())
    payload = {"id": event_id, "type": event_type,
               "created_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
               "data": {name: ids[name] for name in IDS[event_type]}}
    db.session.execute(insert(WebhookDelivery), [
        {"endpoint_id": endpoint_id, "event_id": event_id, "event_type": event_type,
         "payload": payload, "status": OutboxStatus.PENDING, "attempts": 0,
         "created_at": now, "next_attempt_at": now} for endpoint_id in endpoints])
    wake_after_commit()
    return len(endpoints)


_ENDPOINTS = "webhook_endpoints"


def _enabled_endpoints() -> list[tuple[int, list[str]]]:
    """Read once per transaction: a release of 2,000 reports emits 2,000 events, and asking
    the table each time was 2,000 queries. An endpoint registered by another transaction
    meanwhile receives events from the next transaction on."""
    cached = db.session.info.get(_ENDPOINTS)
    if cached is None:
        cached = db.session.info[_ENDPOINTS] = [
            (endpoint_id, list(events)) for endpoint_id, events in db.session.execute(
                select(WebhookEndpoint.id, WebhookEndpoint.events)
                .where(WebhookEndpoint.disabled_at.is_(None)))]
    return cached


def forget_endpoints() -> None:
    """Called by whatever adds, enables or disables an endpoint in this transaction."""
    db.session.info.pop(_ENDPOINTS, None)


@event.listens_for(Session, "after_transaction_end")
def _forget_at_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_ENDPOINTS, None)


def wake_after_commit() -> None:
    from service.tasks.jobs import wake_webhooks

    after_commit(wake_webhooks, key="wake-webhooks")
