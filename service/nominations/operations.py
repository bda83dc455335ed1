"""Nominate raters for a leader, suggest them from the organisation chart, issue invitations."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from service.audit.operations import record
from service.db import db
from service.errors import DomainError, InvalidInput, state_name
from service.nominations.invitations import issue_invitations
from service.nominations.models import Invitation, Nomination, RaterGroup
from service.people.models import Person

if TYPE_CHECKING:
    from service.cycles.models import CycleGroup, Subject


def nominate(subject: Subject, person: Person, group: RaterGroup, *,
             audit: bool = True, custom_group: CycleGroup | None = None) -> Nomination:
    """Add a rater; in an open cycle the invitation goes out with the same commit
    (``audit=False`` for a caller that records its whole action once). ``group`` CUSTOM
    takes ``custom_group``, one of the cycle's own groups."""
    from service.cycles.models import CycleState

    cycle = subject.cycle
    if cycle.state not in (CycleState.DRAFT, CycleState.OPEN):
        raise DomainError(_l("cycle %(id)s is %(state)s; raters can only be nominated while it "
                             "is draft or open", id=cycle.id, state=state_name(cycle)))
    if not person.active:
        raise InvalidInput(_l("%(name)s is not active in the directory", name=person.display_name))
    check_address(person)
    is_subject = person.id == subject.person_id
    if (group == RaterGroup.SELF) != is_subject:
        raise InvalidInput(_l("the self rating is for the leader themselves, and the leader can "
                              "only rate themselves as 'self'"))
    if (group == RaterGroup.CUSTOM) != (custom_group is not None) or (
            custom_group is not None and custom_group.cycle_id != cycle.id):
        raise InvalidInput(_l("a rater in one of the cycle's own groups needs that group, "
                              "named by its key (`feedback360 cycle groups %(id)s` lists them)",
                              id=cycle.id))
    duplicate = db.session.scalar(select(Nomination).where(
        Nomination.subject_id == subject.id, Nomination.person_id == person.id))
    if duplicate is not None:
        raise DomainError(_l("%(name)s is already nominated for %(leader)s (as %(group)s)",
                             name=person.display_name, leader=subject.person.display_name,
                             group=_named(duplicate)))
    nomination = Nomination(subject=subject, person=person, group=group,
                            custom_group=custom_group)
    db.session.add(nomination)
    db.session.flush()
    if audit:
        named = custom_group.name_en if custom_group else group.value.replace('_', ' ')
        record("nomination.add", "subject", subject.id,  # the group, never the rater's name
               f"a rater nominated as {named} for {subject.person.display_name}")
    if cycle.state == CycleState.OPEN:
        issue_invitations(cycle, [nomination.id])
    return nomination


def nominate_into(subject: Subject, person: Person, group: RaterGroup | CycleGroup, *,
                  audit: bool = True) -> Nomination:
    """``nominate`` with the group as a page or a list chooses it: a built-in group, or one of
    the cycle's own (then ``nominate(…, CUSTOM, custom_group=…)``)."""
    if isinstance(group, RaterGroup):
        return nominate(subject, person, group, audit=audit)
    return nominate(subject, person, RaterGroup.CUSTOM, audit=audit, custom_group=group)


def remove_nomination(nomination: Nomination) -> None:
    """Take a rater off a leader's list before launch. After launch the link is out: removing
    it could throw away an answer already given, and whether it worked would tell HR whether
    that rater had answered, so it is refused; the rater can decline through their link."""
    from service.cycles.models import CycleState

    subject = nomination.subject
    cycle = subject.cycle
    if cycle.state != CycleState.DRAFT:
        raise DomainError(_l("cycle %(id)s is %(state)s: raters can only be removed before "
                             "launch: once their link is out, a removal could discard an "
                             "answer already given; the rater can decline through their own "
                             "link", id=cycle.id, state=state_name(cycle)))
    named = _named(nomination)
    db.session.delete(nomination)
    db.session.flush()
    record("nomination.remove", "subject", subject.id,  # the group, never the rater's name
           f"a {named} rater removed for {subject.person.display_name}")


def _named(nomination: Nomination) -> str:
    """A nomination's group as the audit log and an operation's sentence name it (English:
    the audit log is one language; a cycle's own group by its English name)."""
    if nomination.custom_group is not None:
        return nomination.custom_group.name_en
    return nomination.group.value.replace("_", " ")


def find_nomination(subject: Subject, rater: Person) -> Nomination:
    """A rater's nomination for a leader, or an error naming both."""
    nomination = db.session.scalar(select(Nomination).where(
        Nomination.subject_id == subject.id, Nomination.person_id == rater.id))
    if nomination is None:
        raise InvalidInput(_l("%(name)s is not nominated for %(leader)s in cycle %(id)s",
                              name=rater.display_name, leader=subject.person.display_name,
                              id=subject.cycle_id))
    return nomination


def check_address(person: Person) -> None:
    """Refuse a rater whose address cannot work now, rather than learn it from a bounce."""
    if not person.email:
        raise InvalidInput(_l("%(name)s has no email address in the directory; add one there "
                              "and sync (or import) again", name=person.display_name))
    try:
        validate_email(person.email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidInput(_l("%(name)s's email address '%(email)s' is not valid (%(reason)s); "
                              "correct it in the directory and sync (or import) again",
                              name=person.display_name, email=person.email,
                              reason=exc)) from None


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


@dataclass
class Suggested:
    """What nominating the suggestions did: raters per group, and who could not be nominated."""

    nominated: dict[RaterGroup, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.nominated.values())


def nominate_suggested(subject: Subject,
                       check: Callable[[Person], None] | None = None) -> Suggested:
    """Nominate the org chart's suggestions; people without a usable address (or already
    nominated, or refused by ``check``: a leader's rater limit) are named with the reason,
    not nominated."""
    outcome = Suggested()
    for person, group in suggest_raters(subject):
        try:
            if check is not None:
                check(person)
            nominate(subject, person, group, audit=False)
        except (InvalidInput, DomainError) as exc:
            outcome.skipped.append(f"{person.display_name} ({exc})")
            continue
        outcome.nominated[group] = outcome.nominated.get(group, 0) + 1
    record("nomination.suggested", "subject", subject.id,
           f"raters suggested from the org chart nominated for {subject.person.display_name}: "
           + (", ".join(f"{count} {group.value.replace('_', ' ')}"
                        for group, count in outcome.nominated.items()) or "none")
           + (f", {len(outcome.skipped)} not nominated" if outcome.skipped else ""))
    return outcome


def find_invitation_of(subject: Subject, rater: Person) -> Invitation:
    """The invitation of one rater about one leader, or an error naming both."""
    invitation = db.session.scalar(select(Invitation).join(Nomination).where(
        Nomination.subject_id == subject.id, Nomination.person_id == rater.id))
    if invitation is None:
        raise InvalidInput(_l("%(name)s has no invitation about %(leader)s in cycle %(id)s",
                              name=rater.display_name, leader=subject.person.display_name,
                              id=subject.cycle_id))
    return invitation
