"""The one way a message gets into the outbox: a row written in the transaction of the change
that causes it, with the relay woken once that transaction commits.

Domains say what to send (template, recipient, language, plain context) and never touch the
table or the relay themselves. Secrets (a personal link) are not written here at all: the
relay asks the message kind's resolver for them when the message's turn comes
(service/outbox/kinds.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, insert

from service.db import after_commit, db, utcnow
from service.outbox.models import OutboxMessage, OutboxStatus

#: The columns an INSERT … SELECT fills, in this order (see `write_selected`).
SELECTED_COLUMNS = ("kind", "template", "recipient", "language", "context", "cycle_id",
                    "invitation_id", "status", "attempts", "created_at", "next_attempt_at")


def message(template: str, recipient: str, language: str, context: dict[str, Any], *,
            cycle_id: int | None = None, invitation_id: int | None = None,
            now: dt.datetime | None = None) -> dict[str, Any]:
    """One email, as a row to write."""
    now = now or utcnow()
    return {"kind": "email", "template": template, "recipient": recipient,
            "language": language, "context": context, "sealed": None, "cycle_id": cycle_id,
            "invitation_id": invitation_id, "status": OutboxStatus.PENDING, "attempts": 0,
            "created_at": now, "next_attempt_at": now}


def write(messages: list[dict[str, Any]]) -> int:
    """Write messages made by `message` in the caller's transaction."""
    if messages:
        db.session.execute(insert(OutboxMessage), messages)
        _wake_relay_after_commit()
    return len(messages)


def write_selected(rows: Select[Any]) -> int:
    """Write one message per row of ``rows`` (columns as SELECTED_COLUMNS), built by the
    database in one INSERT … SELECT: a national cycle's hundred thousand invitations never pass
    through Python."""
    result = db.session.execute(insert(OutboxMessage.__table__).from_select(
        list(SELECTED_COLUMNS), rows).execution_options(preserve_rowcount=True))
    if result.rowcount:
        _wake_relay_after_commit()
    return result.rowcount


def _wake_relay_after_commit() -> None:
    from service.tasks.jobs import wake_relay

    after_commit(wake_relay, key="wake-relay")
