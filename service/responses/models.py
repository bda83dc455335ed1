"""A submitted response: cycle, subject, rater group and answers, and nothing that leads back to
the rater (no rater id, no token, no time finer than the day, a random key)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from service.db import db, enum_values
from service.nominations.models import RaterGroup


class Response(db.Model):
    __tablename__ = "responses"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"),
                                            index=True)
    rater_group: Mapped[RaterGroup] = mapped_column(
        Enum(RaterGroup, name="rater_group", values_callable=enum_values, native_enum=False,
             length=20)
    )
    # item_id -> rating (1..n) or null for "not observed"
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    # question_id -> text
    comments: Mapped[dict[str, Any]] = mapped_column(JSON)
    submitted_on: Mapped[dt.date]
