"""The cohort of a cycle: add leaders picked any way (search, department, below a manager, a
list; `cohorts.py` finds them), remove one before launch, assign each a facilitator."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from service.audit.operations import record
from service.cycles.models import Cycle, CycleState, Subject
from service.cycles.operations import add_subject
from service.db import db
from service.errors import DomainError, InvalidInput, state_name
from service.nominations.models import Nomination
from service.people.models import Person
from service.reports.models import Report
from service.reports.numbering import SEEN


@dataclass
class AddedLeaders:
    """What adding a cohort did: the new subjects, and who was a leader already."""

    added: list[Subject] = field(default_factory=list)
    already: list[Person] = field(default_factory=list)


def add_leaders(cycle: Cycle, people: Sequence[Person], how: str) -> AddedLeaders:
    """Add every person not yet a leader in the cycle, as one action (one audit row naming
    how they were picked, such as "department Surgery")."""
    if not people:
        raise InvalidInput(_l("nobody to add: the selection is empty"))
    present = set(db.session.scalars(select(Subject.person_id)
                                     .where(Subject.cycle_id == cycle.id)))
    outcome = AddedLeaders()
    for person in people:
        if person.id in present:
            outcome.already.append(person)
            continue
        outcome.added.append(add_subject(cycle, person, audit=False))
        present.add(person.id)
    names = ", ".join(s.person.display_name for s in outcome.added) or "nobody new"
    record("cycle.add_leaders", "cycle", cycle.id,
           f"added {len(outcome.added)} leaders ({how}): {names}")
    return outcome


def remove_leader(subject: Subject) -> None:
    """Take a leader out of a draft cycle, with their nominations. After launch their raters
    have links and may have answered: the leader stays, and HR closes or lets the cycle run."""
    cycle = subject.cycle
    if cycle.state != CycleState.DRAFT:
        raise DomainError(_l("cycle %(id)s is %(state)s; a leader can only be removed before "
                             "launch, while no rater has been invited",
                             id=cycle.id, state=state_name(cycle)))
    name = subject.person.display_name
    db.session.execute(delete(Nomination).where(Nomination.subject_id == subject.id)
                       .execution_options(synchronize_session=False))
    cycle.subjects.remove(subject)  # delete-orphan: the row goes at the flush
    db.session.flush()
    record("cycle.remove_leader", "cycle", cycle.id, f"removed {name} as a leader")


def assign_facilitator(subject: Subject, facilitator: Person | None) -> None:
    """Who goes through the report with the leader (None: nobody). Allowed until a version of
    the report has reached a reader: the facilitator who has it, or the leader, stays."""
    seen = db.session.scalar(select(Report.id).where(
        Report.subject_id == subject.id, Report.status.in_(SEEN)).limit(1))
    if seen is not None:
        raise DomainError(_l("the report of %(name)s has already been released, so the "
                             "facilitator can no longer change", name=subject.person.display_name))
    if facilitator is not None:
        if facilitator.id == subject.person_id:
            raise InvalidInput(_l("a leader cannot be their own facilitator"))
        if not facilitator.active:
            raise InvalidInput(_l("%(name)s is not active in the directory",
                                  name=facilitator.display_name))
    if subject.facilitator_id == (facilitator.id if facilitator else None):
        raise InvalidInput(_l("nothing to change: that is already the facilitator"))
    subject.facilitator = facilitator
    db.session.flush()
    record("cycle.assign_facilitator", "subject", subject.id,
           f"facilitator of {subject.person.display_name}: "
           + (facilitator.display_name if facilitator else "none"))
