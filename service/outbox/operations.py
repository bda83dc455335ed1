"""Relay the outbox after commit: rows written in their cause's transaction
(service/outbox/writer.py), each kind's secrets resolved when its turn comes by what its domain
registered (service/outbox/kinds.py), sent over one connection per batch."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from integrations.mail.sender import (
    ConnectionLost,
    FileSender,
    PermanentFailure,
    Sender,
    SMTPSender,
    TemporaryFailure,
    build_message,
    sender_domain,
)
from service.db import db, erase_residue, utcnow
from service.outbox.kinds import Fail, MessageKind, Resolution, Skip
from service.outbox.models import OutboxMessage, OutboxStatus
from service.outbox.rendering import render_email
from service.sealing import InvalidToken, unseal

MAX_ATTEMPTS = 12  # refusals of one message (4xx): 1, 2, 4 … 60 minutes apart, about 8 hours
BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_CAP = dt.timedelta(hours=1)
# A relay owns the rows it claimed for this long; a crashed relay's rows are retried after it.
LEASE = dt.timedelta(minutes=10)
# While the SMTP server cannot be reached, retry this soon: an outage is not the message's fault.
OUTAGE_RETRY = dt.timedelta(minutes=1)


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
    forgotten: int = 0  # rows that no longer name their recipient

    def __str__(self) -> str:
        return f"sent {self.sent}, will retry {self.retrying}, failed {self.failed}"


class Pacer:
    """Keeps a relay under MAIL_RATE_PER_MINUTE (0: no limit), however fast the server is."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = 60.0 / per_minute if per_minute > 0 else 0.0
        self.clock, self.sleep = clock, sleep
        self.next_at: float | None = None

    def wait(self) -> None:
        if not self.interval:
            return
        now = self.clock()
        if self.next_at is not None and now < self.next_at:
            self.sleep(self.next_at - now)
            now = self.next_at
        self.next_at = now + self.interval


def relay_outbox(batch_size: int = 500, pacer: Pacer | None = None, erase: bool = True
                 ) -> RelayCounts:
    """Send due messages over one connection, committing after each so a crash repeats at most
    the one message in flight. A connection lost mid-batch costs the message in flight one
    attempt (it may be the cause) and the rest a new connection, not an attempt each.
    This function owns its commits: it runs after the cause committed. With ``erase`` the old
    versions of rows that forgot their recipient are erased at the end (a caller relaying many
    batches passes False and erases once)."""
    counts = RelayCounts()
    due = claim_due(batch_size)
    if not due:
        return counts
    pacer = pacer or Pacer(current_app.config["MAIL_RATE_PER_MINUTE"])
    resolved = _resolve(due)
    done = 0
    try:
        while done < len(due):  # each connection sends at least the message it was opened for
            with open_sender() as sender:
                for message in due[done:]:
                    pacer.wait()
                    lost = _deliver(sender, message, resolved.get(message.id, {}), counts)
                    db.session.commit()
                    done += 1
                    if lost:
                        break
    except TemporaryFailure as exc:  # the server is unreachable: wait, without using up attempts
        for message in due[done:]:
            message.last_error = str(exc)
            message.next_attempt_at = utcnow() + OUTAGE_RETRY
            counts.retrying += 1
        db.session.commit()
    if counts.forgotten and erase:  # the old versions of those rows still name them
        erase_residue(db.engine)
    return counts


def _kinds() -> dict[str, MessageKind]:
    return current_app.extensions.get("outbox_kinds", {})


def _resolve(messages: list[OutboxMessage]) -> dict[int, Resolution]:
    """Ask each kind's resolver, once per batch, for what its messages need now (a link)."""
    by_template: dict[str, list[OutboxMessage]] = {}
    for message in messages:
        by_template.setdefault(message.template, []).append(message)
    resolved: dict[int, Resolution] = {}
    for template, batch in by_template.items():
        kind = _kinds().get(template)
        if kind is not None and kind.resolve is not None:
            resolved.update(kind.resolve(batch))
    return resolved


def claim_due(batch_size: int, model: type[Any] = OutboxMessage) -> list[Any]:
    """Take a lease on due rows, so two relays running at once never send the same message.
    ``model`` is any outbox-shaped table (id, status, next_attempt_at): the webhook
    deliveries are claimed the same way."""
    now = utcnow()
    lease_until = now + LEASE
    candidates = db.session.execute(
        select(model.id, model.next_attempt_at)
        .where(model.status == OutboxStatus.PENDING, model.next_attempt_at <= now)
        .order_by(model.id).limit(batch_size)
    ).all()
    claimed = []
    for row_id, seen_at in candidates:
        result = db.session.execute(
            update(model)
            .where(model.id == row_id, model.status == OutboxStatus.PENDING,
                   model.next_attempt_at == seen_at)
            .values(next_attempt_at=lease_until)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            claimed.append(row_id)
    db.session.commit()
    if not claimed:
        return []
    return list(db.session.scalars(
        select(model).where(model.id.in_(claimed)).order_by(model.id)
        .execution_options(populate_existing=True)))


def _deliver(sender: Sender, message: OutboxMessage, resolution: Resolution,
             counts: RelayCounts) -> bool:
    """Send one message and record the outcome on its row; True when the connection broke."""
    if isinstance(resolution, Skip):
        _skip(message, resolution.reason, counts)
        return False
    if isinstance(resolution, Fail):
        _fail(message, resolution.reason, counts)
        return False
    try:
        secret = {**(json.loads(unseal(message.sealed)) if message.sealed else {}),
                  **resolution}
    except InvalidToken:
        _fail(message, "cannot unseal: SECRET_KEY changed since it was queued; reissue it", counts)
        return False
    try:
        subject, text, html = render_email(message.template, message.language,
                                           {**message.context, **secret})
        email = build_message(current_app.config["MAIL_FROM"], message.recipient, subject, text,
                              html, message_id=message_id(message))
    except Exception as exc:  # a broken template must not hold up the messages behind it
        _retry_later(message, f"cannot render {message.template!r}: {exc.__class__.__name__}",
                     counts)
        return False
    try:
        sender.send(email)
    except PermanentFailure as exc:
        _fail(message, str(exc), counts)
        return False
    except ConnectionLost as exc:
        _retry_later(message, str(exc), counts)
        return True
    except TemporaryFailure as exc:
        _retry_later(message, str(exc), counts)
        return False
    message.status = OutboxStatus.SENT
    message.sent_at = utcnow()
    message.sealed = None
    message.attempts += 1
    counts.sent += 1
    _forget_recipient(message, counts)
    return False


def message_id(message: OutboxMessage) -> str:
    """The same Message-ID on every attempt, so a message sent twice (a relay that crashed
    between the server's acceptance and its commit) is recognisable as one; in the sender's
    domain, as mail servers and spam filters expect. Keyed with SECRET_KEY: it shows neither
    the row nor how many messages went before it, and differs between installations.
    (``email.utils.make_msgid`` makes a new id on every call, so it serves only messages sent
    outside the outbox.)"""
    config = current_app.config
    digest = hmac.new(config["SECRET_KEY"].encode(),
                      f"message-id:{message.id}:{message.created_at.isoformat()}".encode(),
                      hashlib.sha256).hexdigest()[:32]
    return f"<{digest}@{sender_domain(config['MAIL_FROM'])}>"


def _skip(message: OutboxMessage, reason: str, counts: RelayCounts) -> None:
    message.status = OutboxStatus.SKIPPED
    message.last_error = reason
    message.sealed = None
    _forget_recipient(message, counts)


def _forget_recipient(message: OutboxMessage, counts: RelayCounts) -> None:
    kind = _kinds().get(message.template)
    if kind is not None and kind.forget_recipient:
        message.recipient, message.context, message.invitation_id = "", {}, None
        counts.forgotten += 1


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
