"""The nightly clean-up forgets API answers and finished webhook deliveries past their days,
and nothing else."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from service.api.models import ApiKey, IdempotentAnswer
from service.audit.operations import Actor, acting_as
from service.db import db, utcnow
from service.outbox.models import OutboxStatus
from service.tasks.jobs import forget_old
from service.webhooks import endpoints
from service.webhooks.events import emit
from service.webhooks.models import WebhookDelivery


def test_old_answers_and_finished_deliveries_are_forgotten(make_app):
    app = make_app(WEBHOOKS_ALLOW_PRIVATE=True, IDEMPOTENCY_DAYS=7, WEBHOOK_DELIVERY_DAYS=30)
    with app.app_context(), acting_as(Actor("test admin")):
        now = utcnow()
        key = ApiKey(name="ESR", prefix="f360_abcd", key_hash="0" * 64, scopes=["cycles:write"],
                     created_by="test admin")
        db.session.add(key)
        db.session.flush()
        for days, name in ((8, "old"), (6, "recent")):
            db.session.add(IdempotentAnswer(api_key_id=key.id, key=name, fingerprint="f" * 64,
                                            status=201, body="{}",
                                            created_at=now - dt.timedelta(days=days)))
        endpoints.create_endpoint("http://127.0.0.1:9/hooks", "Receiver", ["cycle.closed"])
        for cycle_id in range(1, 5):
            emit("cycle.closed", cycle_id=cycle_id)
        db.session.flush()
        ages = {1: (31, OutboxStatus.SENT), 2: (31, OutboxStatus.FAILED),
                3: (31, OutboxStatus.PENDING), 4: (29, OutboxStatus.SENT)}
        for delivery in db.session.scalars(select(WebhookDelivery)):
            days, delivery.status = ages[delivery.payload["data"]["cycle_id"]]
            delivery.created_at = now - dt.timedelta(days=days)
        db.session.commit()

        assert forget_old() == 3
        assert db.session.scalars(select(IdempotentAnswer.key)).all() == ["recent"]
        kept = {d.payload["data"]["cycle_id"] for d in db.session.scalars(
            select(WebhookDelivery))}
        assert kept == {3, 4}  # a pending one is never forgotten, however old
        assert forget_old() == 0


def test_the_clean_up_runs_nightly(app):
    periodic = {task.name: task for task in app.extensions["huey"]._registry.periodic_tasks}
    night = dt.datetime(2026, 11, 23, 3, 40)
    assert periodic["forget_old"].validate_datetime(night)
    assert not periodic["forget_old"].validate_datetime(night.replace(hour=4))
