"""Write messages into the outbox inside the caller's transaction, and relay them after commit."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from sqlalchemy import select, update

from integrations.mail.sender import (
    FileSender,
    PermanentFailure,
    Sender,
    SMTPSender,
    TemporaryFailure,
    build_message,
)
from service.db import db, utcnow
from service.outbox.models import OutboxMessage, OutboxStatus
from service.outbox.rendering import render_email

MAX_ATTEMPTS = 12  # refusals of one message (4xx): 1, 2, 4 … 60 minutes apart, about 8 hours
BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_CAP = dt.timedelta(hours=1)
# A relay owns the rows it claimed for this long; a crashed relay's rows are retried after it.
LEASE = dt.timedelta(minutes=10)
# While the SMTP server cannot be reached, retry this soon: an outage is not the message's fault.
OUTAGE_RETRY = dt.timedelta(minutes=1)


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"outbox:" + current_app.config["SECRET_KEY"].encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def enqueue_email(template: str, recipient: str, language: str, context: dict[str, Any],
                  secret: dict[str, Any] | None = None, *, cycle_id: int | None = None,
                  invitation_id: int | None = None) -> OutboxMessage:
    """Secret values (personal links) are sealed so a database dump does not reveal them."""
    sealed = _fernet().encrypt(json.dumps(secret).encode()).decode() if secret else None
    message = OutboxMessage(
        template=template, recipient=recipient, language=language, context=context,
        sealed=sealed, cycle_id=cycle_id, invitation_id=invitation_id,
    )
    db.session.add(message)
    return message


def open_sender() -> Sender:
    config = current_app.config
    if config["MAIL_BACKEND"] == "file":
        return FileSender(config["MAIL_FILE_DIR"])
    return SMTPSender(config["SMTP_HOST"], config["SMTP_PORT"], config["SMTP_USER"],
                      config["SMTP_PASSWORD"], config["SMTP_STARTTLS"], config["SMTP_TIMEOUT"])


@dataclass
class RelayCounts:
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"sent {self.sent}, will retry {self.retrying}, failed {self.failed}"


def relay_outbox(batch_size: int = 500) -> RelayCounts:
    """Send due messages over one connection, committing after each so a crash repeats at most
    the one message in flight. This function owns its commits: it runs after the cause committed."""
    counts = RelayCounts()
    due = claim_due(batch_size)
    if not due:
        return counts
    done = 0
    try:
        with open_sender() as sender:
            for message in due:
                _deliver(sender, message, counts)
                db.session.commit()
                done += 1
    except TemporaryFailure as exc:  # the server is unreachable: wait, without using up attempts
        for message in due[done:]:
            message.last_error = str(exc)
            message.next_attempt_at = utcnow() + OUTAGE_RETRY
            counts.retrying += 1
        db.session.commit()
    return counts


def claim_due(batch_size: int) -> list[OutboxMessage]:
    """Take a lease on due rows, so two relays running at once never send the same message."""
    now = utcnow()
    lease_until = now + LEASE
    candidates = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.next_attempt_at)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id).limit(batch_size)
    ).all()
    claimed = []
    for message_id, seen_at in candidates:
        result = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.PENDING,
                   OutboxMessage.next_attempt_at == seen_at)
            .values(next_attempt_at=lease_until)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            claimed.append(message_id)
    db.session.commit()
    if not claimed:
        return []
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.id.in_(claimed)).order_by(OutboxMessage.id)
        .execution_options(populate_existing=True)))


def _deliver(sender: Sender, message: OutboxMessage, counts: RelayCounts) -> None:
    try:
        secret = (json.loads(_fernet().decrypt(message.sealed.encode()))
                  if message.sealed else {})
    except InvalidToken:
        _fail(message, "cannot unseal: SECRET_KEY changed since it was queued; reissue it", counts)
        return
    try:
        subject, text, html = render_email(message.template, message.language,
                                           {**message.context, **secret})
        email = build_message(current_app.config["MAIL_FROM"], message.recipient, subject, text,
                              html, message_id=f"<outbox-{message.id}@feedback360>")
    except Exception as exc:  # a broken template must not hold up the messages behind it
        _retry_later(message, f"cannot render {message.template!r}: {exc.__class__.__name__}",
                     counts)
        return
    try:
        sender.send(email)
    except PermanentFailure as exc:
        _fail(message, str(exc), counts)
        return
    except TemporaryFailure as exc:
        _retry_later(message, str(exc), counts)
        return
    message.status = OutboxStatus.SENT
    message.sent_at = utcnow()
    message.sealed = None
    message.attempts += 1
    counts.sent += 1


def _retry_later(message: OutboxMessage, reason: str, counts: RelayCounts) -> None:
    message.attempts += 1
    message.last_error = reason
    if message.attempts >= MAX_ATTEMPTS:
        _fail(message, f"gave up after {message.attempts} attempts: {reason}", counts)
        return
    message.next_attempt_at = utcnow() + min(BACKOFF_CAP,
                                             BACKOFF_BASE * 2 ** (message.attempts - 1))
    counts.retrying += 1


def _fail(message: OutboxMessage, reason: str, counts: RelayCounts) -> None:
    message.status = OutboxStatus.FAILED
    message.last_error = reason
    message.sealed = None
    counts.failed += 1
