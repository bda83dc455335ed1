"""Nominate raters for a leader, suggest them from the organisation chart, issue invitations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import select

from service.db import db
from service.errors import DomainError, InvalidInput
from service.nominations.models import Invitation, Nomination, RaterGroup
from service.nominations.tokens import hash_token, new_token
from service.outbox.operations import enqueue_email
from service.people.models import Person

if TYPE_CHECKING:
    from service.cycles.models import Cycle, Subject


def nominate(subject: Subject, person: Person, group: RaterGroup) -> Nomination:
    """Add a rater; in an open cycle the invitation goes out with the same commit."""
    from service.cycles.models import CycleState

    cycle = subject.cycle
    if cycle.state not in (CycleState.DRAFT, CycleState.OPEN):
        raise DomainError(f"cycle {cycle.id} is {cycle.state.value}; raters can only be "
                          "nominated while it is draft or open")
    if not person.active:
        raise InvalidInput(f"{person.display_name} is not active in the directory")
    if not person.email or "@" not in person.email:
        raise InvalidInput(f"{person.display_name} has no usable email address; fix it in the "
                           "directory and import again")
    is_subject = person.id == subject.person_id
    if (group == RaterGroup.SELF) != is_subject:
        raise InvalidInput("the self rating is for the leader themselves, and the leader can "
                           "only rate themselves as 'self'")
    duplicate = db.session.scalar(select(Nomination).where(
        Nomination.subject_id == subject.id, Nomination.person_id == person.id))
    if duplicate is not None:
        raise DomainError(f"{person.display_name} is already nominated for "
                          f"{subject.person.display_name} (as {duplicate.group.value})")
    nomination = Nomination(subject=subject, person=person, group=group)
    db.session.add(nomination)
    db.session.flush()
    if cycle.state == CycleState.OPEN:
        create_invitation(cycle, nomination)
    return nomination


def suggest_raters(subject: Subject) -> list[tuple[Person, RaterGroup]]:
    """Self, manager, direct reports and peers who share the manager: where nomination starts."""
    leader = subject.person
    suggestions: list[tuple[Person, RaterGroup]] = [(leader, RaterGroup.SELF)]
    if leader.manager is not None and leader.manager.active:
        suggestions.append((leader.manager, RaterGroup.MANAGER))
    reports = db.session.scalars(select(Person).where(
        Person.manager_id == leader.id, Person.active.is_(True)).order_by(Person.id))
    suggestions += [(p, RaterGroup.DIRECT_REPORT) for p in reports]
    if leader.manager_id is not None:
        peers = db.session.scalars(select(Person).where(
            Person.manager_id == leader.manager_id, Person.id != leader.id,
            Person.active.is_(True)).order_by(Person.id))
        suggestions += [(p, RaterGroup.PEER) for p in peers]
    return suggestions


def create_invitation(cycle: Cycle, nomination: Nomination) -> tuple[Invitation, str]:
    """A fresh token, kept only as its hash, with its email written to the outbox alongside."""
    token = new_token()
    invitation = Invitation(nomination=nomination, token_hash=hash_token(token))
    db.session.add(invitation)
    db.session.flush()
    rater, leader = nomination.person, nomination.subject.person
    config = current_app.config
    enqueue_email(
        "invitation", rater.email, rater.language or cycle.language,
        {
            "rater_name": rater.display_name,
            "leader_name": leader.display_name,
            "is_self": nomination.group == RaterGroup.SELF,
            "group": nomination.group.value,
            "cycle_name": cycle.name,
            "closes_on": cycle.closes_on.isoformat(),
            "organisation": config["ORGANISATION_NAME"],
            "contact": config["CONTACT_EMAIL"],
            "min_group_size": cycle.min_group_size,
        },
        {"link": f"{config['BASE_URL']}/r/{token}"},
        cycle_id=cycle.id, invitation_id=invitation.id,
    )
    return invitation, token
