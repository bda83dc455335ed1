"""The facilitated feedback session: that it took place, when, and the facilitator's notes.

One row per leader per cycle (per subject). The notes are for the facilitator and the leader
only, and are sealed at rest (service/sealing.py): a database dump or an HR report query does
not show what was said in the conversation."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.cycles.models import Subject
from service.db import db, utcnow
from service.people.models import Person


class FeedbackSession(db.Model):
    __tablename__ = "feedback_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The leader in one cycle; recording the session again updates this row.
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"),
                                            unique=True)
    #: The day the session took place (a day, never a time: nothing finer is needed).
    held_on: Mapped[dt.date]
    #: The facilitator's private notes, sealed (None: no notes).
    sealed_notes: Mapped[str | None] = mapped_column(Text)
    #: Who recorded it (the facilitator assigned at the time).
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    subject: Mapped[Subject] = relationship()
    recorded_by: Mapped[Person | None] = relationship()
