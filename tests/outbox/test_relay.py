import asyncio
import re
import socket
from typing import Any

import pytest

from service.db import db
from service.nominations.models import Invitation
from service.outbox.models import OutboxMessage, OutboxStatus
from service.outbox.operations import relay_outbox
from service.outbox.rendering import long_date
from tests.factories import launched_cycle
from tests.smtp_server import ALLOWED_PORTS, Inbox, SMTPServer, free_port


@pytest.fixture
def smtp():
    with SMTPServer() as server:
        yield server


@pytest.fixture
def smtp_app(make_app, smtp):
    app = make_app(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port,
                   MAIL_FROM="od@test.example")
    with app.app_context():
        yield app


def test_invitations_arrive_over_smtp_with_a_working_link(smtp_app, smtp):
    cycle, tokens, people = launched_cycle()
    counts = relay_outbox()
    assert (counts.sent, counts.failed) == (9, 0)
    assert len(smtp.inbox.messages) == 9
    by_recipient = {m["To"]: m for m in smtp.inbox.messages}
    report = by_recipient[people["reports"][0].email]
    assert report["Subject"] == (
        "Please give feedback on Alex Leader's leadership by "
        + long_date(cycle.closes_on.isoformat(), "en"))
    text = report.get_body(("plain",)).get_content()
    html = report.get_body(("html",)).get_content()
    links = re.findall(r"http://feedback\.test/r/([A-Za-z0-9_-]{43})", text)
    assert len(links) == 1 and links[0] in tokens.values()
    assert links[0] in html
    assert "at least 3 people of that group" in " ".join(text.split())
    assert "self-assessment" in by_recipient[people["leader"].email]["Subject"]
    # The outbox never holds a link: the relay unseals it from the invitation when sending.
    for message in db.session.scalars(db.select(OutboxMessage)):
        assert message.sealed is None
        assert not any(token in str(message.context) for token in tokens.values())
    assert relay_outbox().sent == 0  # nothing sent twice


def test_welsh_speaker_gets_welsh_email(smtp_app, smtp):
    _, _, people = launched_cycle()
    rater = people["reports"][1]
    message = db.session.scalar(db.select(OutboxMessage).where(
        OutboxMessage.recipient == rater.email))
    message.language = "cy"
    db.session.commit()
    relay_outbox()
    received = next(m for m in smtp.inbox.messages if m["To"] == rater.email)
    assert received["Subject"].startswith("Rhowch adborth ar arweinyddiaeth Alex Leader")
    assert "Eich dolen bersonol" in received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    assert 'lang="cy"' in html and "Rhoi adborth" in html


def test_smtp_down_delays_mail_and_loses_nothing(make_app, smtp):
    app = make_app(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
    with app.app_context():
        launched_cycle()
        counts = relay_outbox()
        assert (counts.sent, counts.retrying) == (0, 9)
        pending = db.session.scalars(db.select(OutboxMessage)).all()
        assert {m.status for m in pending} == {OutboxStatus.PENDING}
        assert all("cannot reach SMTP server" in m.last_error for m in pending)
        assert all(i.sealed_token for i in db.session.scalars(db.select(Invitation)))
        # The server comes back and the retry time has come.
        app.config["SMTP_PORT"] = smtp.port
        for message in pending:
            message.next_attempt_at = message.created_at
        db.session.commit()
        assert relay_outbox().sent == 9
    assert sorted(m["To"] for m in smtp.inbox.messages) == sorted({m["To"] for m in
                                                                   smtp.inbox.messages})
    assert len(smtp.inbox.messages) == 9


def test_permanent_refusal_is_marked_undeliverable(smtp_app, smtp):
    _, _, people = launched_cycle()
    smtp.inbox.refuse[people["boss"].email] = "550 No such user here"
    counts = relay_outbox()
    assert (counts.sent, counts.failed) == (8, 1)
    failed = db.session.scalar(db.select(OutboxMessage).where(
        OutboxMessage.status == OutboxStatus.FAILED))
    assert failed.recipient == people["boss"].email
    assert failed.last_error == "550 No such user here"
    assert relay_outbox().sent == 0


def test_temporary_refusal_is_retried_later(smtp_app, smtp):
    _, _, people = launched_cycle()
    smtp.inbox.refuse[people["boss"].email] = "451 Try again later"
    counts = relay_outbox()
    assert (counts.sent, counts.retrying) == (8, 1)
    message = db.session.scalar(db.select(OutboxMessage).where(
        OutboxMessage.recipient == people["boss"].email))
    assert message.status == OutboxStatus.PENDING and message.attempts == 1
    assert message.next_attempt_at > message.created_at
    del smtp.inbox.refuse[people["boss"].email]
    message.next_attempt_at = message.created_at
    db.session.commit()
    assert relay_outbox().sent == 1
    assert [m["To"] for m in smtp.inbox.messages].count(people["boss"].email) == 1


def test_an_outage_does_not_use_up_attempts(make_app):
    app = make_app(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
    with app.app_context():
        launched_cycle()
        for _ in range(3):
            relay_outbox()
            for message in db.session.scalars(db.select(OutboxMessage)):
                message.next_attempt_at = message.created_at
            db.session.commit()
        rows = db.session.scalars(db.select(OutboxMessage)).all()
        assert {(m.status, m.attempts) for m in rows} == {(OutboxStatus.PENDING, 0)}
        assert all(i.sealed_token for i in db.session.scalars(db.select(Invitation)))


def test_two_relays_at_once_never_claim_the_same_message(app):
    from service.outbox.operations import claim_due

    launched_cycle()
    first = claim_due(500)
    second = claim_due(500)
    assert len(first) == 9
    assert second == []


def test_a_421_mid_batch_costs_only_the_message_in_flight_an_attempt(smtp_app, smtp):
    """The server closes the connection (421) at the second message: the relay reconnects for
    the rest of the batch instead of failing each against a dead connection."""
    _, _, people = launched_cycle()
    boss = people["boss"].email
    smtp.inbox.refuse[boss] = "421 4.3.2 Service shutting down"
    counts = relay_outbox()
    assert (counts.sent, counts.retrying, counts.failed) == (8, 1, 0)
    rows = {m.recipient: m for m in db.session.scalars(db.select(OutboxMessage))}
    assert rows[boss].status == OutboxStatus.PENDING and rows[boss].attempts == 1
    assert rows[boss].last_error == "421 4.3.2 Service shutting down"
    assert {m.status for r, m in rows.items() if r != boss} == {OutboxStatus.SENT}
    assert len(smtp.inbox.messages) == 8

    del smtp.inbox.refuse[boss]
    rows[boss].next_attempt_at = rows[boss].created_at
    db.session.commit()
    assert relay_outbox().sent == 1
    invited = {p.email for p in [people["leader"], people["boss"], *people["reports"],
                                 *people["peers"]]}
    assert sorted(m["To"] for m in smtp.inbox.messages) == sorted(invited)


def test_a_server_that_never_answers_is_an_outage_after_the_timeout(make_app):
    """Connection accepted, no greeting: SMTP_TIMEOUT ends the wait and no attempt is used."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        ALLOWED_PORTS.add(port)
        app = make_app(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=port,
                       SMTP_TIMEOUT=1)
        with app.app_context():
            launched_cycle()
            counts = relay_outbox()
            assert (counts.sent, counts.retrying) == (0, 9)
            rows = db.session.scalars(db.select(OutboxMessage)).all()
            assert {(m.status, m.attempts) for m in rows} == {(OutboxStatus.PENDING, 0)}
            assert all("cannot reach SMTP server" in m.last_error
                       and "timed out" in m.last_error for m in rows)


class StallingInbox(Inbox):
    """Never answers the DATA of one recipient's message, like a server that hangs."""

    def __init__(self, stall_for: str) -> None:
        super().__init__()
        self.stall_for = stall_for

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.stall_for in envelope.rcpt_tos:
            await asyncio.Event().wait()  # until the server stops
        return await super().handle_DATA(server, session, envelope)


def test_a_timeout_mid_batch_retries_that_message_and_sends_the_rest(make_app):
    with SMTPServer(StallingInbox("boss@test.example")) as smtp:
        app = make_app(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port,
                       SMTP_TIMEOUT=1)
        with app.app_context():
            launched_cycle()
            counts = relay_outbox()
            assert (counts.sent, counts.retrying) == (8, 1)
            stalled = db.session.scalar(db.select(OutboxMessage).where(
                OutboxMessage.recipient == "boss@test.example"))
            assert stalled.status == OutboxStatus.PENDING and stalled.attempts == 1
            assert stalled.last_error.startswith("connection lost")
        assert "boss@test.example" not in [m["To"] for m in smtp.inbox.messages]
        assert len(smtp.inbox.messages) == 8


def test_the_outbox_knows_message_kinds_only_through_what_domains_register(app):
    """No module of service/outbox imports a domain that writes messages: each kind's needs
    (a link read at send time, forgetting the recipient) come from its registration."""
    import ast
    from pathlib import Path

    import service.outbox

    for path in Path(service.outbox.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        imported = {node.module for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom) and node.module} | {
            alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
            for alias in node.names}
        assert not {m for m in imported if m.startswith(("service.nominations",
                                                          "service.reports",
                                                          "service.cycles"))}, path.name


def test_a_registered_kind_resolves_its_messages_when_their_turn_comes(app):
    from service.outbox import writer
    from service.outbox.kinds import MessageKind, Skip

    seen = []

    def resolve(batch):
        seen.extend(m.template for m in batch)
        return {m.id: Skip("the resolver says so") for m in batch}

    app.extensions["outbox_kinds"] = {**app.extensions["outbox_kinds"],
                                      "custom": MessageKind(resolve, forget_recipient=True)}
    writer.write([writer.message("custom", "someone@test.example", "en", {"x": 1})])
    db.session.commit()
    counts = relay_outbox()
    row = db.session.scalar(db.select(OutboxMessage))
    assert seen == ["custom"] and counts.sent == 0
    assert (row.status, row.last_error, row.recipient) == (
        OutboxStatus.SKIPPED, "the resolver says so", "")
