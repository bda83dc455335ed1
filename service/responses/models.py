"""Answers without their raters.

A *response* holds cycle, subject, rater group, answers and comments, and nothing that leads
back to the rater: no rater id, no token, no date, a random key. It is never written by the
rater's own request: submitting seals the answers into a *held response*, and the close of the
cycle moves held answers into ``responses`` together, shuffled (service/responses/holding.py),
so no transaction, row version or WAL frame pairs an invitation with the response it became."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, LargeBinary, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from service.db import db, enum_values
from service.nominations.models import RaterGroup


def _group_column() -> Any:
    return mapped_column(Enum(RaterGroup, name="rater_group", values_callable=enum_values,
                              native_enum=False, length=20))


class Response(db.Model):
    __tablename__ = "responses"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"),
                                            index=True)
    rater_group: Mapped[RaterGroup] = _group_column()
    #: Which of the cycle's own groups, when ``rater_group`` is CUSTOM (a group, never a person).
    custom_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("cycle_groups.id"))
    #: item_id -> rating (1..n) or null for "not observed"
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: question_id -> text
    comments: Mapped[dict[str, Any]] = mapped_column(JSON)


class HeldResponse(db.Model):
    """Submitted answers waiting to be moved into ``responses`` with others of their group.

    The row is written in the rater's transaction, so it is sealed (SECRET_KEY) and padded to
    the rubric's one fixed size: what it says is unreadable and its length says nothing."""

    __tablename__ = "held_responses"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"))
    rater_group: Mapped[RaterGroup] = _group_column()
    custom_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("cycle_groups.id"))
    #: answers and comments, packed, padded and sealed (service/responses/sealing.py)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
