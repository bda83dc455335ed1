"""Deliveries to a real HTTP server on loopback: signed, verifiable, replay-proof, retried."""

from __future__ import annotations

import datetime as dt
import json
import time

from sqlalchemy import select, update

from service.cycles import operations as cycles
from service.db import db
from service.outbox.models import OutboxStatus
from service.webhooks import endpoints
from service.webhooks.delivery import deliver_due
from service.webhooks.events import emit
from service.webhooks.models import WebhookDelivery
from tests import factories
from tests.webhooks.receiver import receiver, verify


def _register(url, events=("cycle.launched", "cycle.closed")):
    made = endpoints.create_endpoint(url, "Test receiver", list(events))
    db.session.commit()
    return made


def _make_due():
    db.session.execute(update(WebhookDelivery).values(next_attempt_at=dt.datetime(2000, 1, 1)))
    db.session.commit()


def test_a_launch_is_delivered_signed_and_a_replay_is_refused(hooks_app):
    with receiver() as server:
        made = _register(server.url)
        cycle, _, _ = factories.launched_cycle()
        counts = deliver_due()
        assert counts.sent == 1
        [got] = server.received
        payload = json.loads(got.body)
        assert payload["type"] == "cycle.launched"
        assert payload["data"] == {"cycle_id": cycle.id}
        assert set(payload) == {"id", "type", "created_at", "data"}
        assert got.headers["X-Feedback360-Event-Id"] == payload["id"]
        assert got.headers["Content-Type"] == "application/json"
        assert verify(made.secret, got.headers, got.body)
        # a tampered body, another secret, or the same request replayed later: all refused
        assert not verify(made.secret, got.headers, got.body.replace(b"launched", b"closed"))
        assert not verify("whsec_other", got.headers, got.body)
        assert not verify(made.secret, got.headers, got.body, now=time.time() + 301)
        delivery = db.session.scalar(select(WebhookDelivery))
        assert delivery.status == OutboxStatus.SENT and delivery.last_status == 204
        assert delivery.attempts == 1


def test_a_failing_receiver_gets_the_same_event_again_after_backoff(hooks_app):
    with receiver(answers=[500, 503]) as server:
        _register(server.url)
        factories.launched_cycle()
        first = deliver_due()
        assert first.retrying == 1 and first.sent == 0
        delivery = db.session.scalar(select(WebhookDelivery))
        assert delivery.status == OutboxStatus.PENDING
        assert delivery.last_status == 500 and "HTTP 500" in delivery.last_error
        assert delivery.next_attempt_at > dt.datetime.now(dt.UTC).replace(tzinfo=None)
        assert deliver_due().handled == 0  # not due yet: backoff
        _make_due()
        assert deliver_due().retrying == 1
        _make_due()
        assert deliver_due().sent == 1
        ids = {json.loads(r.body)["id"] for r in server.received}
        assert len(server.received) == 3 and len(ids) == 1  # one event id on every attempt
        db.session.refresh(delivery)
        assert delivery.status == OutboxStatus.SENT and delivery.attempts == 3
        assert delivery.last_error is None


def test_attempts_are_capped(hooks_app):
    hooks_app.config["WEBHOOKS_MAX_ATTEMPTS"] = 2
    with receiver(answers=[500, 500]) as server:
        _register(server.url)
        factories.launched_cycle()
        deliver_due()
        _make_due()
        counts = deliver_due()
        assert counts.failed == 1
        delivery = db.session.scalar(select(WebhookDelivery))
        assert delivery.status == OutboxStatus.FAILED
        assert delivery.last_error.startswith("gave up after 2 attempts")
        # sent again by an admin: the same event, a fresh count of attempts, audited
        endpoints.resend(delivery)
        db.session.commit()
        assert deliver_due().sent == 1
        assert json.loads(server.received[-1].body)["id"] == delivery.event_id


def test_nothing_is_sent_unless_the_change_commits(hooks_app):
    with receiver() as server:
        _register(server.url)
        people = factories.team()
        cycle = factories.draft_cycle(people)
        db.session.commit()
        cycles.launch(cycle)
        db.session.rollback()
        assert db.session.scalar(select(WebhookDelivery)) is None
        assert deliver_due().handled == 0 and not server.received


def test_events_reach_only_endpoints_that_asked_and_are_enabled(hooks_app):
    with receiver() as server:
        launches = _register(server.url, ["cycle.launched"]).endpoint
        closes = _register(server.url, ["cycle.closed"]).endpoint
        off = _register(server.url, ["cycle.launched"]).endpoint
        endpoints.disable_endpoint(off)
        db.session.commit()
        assert emit("cycle.launched", cycle_id=7) == 1
        db.session.commit()
        [delivery] = db.session.scalars(select(WebhookDelivery)).all()
        assert delivery.endpoint_id == launches.id != closes.id


def test_a_disabled_endpoint_s_waiting_deliveries_are_skipped(hooks_app):
    with receiver() as server:
        endpoint = _register(server.url).endpoint
        emit("cycle.closed", cycle_id=3)
        endpoints.disable_endpoint(endpoint)
        db.session.commit()
        assert deliver_due().skipped == 1 and not server.received


def test_payloads_carry_ids_only():
    import pytest

    for bad in ({"cycle_id": "7"}, {"cycle_id": 7, "score": 3}, {}):
        with pytest.raises(ValueError):
            emit("cycle.launched", **bad)
    with pytest.raises(ValueError):
        emit("cycle.deleted", cycle_id=1)


def test_a_name_that_now_resolves_to_loopback_is_not_sent_to(make_app):
    """Registered while allowed; then the setting is off: the check before sending refuses."""
    app = make_app(WEBHOOKS_ALLOW_PRIVATE=True)
    with app.app_context(), receiver() as server:
        from service.audit.operations import Actor, acting_as

        with acting_as(Actor("test admin")):
            _register(server.url)
            emit("cycle.closed", cycle_id=3)
            db.session.commit()
        app.config["WEBHOOKS_ALLOW_PRIVATE"] = False
        assert deliver_due().retrying == 1 and not server.received
        delivery = db.session.scalar(select(WebhookDelivery))
        assert delivery.last_error.startswith("refused before sending")


def test_no_connection_a_redirect_and_tls_trouble_are_recorded_and_retried(hooks_app):
    import socket

    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with receiver(answers=[302]) as server:
        _register(f"http://127.0.0.1:{port}/hooks")
        _register(server.url)
        _register(server.url.replace("http://", "https://"))  # TLS to a plain-HTTP server
        emit("cycle.closed", cycle_id=9)
        db.session.commit()
        counts = deliver_due()
    assert counts.retrying == 3
    errors = [d.last_error for d in db.session.scalars(
        select(WebhookDelivery).order_by(WebhookDelivery.id))]
    assert errors[0] == "the connection was refused or could not be made"
    assert errors[1].startswith("HTTP 302: redirects are not followed")
    assert errors[2].startswith("TLS failed (WRONG_VERSION_NUMBER)")


def test_a_receiver_that_does_not_answer_in_time_is_retried(hooks_app):
    import threading

    hooks_app.config["WEBHOOKS_TIMEOUT"] = 1
    release = threading.Event()
    with receiver() as server:
        server.hold = release  # the handler waits on it before answering
        _register(server.url)
        emit("cycle.closed", cycle_id=9)
        db.session.commit()
        counts = deliver_due()
        release.set()
    assert counts.retrying == 1
    delivery = db.session.scalar(select(WebhookDelivery))
    assert delivery.last_error == "no answer within the time limit (WEBHOOKS_TIMEOUT)"
    assert delivery.last_status is None


def test_a_certificate_the_machine_does_not_trust_is_refused(hooks_app, tmp_path):
    """TLS is verified: a self-signed certificate, valid for the address, is not enough."""
    import ipaddress
    import ssl
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        _register(f"https://127.0.0.1:{server.server_address[1]}/hooks")
        emit("cycle.closed", cycle_id=9)
        db.session.commit()
        assert deliver_due().retrying == 1
    finally:
        server.shutdown()
        server.server_close()
    assert received == []
    delivery = db.session.scalar(select(WebhookDelivery))
    assert delivery.last_error.startswith("TLS failed (CERTIFICATE_VERIFY_FAILED)")


def test_the_next_checked_address_is_tried_when_one_takes_no_connection(hooks_app,
                                                                       monkeypatch):
    from service.webhooks import urls

    monkeypatch.setattr(urls, "resolve", lambda host, port: ["127.0.0.2", "127.0.0.1"])
    with receiver() as server:
        _register(f"http://receiver.test:{server.port}/hooks")
        emit("cycle.closed", cycle_id=9)
        db.session.commit()
        assert deliver_due().sent == 1
    [got] = server.received
    assert got.headers["Host"] == f"receiver.test:{server.port}"  # the name, not the address
