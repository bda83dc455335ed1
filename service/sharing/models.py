"""One row per share of a leader's report (the subject: one leader in one cycle).

A withdrawn share is kept with its `withdrawn_at`, so the leader's page can show every share
and withdrawal; an active share is one with `withdrawn_at` NULL. Sharing again after a
withdrawal is a new row."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.cycles.models import Subject
from service.db import db, enum_values, utcnow
from service.people.models import Person


class ShareRole(enum.Enum):
    FACILITATOR = "facilitator"
    APPRAISER = "appraiser"
    MENTOR = "mentor"


class ReportShare(db.Model):
    __tablename__ = "report_shares"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"),
                                            index=True)
    #: who may read the report's released versions while the share is active
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    role: Mapped[ShareRole] = mapped_column(
        Enum(ShareRole, name="share_role", values_callable=enum_values, native_enum=False,
             length=20))
    shared_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[dt.datetime | None]
    #: who shared (the leader; None if made from the command line)
    shared_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    subject: Mapped[Subject] = relationship()
    person: Mapped[Person] = relationship(foreign_keys=[person_id])

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None
