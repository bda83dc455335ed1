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


class IntegrationConsent(db.Model):
    """The leader's consent that the organisation's integration (appraisal systems reading the
    API, service/api/reports.py) may receive their released report's summary, and what more:
    the PDF, the comments. One row per consent given; a withdrawal keeps the row with its
    `withdrawn_at`, and a changed choice is a withdrawal and a new row, so the leader's page
    and the audit log show every choice. The action plan's part is the plan's own
    `appraisal_consent` (service/plans), one switch offered on both pages."""

    __tablename__ = "integration_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"),
                                            index=True)
    #: the whole report: every behaviour's scores and the comments (PDFs cannot leave parts out)
    include_pdf: Mapped[bool] = mapped_column(default=False)
    #: the raters' comments in the summary (never without the leader's choice)
    include_comments: Mapped[bool] = mapped_column(default=False)
    given_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[dt.datetime | None]
    #: the leader (None if given from the command line)
    given_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    subject: Mapped[Subject] = relationship()

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None
