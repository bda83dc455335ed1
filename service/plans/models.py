"""A leader's action plan for one cycle's report: behaviours to focus on, actions, support
needed, a review date, and whether the leader consents to share it with appraisal.

The plan belongs to the leader and is read by whoever may open their released report
(service/access/reports.py). ``revision`` counts saves, so the PDF rendered with the plan
(``pdf``, made on the task queue) is served only while it shows the latest save."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, LargeBinary, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from service.cycles.models import Subject
from service.db import db, utcnow


class ActionPlan(db.Model):
    __tablename__ = "action_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"),
                                            unique=True)
    #: Rubric item ids the leader chose from their released report, in their order.
    focus: Mapped[list[str]] = mapped_column(JSON, default=list)
    actions: Mapped[str] = mapped_column(Text, default="")
    support: Mapped[str] = mapped_column(Text, default="")
    review_on: Mapped[dt.date | None]
    #: The leader agrees that the appraisal integration (next issue) may receive the plan.
    appraisal_consent: Mapped[bool] = mapped_column(default=False)
    #: One more on every save that changed something.
    revision: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    #: The released report with this plan appended, and the revision it shows.
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    pdf_revision: Mapped[int | None]
    #: The revision someone asked a PDF of (the task renders the latest revision anyway).
    pdf_requested: Mapped[int | None]

    subject: Mapped[Subject] = relationship()
