"""One row per appraisal evidence pack a leader issued (service/evidence/operations.py).

The row keeps the record exactly as issued (so the PDF, the JSON and the digest printed on
them stay the same however often they are downloaded) and what is needed to verify it, never
the verification token itself: `token_hash` is its SHA-256, looked up by the public page, and
`token_nonce` is the random value the token is derived from with SECRET_KEY (an HMAC), so the
service can print the link again while a copy of the database alone cannot."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.cycles.models import Subject
from service.db import db, utcnow
from service.reports.models import Report

#: At most one current pack per leader and cycle, whatever two requests do at the same moment.
CURRENT = "withdrawn_at IS NULL"


class EvidencePack(db.Model):
    __tablename__ = "evidence_packs"
    __table_args__ = (Index("uq_evidence_packs_current", "subject_id", unique=True,
                            sqlite_where=text(CURRENT), postgresql_where=text(CURRENT)),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the leader in one cycle
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"),
                                            index=True)
    #: the released version of the report the pack records
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    #: the leader chose to include the section scores (shown groups only)
    include_scores: Mapped[bool] = mapped_column(default=False)
    #: the language of the record's texts and of the PDF (en, cy)
    language: Mapped[str] = mapped_column(String(8))
    #: the record as issued: the JSON document's `record`, hashed into `digest`
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: SHA-256 (hex) of the record as canonical JSON (service/evidence/record.py)
    digest: Mapped[str] = mapped_column(String(64))
    #: with SECRET_KEY, derives the verification token (HMAC-SHA256); useless alone
    token_nonce: Mapped[str] = mapped_column(String(64))
    #: SHA-256 (hex) of the verification token: the public page's only way in
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[dt.datetime | None]
    #: the leader (None if issued from the command line)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    subject: Mapped[Subject] = relationship()
    report: Mapped[Report] = relationship()

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None
