"""Who is asked about whom, and the personal link they answer through.

An invitation keeps only whether it was answered, never what was answered or when."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.cycles.models import Subject
from service.db import db, enum_values, utcnow
from service.people.models import Person


class RaterGroup(enum.Enum):
    SELF = "self"
    MANAGER = "manager"
    PEER = "peer"
    DIRECT_REPORT = "direct_report"
    OTHER = "other"


class InvitationStatus(enum.Enum):
    PENDING = "pending"
    SUBMITTED = "submitted"
    DECLINED = "declined"


class Nomination(db.Model):
    __tablename__ = "nominations"
    __table_args__ = (UniqueConstraint("subject_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"),
                                            index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    group: Mapped[RaterGroup] = mapped_column(
        Enum(RaterGroup, name="rater_group", values_callable=enum_values, native_enum=False,
             length=20)
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    subject: Mapped[Subject] = relationship()
    person: Mapped[Person] = relationship()
    invitation: Mapped[Invitation | None] = relationship(back_populates="nomination",
                                                         uselist=False)


class Invitation(db.Model):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(
        ForeignKey("nominations.id", ondelete="CASCADE"), unique=True
    )
    # SHA-256 of the token, for look-ups.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The token sealed with AES-GCM (key from SECRET_KEY) while the invitation is pending, so
    # reminders and resends carry the same link; wiped on submit, decline and close.
    sealed_token: Mapped[str | None] = mapped_column(Text)
    status: Mapped[InvitationStatus] = mapped_column(
        Enum(InvitationStatus, name="invitation_status", values_callable=enum_values,
             native_enum=False, length=20),
        default=InvitationStatus.PENDING,
    )
    #: Saved-but-unsubmitted answers, sealed with a key derived from the rater's own link and
    #: padded to a fixed size (service/responses/sealing.py); SQL NULL once submitted, declined
    #: or closed.
    draft: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    nomination: Mapped[Nomination] = relationship(back_populates="invitation")
