"""A feedback cycle for a cohort of leaders, with its frozen rubric and its anonymity settings."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import db, enum_values, utcnow
from service.people.models import Person
from service.responses.results import CUSTOM_PREFIX, Thresholds


class CycleState(enum.Enum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    RELEASED = "released"


class Nominator(enum.Enum):
    """Who chooses a leader's raters. Only HR has pages today; the leader's and the manager's
    come next and read this setting."""

    HR = "hr"
    LEADER = "leader"
    LEADER_WITH_MANAGER_APPROVAL = "leader_with_manager_approval"


class Cycle(db.Model):
    __tablename__ = "cycles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    rubric_id: Mapped[str] = mapped_column(String(100))
    rubric_version: Mapped[int | None]
    # The rubric as it was at launch: later edits to the file never change a running cycle.
    rubric_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    opens_on: Mapped[dt.date]
    closes_on: Mapped[dt.date]
    state: Mapped[CycleState] = mapped_column(
        Enum(CycleState, name="cycle_state", values_callable=enum_values, native_enum=False,
             length=20),
        default=CycleState.DRAFT,
    )
    #: The organisation's k: "all others", and peers, direct reports and others unless the
    #: cycle gives them their own below (None = this one).
    min_group_size: Mapped[int] = mapped_column(default=3)
    manager_min: Mapped[int] = mapped_column(default=1)
    peer_min: Mapped[int | None]
    direct_report_min: Mapped[int | None]
    other_min: Mapped[int | None]
    language: Mapped[str] = mapped_column(String(8), default="en")
    # Days before closes_on on which pending raters get a reminder, and those already done.
    reminder_days: Mapped[list[int]] = mapped_column(JSON, default=lambda: [7, 2])
    reminders_done: Mapped[list[int]] = mapped_column(JSON, default=list)
    # Launched by the task queue on opens_on (else HR launches it by hand).
    auto_launch: Mapped[bool] = mapped_column(default=False)
    # Closed by the task queue the day after closes_on (else HR closes it by hand).
    auto_close: Mapped[bool] = mapped_column(default=True, server_default=true())
    nominated_by: Mapped[Nominator] = mapped_column(
        Enum(Nominator, name="nominator", values_callable=enum_values, native_enum=False,
             length=40),
        default=Nominator.HR, server_default=Nominator.HR.value,
    )
    # Reports go to each leader's facilitator first, who hands them over in the feedback
    # session (`feedback360 report hand-over`), as the NHS Healthcare Leadership Model 360 does.
    facilitated_release: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    launched_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    released_at: Mapped[dt.datetime | None]

    subjects: Mapped[list[Subject]] = relationship(
        back_populates="cycle", cascade="all, delete-orphan", order_by="Subject.id"
    )
    #: The cycle's own rater groups, in the order the report shows them. A cycle's delete
    #: leaves them to the database's cascade, which takes the nominations in them at once.
    custom_groups: Mapped[list[CycleGroup]] = relationship(
        back_populates="cycle", cascade="all, delete-orphan", passive_deletes=True,
        order_by="(CycleGroup.position, CycleGroup.id)"
    )

    @property
    def thresholds(self) -> Thresholds:
        """The k of every rater group of this cycle (service/responses/results.py)."""
        return Thresholds(self.min_group_size, self.manager_min, self.peer_min,
                          self.direct_report_min, self.other_min,
                          tuple((group.results_key, group.min_size)
                                for group in self.custom_groups))

    def group_names(self, lang: str) -> dict[str, str]:
        """The cycle's own groups' names in ``lang`` (English where no Welsh was given)."""
        return {group.results_key: group.name(lang) for group in self.custom_groups}


class CycleGroup(db.Model):
    """A rater group a cycle defines beyond the built-in ones ("Patients and carers"), with
    its name in both languages and its own threshold. Changed only while the cycle is a draft,
    so a report never shows a group under a name or k it was not answered under."""

    __tablename__ = "cycle_groups"
    __table_args__ = (UniqueConstraint("cycle_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    #: Short and stable (lower-case letters, digits, _): matches the group across cycles, so
    #: "change since last cycle" can compare it.
    key: Mapped[str] = mapped_column(String(30))
    name_en: Mapped[str] = mapped_column(String(80))
    name_cy: Mapped[str] = mapped_column(String(80))
    min_size: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)

    cycle: Mapped[Cycle] = relationship(back_populates="custom_groups")

    @property
    def results_key(self) -> str:
        return CUSTOM_PREFIX + self.key

    def name(self, lang: str) -> str:
        return self.name_cy if lang == "cy" and self.name_cy else self.name_en


class Subject(db.Model):
    """A leader who receives feedback in one cycle."""

    __tablename__ = "subjects"
    __table_args__ = (UniqueConstraint("cycle_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    # Who goes through the report with the leader; told when it is ready.
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    cycle: Mapped[Cycle] = relationship(back_populates="subjects")
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    facilitator: Mapped[Person | None] = relationship(foreign_keys=[facilitator_id])
