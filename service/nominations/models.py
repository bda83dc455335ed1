"""Who is asked about whom, and the personal link they answer through.

An invitation keeps only whether it was answered, never what was answered or when."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.cycles.models import CycleGroup, Subject
from service.db import db, enum_values, utcnow
from service.people.models import Person


class RaterGroup(enum.Enum):
    SELF = "self"
    MANAGER = "manager"
    PEER = "peer"
    DIRECT_REPORT = "direct_report"
    OTHER = "other"
    CUSTOM = "custom"  # one of the cycle's own groups: ``custom_group_id`` says which


#: The groups every cycle has; the cycle's own (CUSTOM) are listed by the cycle.
BUILT_IN_GROUPS = tuple(group for group in RaterGroup if group is not RaterGroup.CUSTOM)


def group_key(group: RaterGroup, custom_group: CycleGroup | None) -> str:
    """The rater group as service/responses/results.py names it."""
    if group is RaterGroup.CUSTOM:
        if custom_group is None:
            raise ValueError("a custom-group rater needs the cycle's group")
        return custom_group.results_key
    return group.value


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
    #: Set exactly when ``group`` is CUSTOM.
    custom_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("cycle_groups.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    subject: Mapped[Subject] = relationship()
    person: Mapped[Person] = relationship()
    custom_group: Mapped[CycleGroup | None] = relationship()
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


class ListState(enum.Enum):
    """Where a leader's own list of raters stands (cycles where leaders nominate)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"  # waiting for the line manager's approval
    RETURNED = "returned"  # sent back by the manager with a note
    APPROVED = "approved"  # final: approved, or submitted where no approval is asked


class NominationList(db.Model):
    """The state of one leader's list in a cycle where leaders nominate; no row is a draft.
    The raters themselves are the leader's `Nomination` rows, as when HR nominates."""

    __tablename__ = "nomination_lists"

    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"),
                                            primary_key=True, autoincrement=False)
    state: Mapped[ListState] = mapped_column(
        Enum(ListState, name="list_state", values_callable=enum_values, native_enum=False,
             length=20),
        default=ListState.DRAFT,
    )
    #: The manager's last note to the leader (with a return, or an amended approval).
    note: Mapped[str | None] = mapped_column(Text)
    #: The manager added or removed raters since the list was submitted (a note is then owed).
    amended: Mapped[bool] = mapped_column(default=False)
    submitted_at: Mapped[dt.datetime | None]
    decided_at: Mapped[dt.datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    subject: Mapped[Subject] = relationship()
    decided_by: Mapped[Person | None] = relationship()
