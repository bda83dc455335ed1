"""Roles derived from the data, never stored: a person is a leader because they are the
subject of a cycle, a manager because the org chart says someone reports to them, a
facilitator because HR assigned them to a leader. Granted roles (`hr`, `admin`) are the
sign-in's business; these answer "is this person X for that Y" for the checks."""

from __future__ import annotations

import enum
from collections.abc import Callable

from sqlalchemy import exists, select

from service.cycles.models import Cycle, Subject
from service.db import db
from service.people.models import Person
from service.sharing.models import ShareRole
from service.sharing.operations import holds_active_share


class Role(enum.Enum):
    LEADER = "leader"
    MANAGER = "manager"
    FACILITATOR = "facilitator"
    MENTOR = "mentor"
    APPRAISER = "appraiser"


def is_leader_in(person: Person, cycle: Cycle) -> bool:
    """The person is a subject of the cycle."""
    return bool(db.session.scalar(select(exists().where(
        Subject.cycle_id == cycle.id, Subject.person_id == person.id))))


def is_manager_of(person: Person, leader: Person) -> bool:
    """The person is the leader's line manager in the org chart (direct, not any level above:
    a manager's manager sees their own reports, not everyone below), and still active."""
    return person.active and leader.manager_id is not None and leader.manager_id == person.id


def is_facilitator_for(person: Person, subject: Subject) -> bool:
    """HR assigned the person to go through this leader's report in this cycle."""
    return subject.facilitator_id is not None and subject.facilitator_id == person.id


def _leads_anywhere(person: Person) -> bool:
    return bool(db.session.scalar(select(exists().where(Subject.person_id == person.id))))


def _manages_anyone(person: Person) -> bool:
    return bool(db.session.scalar(select(exists().where(
        Person.manager_id == person.id, Person.active.is_(True)))))


def _facilitates_anyone(person: Person) -> bool:
    return bool(db.session.scalar(select(exists().where(Subject.facilitator_id == person.id))))


def _shared_as(role: ShareRole) -> Callable[[Person], bool]:
    def holds(person: Person) -> bool:
        return holds_active_share(person, role)

    return holds


#: Role -> "does this person hold it anywhere": every page that asks `roles_of` sees a new
#: entry. MENTOR and APPRAISER follow from an active share of a leader's report; a share
#: "as facilitator" does not make an HR-assigned facilitator (FACILITATOR stays the
#: assignment), its reader finds the report under "Reports shared with me".
ROLE_SOURCES: dict[Role, Callable[[Person], bool]] = {
    Role.LEADER: _leads_anywhere,
    Role.MANAGER: _manages_anyone,
    Role.FACILITATOR: _facilitates_anyone,
    Role.MENTOR: _shared_as(ShareRole.MENTOR),
    Role.APPRAISER: _shared_as(ShareRole.APPRAISER),
}


def roles_of(person: Person) -> frozenset[Role]:
    """The derived roles a person holds somewhere (what their home page offers)."""
    return frozenset(role for role, holds in ROLE_SOURCES.items() if holds(person))
