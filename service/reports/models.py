"""A leader's report, one row per version: the PDF, and which responses it was built from.

A version is never changed once rendered; a late response makes a new version (or waits, see
service/reports/versions.py). Storing the PDF in the database keeps it in the same backups and
transactions as everything else and lets any worker process serve it.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from service.cycles.models import Subject
from service.db import db, enum_values, utcnow


class ReportStatus(enum.Enum):
    QUEUED = "queued"  # waiting for a worker to render it
    READY = "ready"  # rendered; nobody has seen it yet
    FAILED = "failed"  # rendering failed; `error` says why, `report generate` tries again
    WITH_FACILITATOR = "with_facilitator"  # facilitated release: the facilitator has it
    RELEASED = "released"  # the leader has it
    SUPERSEDED = "superseded"  # an unreleased version replaced by a newer one before release

    @property
    def seen(self) -> bool:
        """A reader has it: later versions must not be subtractable from it."""
        return self in (ReportStatus.WITH_FACILITATOR, ReportStatus.RELEASED)


class Report(db.Model):
    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("subject_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"),
                                            index=True)
    version: Mapped[int]
    status: Mapped[ReportStatus] = mapped_column(
        Enum(ReportStatus, name="report_status", values_callable=enum_values, native_enum=False,
             length=20),
        default=ReportStatus.QUEUED,
    )
    # The responses this version counts (random ids, no rater), sorted; and how many later ones
    # were held back because adding them could be subtracted from a version a reader has.
    response_ids: Mapped[list[str]] = mapped_column(JSON)
    held_back: Mapped[int] = mapped_column(default=0)
    # The cohort's section averages when this version was prepared (None: fewer than 5 leaders).
    cohort: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    pages: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Who is responsible for a queued version, and since when: the task queue from the moment
    # it was queued (renderer None), then the render task that claimed it (a random id). A
    # version still queued REPORT_RENDER_LEASE after that was stranded (a worker killed, a
    # task lost) and the worker's recovery job queues it again (service/reports/operations.py).
    renderer: Mapped[str | None] = mapped_column(String(32))
    leased_at: Mapped[dt.datetime | None] = mapped_column(default=utcnow)
    rendered_at: Mapped[dt.datetime | None]
    facilitator_released_at: Mapped[dt.datetime | None]
    released_at: Mapped[dt.datetime | None]

    subject: Mapped[Subject] = relationship()
