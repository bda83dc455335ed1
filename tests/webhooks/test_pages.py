"""The admins' webhook pages: a secret shown once, errors by field, disable, send again."""

from __future__ import annotations

import re

from sqlalchemy import select

from service.audit.models import AuditEvent
from service.db import db, utcnow
from service.outbox.models import OutboxStatus
from service.sealing import unseal
from service.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.staff_fixtures import sign_in, token

PUBLIC_URL = "https://93.184.216.34/hooks/feedback360"


def _admin_client(staff_app, admin):
    client = staff_app.test_client()
    sign_in(client, admin.email)
    client.set_cookie("lang", "en")
    return client


def _register(client, **form):
    return client.post("/staff/webhooks", data={
        "csrf_token": token(client, "/staff/webhooks"), "url": PUBLIC_URL,
        "description": "ESR appraisal", "events": ["report.released", "cycle.closed"], **form})


def test_an_admin_registers_an_endpoint_and_sees_its_secret_once(staff_app, admin):
    client = _admin_client(staff_app, admin)
    page = _register(client)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    secret = re.search(r'id="new-secret">(whsec_[^<]+)<', html).group(1)
    endpoint = db.session.scalar(select(WebhookEndpoint))
    assert endpoint.events == ["cycle.closed", "report.released"]  # the catalogue's order
    assert secret not in endpoint.sealed_secret and unseal(endpoint.sealed_secret) == secret
    assert page.headers["Cache-Control"] == "no-store"
    again = client.get("/staff/webhooks").get_data(as_text=True)
    assert "ESR appraisal" in again and secret not in again and secret[:10] in again
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "webhook.create"))
    assert event.actor.startswith("Ada Admin") and secret not in event.summary


def test_refusals_are_named_by_field_and_nothing_is_made(staff_app, admin):
    client = _admin_client(staff_app, admin)
    page = _register(client, url="http://10.0.0.5/hooks", description="", events=[])
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "There is a problem" in html and "must start https://" in html
    assert "Choose at least one event" in html
    for field in ("#url", "#description", "#events"):
        assert f'href="{field}"' in html
    page = _register(client, url="https://10.0.0.5/hooks")
    assert page.status_code == 400
    assert "not on the internet (private)" in page.get_data(as_text=True)
    assert db.session.scalar(select(WebhookEndpoint)) is None


def test_an_admin_disables_an_endpoint(staff_app, admin):
    client = _admin_client(staff_app, admin)
    _register(client)
    endpoint = db.session.scalar(select(WebhookEndpoint))
    answer = client.post(f"/staff/webhooks/{endpoint.id}/disable",
                         data={"csrf_token": token(client, "/staff/webhooks")})
    assert answer.status_code == 302
    db.session.refresh(endpoint)
    assert endpoint.disabled_at is not None
    again = client.post(f"/staff/webhooks/{endpoint.id}/disable",
                        data={"csrf_token": token(client, "/staff/webhooks")})
    assert again.status_code == 409 and "already disabled" in again.get_data(as_text=True)
    assert client.post("/staff/webhooks/99/enable", data={
        "csrf_token": token(client, "/staff/webhooks")}).status_code == 404


def test_deliveries_show_their_status_and_are_sent_again(staff_app, admin):
    client = _admin_client(staff_app, admin)
    _register(client)
    endpoint = db.session.scalar(select(WebhookEndpoint))
    delivery = WebhookDelivery(endpoint_id=endpoint.id, event_id="e" * 36,
                               event_type="cycle.closed", payload={"id": "e" * 36},
                               status=OutboxStatus.FAILED, attempts=8, last_status=503,
                               last_error="gave up after 8 attempts: HTTP 503 from the receiver",
                               created_at=utcnow(), next_attempt_at=utcnow())
    db.session.add(delivery)
    db.session.commit()
    html = client.get("/staff/webhooks/deliveries").get_data(as_text=True)
    assert "gave up after 8 attempts: HTTP 503" in html and "Send again" in html
    answer = client.post(f"/staff/webhooks/deliveries/{delivery.id}/resend",
                         data={"csrf_token": token(client, "/staff/webhooks/deliveries")})
    assert answer.status_code == 302
    db.session.refresh(delivery)
    assert (delivery.status, delivery.attempts) == (OutboxStatus.PENDING, 0)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "webhook.resend"))
    assert event.actor.startswith("Ada Admin") and "e" * 36 in event.summary
    twice = client.post(f"/staff/webhooks/deliveries/{delivery.id}/resend",
                        data={"csrf_token": token(client, "/staff/webhooks/deliveries")})
    assert twice.status_code == 409


def test_the_pages_are_in_welsh(staff_app, admin):
    client = _admin_client(staff_app, admin)
    client.set_cookie("lang", "cy")
    for path in ("/staff/webhooks", "/staff/webhooks/deliveries"):
        html = client.get(path).get_data(as_text=True)
        assert 'lang="cy"' in html


def test_a_refusal_is_in_welsh_too(staff_app, admin):
    client = _admin_client(staff_app, admin)
    client.set_cookie("lang", "cy")
    page = _register(client, url="https://10.0.0.5/hooks")
    assert page.status_code == 400
    assert "nad yw ar y rhyngrwyd (preifat)" in page.get_data(as_text=True)
