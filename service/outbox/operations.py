"""Relay the outbox after commit: rows written in their cause's transaction (see
service/nominations/invitations.py), sent over one connection per batch."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

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
)
from service.db import db, erase_residue, utcnow
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
# Messages to raters: once sent (or no longer needed) the row forgets whom it went to, so no
# list of who was reminded, thanked or sent a link after some moment outlives the sending (it
# would tell who answered late). Only failures keep their recipient, for HR to fix.
FORGET_RECIPIENT = frozenset({"invitation", "reminder", "cycle_closed"})


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


def relay_outbox(batch_size: int = 500, pacer: Pacer | None = None) -> RelayCounts:
    """Send due messages over one connection, committing after each so a crash repeats at most
    the one message in flight. A connection lost mid-batch costs the message in flight one
    attempt (it may be the cause) and the rest a new connection, not an attempt each.
    This function owns its commits: it runs after the cause committed."""
    counts = RelayCounts()
    due = claim_due(batch_size)
    if not due:
        return counts
    pacer = pacer or Pacer(current_app.config["MAIL_RATE_PER_MINUTE"])
    links = _pending_links(due)
    done = 0
    try:
        while done < len(due):  # each connection sends at least the message it was opened for
            with open_sender() as sender:
                for message in due[done:]:
                    pacer.wait()
                    lost = _deliver(sender, message, links, counts)
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
    if counts.forgotten:  # the old versions of those rows still name them
        erase_residue(db.engine)
    return counts


def _pending_links(messages: list[OutboxMessage]) -> dict[int, str | None]:
    """Invitation id -> its sealed token while still pending (None: answered, declined, closed).

    Read when the message's turn comes, so a reminder never goes to someone who has answered."""
    from service.nominations.invitations import LINK_TEMPLATES
    from service.nominations.models import Invitation, InvitationStatus

    ids = {m.invitation_id for m in messages if m.template in LINK_TEMPLATES and m.invitation_id}
    if not ids:
        return {}
    rows = db.session.execute(select(Invitation.id, Invitation.status, Invitation.sealed_token)
                              .where(Invitation.id.in_(ids)))
    return {invitation_id: sealed if status == InvitationStatus.PENDING else None
            for invitation_id, status, sealed in rows}


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


def _deliver(sender: Sender, message: OutboxMessage, links: dict[int, str | None],
             counts: RelayCounts) -> bool:
    """Send one message and record the outcome on its row; True when the connection broke."""
    try:
        secret = json.loads(unseal(message.sealed)) if message.sealed else {}
        if message.invitation_id in links:
            sealed_token = links[message.invitation_id]
            if sealed_token is None:
                _skip(message, "not needed any more: the rater answered or declined, or the "
                      "cycle closed", counts)
                return False
            secret["link"] = f"{current_app.config['BASE_URL']}/r/{unseal(sealed_token)}"
    except InvalidToken:
        _fail(message, "cannot unseal: SECRET_KEY changed since it was queued; reissue it", counts)
        return False
    try:
        subject, text, html = render_email(message.template, message.language,
                                           {**message.context, **secret})
        email = build_message(current_app.config["MAIL_FROM"], message.recipient, subject, text,
                              html, message_id=f"<outbox-{message.id}@feedback360>")
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


def _skip(message: OutboxMessage, reason: str, counts: RelayCounts) -> None:
    message.status = OutboxStatus.SKIPPED
    message.last_error = reason
    message.sealed = None
    _forget_recipient(message, counts)


def _forget_recipient(message: OutboxMessage, counts: RelayCounts) -> None:
    if message.template in FORGET_RECIPIENT:
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
