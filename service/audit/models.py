"""The audit log: who did what to which object, when and from where. Append-only.

Rows keep plain ids and labels rather than foreign keys: the log must outlive what it names
(a cancelled cycle, a person who left). It never holds answers, and never a rater together with
a time (see docs/security.md: such a row would tell, after a re-open, who answered late)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.db import db, utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: who: a person's name and address, "command line (user)", or "the service" for its tasks
    actor: Mapped[str] = mapped_column(String(320))
    actor_person_id: Mapped[int | None]
    #: what, as `domain.verb` (cycle.launch, invitation.reissue…)
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    #: one line a person reads; names leaders and groups, never a rater
    summary: Mapped[str] = mapped_column(Text)
    #: the client's address for a web request, "local" for the command line
    address: Mapped[str | None] = mapped_column(String(64))
