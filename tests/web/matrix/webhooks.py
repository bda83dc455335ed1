"""The admins' webhook pages: endpoints (register, disable) and deliveries (send again)."""

from __future__ import annotations

from service.db import db, utcnow
from service.outbox.models import OutboxStatus
from service.webhooks.endpoints import create_endpoint
from service.webhooks.models import WebhookDelivery
from tests.web.matrix import Route, World, admin_only

PUBLIC_URL = "https://93.184.216.34/hooks"  # a literal public address: no DNS look-up


def prepare(world: World) -> None:
    endpoint = create_endpoint(PUBLIC_URL, "Matrix receiver", ["cycle.launched"]).endpoint
    delivery = WebhookDelivery(endpoint_id=endpoint.id, event_id="0" * 36,
                               event_type="cycle.launched", payload={}, attempts=8,
                               status=OutboxStatus.FAILED, last_error="HTTP 500",
                               created_at=utcnow(), next_attempt_at=utcnow())
    db.session.add(delivery)
    db.session.flush()
    world.extra["webhook_endpoint_id"] = endpoint.id
    world.extra["webhook_delivery_id"] = delivery.id


ROUTES = [
    Route("webhooks.page", "GET", lambda w: "/staff/webhooks", admin_only()),
    Route("webhooks.create", "POST", lambda w: "/staff/webhooks", admin_only(200),
          data=lambda w: {"url": PUBLIC_URL, "description": f"receiver {w.extra['asking']}",
                          "events": "cycle.closed"}),
    Route("webhooks.change", "POST",
          lambda w: f"/staff/webhooks/{w.extra['webhook_endpoint_id']}/disable",
          admin_only(302)),
    Route("webhooks.deliveries", "GET", lambda w: "/staff/webhooks/deliveries", admin_only()),
    Route("webhooks.resend", "POST",
          lambda w: f"/staff/webhooks/deliveries/{w.extra['webhook_delivery_id']}/resend",
          admin_only(302)),
]
