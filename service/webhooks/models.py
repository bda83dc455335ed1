"""Webhook endpoints and their deliveries: one delivery row per endpoint and event, written
in the transaction of the change that causes it and relayed by the worker after commit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import db, enum_values, utcnow
from service.outbox.models import OutboxStatus


class WebhookEndpoint(db.Model):
    """A receiver's address and the events it asked for. Its signing secret is kept sealed
    (service/sealing.py): the service must read it to sign, so it cannot be a hash."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200))
    #: event types, in the catalogue's order (service/webhooks/events.py)
    events: Mapped[list[str]] = mapped_column(JSON)
    #: the signing secret, sealed with a key derived from SECRET_KEY
    sealed_secret: Mapped[str] = mapped_column(Text)
    #: the first characters of the secret, shown in lists so a receiver's copy can be matched
    secret_prefix: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    disabled_at: Mapped[dt.datetime | None]


class WebhookDelivery(db.Model):
    """One event for one endpoint. The payload holds ids only, never scores, comments or
    anything about raters; the event id is the same on every attempt and every endpoint."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_status_next_attempt_at", "status",
                            "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[str] = mapped_column(String(36), index=True)
    event_type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[OutboxStatus] = mapped_column(
        Enum(OutboxStatus, name="webhook_delivery_status", values_callable=enum_values,
             native_enum=False, length=20),
        default=OutboxStatus.PENDING,
    )
    attempts: Mapped[int] = mapped_column(default=0)
    #: the HTTP status of the last attempt (none when no answer came)
    last_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]

    endpoint: Mapped[WebhookEndpoint] = relationship()
