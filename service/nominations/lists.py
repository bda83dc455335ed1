"""Leaders choose their own raters, and line managers approve the list, in cycles whose
`nominated_by` says so (docs/decisions.md, "Nominations by leaders").

The raters are the leader's ordinary `Nomination` rows, added and removed through
`nominate` / `remove_nomination` / `nominate_suggested` (service/nominations/operations.py);
this module adds who may change them when, the list's state, rater fatigue and the emails.
Every function flushes and records its audit row; the page or command commits."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from service.access.roles import is_manager_of
from service.audit.operations import record
from service.cycles.models import Cycle, CycleGroup, CycleState, Nominator, Subject
from service.db import db, utcnow
from service.errors import DomainError, InvalidInput
from service.nominations.groups import GroupCount, group_counts
from service.nominations.invitations import cycle_context
from service.nominations.models import ListState, Nomination, NominationList, RaterGroup
from service.nominations.operations import (
    Suggested,
    nominate_into,
    nominate_suggested,
    remove_nomination,
)
from service.outbox import writer as outbox
from service.people.models import Person

#: Cycle states whose requests count towards a rater's limit (rater fatigue).
BUSY_STATES = (CycleState.DRAFT, CycleState.OPEN)
MAX_NOTE = 2000


class NotYours(DomainError):
    """Someone asked about a list that is not theirs to see (a 404: it says nothing more)."""

    status_code = 404


class ShortList(DomainError):
    """A submission with groups that cannot reach their threshold, not yet confirmed."""


def leaders_nominate(cycle: Cycle) -> bool:
    return cycle.nominated_by != Nominator.HR


def needs_approval(cycle: Cycle) -> bool:
    return cycle.nominated_by == Nominator.LEADER_WITH_MANAGER_APPROVAL


def state_of(subject: Subject) -> NominationList:
    """The list's state (a DRAFT not yet stored when the leader has not touched it)."""
    found = db.session.get(NominationList, subject.id)
    return found if found is not None else NominationList(subject_id=subject.id,
                                                          state=ListState.DRAFT, amended=False)


def _stored(subject: Subject) -> NominationList:
    found = db.session.get(NominationList, subject.id)
    if found is None:
        found = NominationList(subject_id=subject.id, state=ListState.DRAFT, amended=False)
        db.session.add(found)
    return found


def subject_of_leader(person: Person, subject_id: int) -> Subject:
    """The person's own place as a leader in a cycle where leaders nominate, or NotYours."""
    subject = db.session.get(Subject, subject_id)
    if subject is None or subject.person_id != person.id or not leaders_nominate(subject.cycle):
        raise NotYours(_l("There is no list of raters of yours with that number."))
    return subject


def subject_for_manager(manager: Person, subject_id: int) -> Subject:
    """A direct report's place as a leader in a cycle that asks their manager to approve."""
    subject = db.session.get(Subject, subject_id)
    if subject is None or not needs_approval(subject.cycle) \
            or not is_manager_of(manager, subject.person):
        raise NotYours(_l("There is no list of a direct report of yours with that number."))
    return subject


# -- rater fatigue ------------------------------------------------------------------------

def requests_of(person: Person) -> int:
    """Requests to rate someone else the person has across the cycles open or in draft."""
    return db.session.scalar(
        select(func.count(Nomination.id)).join(Subject, Nomination.subject_id == Subject.id)
        .join(Cycle, Subject.cycle_id == Cycle.id)
        .where(Nomination.person_id == person.id, Nomination.group != RaterGroup.SELF,
               Cycle.state.in_(BUSY_STATES))) or 0


def check_rater_limit(person: Person) -> None:
    """Refuse a rater who already has RATER_REQUEST_LIMIT requests, saying what to do."""
    limit = current_app.config["RATER_REQUEST_LIMIT"]
    if requests_of(person) >= limit:
        raise DomainError(_l("%(name)s has already been asked to give feedback %(limit)s times "
                             "in the cycles running now, the most anyone is asked at once. "
                             "Choose someone else who knows your work.",
                             name=person.display_name, limit=limit))


# -- the leader ---------------------------------------------------------------------------

def _check_leader_may_change(subject: Subject) -> NominationList:
    cycle = subject.cycle
    if cycle.state != CycleState.DRAFT:
        raise DomainError(_l("The cycle has been launched, so your list of raters can no longer "
                             "be changed. Ask HR if someone is missing."))
    state = state_of(subject)
    if state.state == ListState.SUBMITTED:
        raise DomainError(_l("Your list is with your manager for approval, so it cannot be "
                             "changed now. Ask your manager to return it if you need to."))
    if state.state == ListState.APPROVED:
        raise DomainError(_l("Your list is final, so it cannot be changed now. Ask HR if "
                             "someone is missing."))
    return state


def leader_add(subject: Subject, person: Person,
               group: RaterGroup | CycleGroup) -> Nomination:
    """The leader adds a rater to their own list, in a built-in group or one of the cycle's
    own (the rater limit applies, but not to self)."""
    _check_leader_may_change(subject)
    if person.id != subject.person_id:
        check_rater_limit(person)
    return nominate_into(subject, person, group)


def leader_add_suggestions(subject: Subject) -> Suggested:
    """The org chart's suggestions onto the leader's list, leaving out anyone at their limit
    (named with the reason)."""
    _check_leader_may_change(subject)
    return nominate_suggested(subject, check=lambda person: check_rater_limit(person)
                              if person.id != subject.person_id else None)


def leader_remove(subject: Subject, nomination: Nomination) -> None:
    _check_leader_may_change(subject)
    _own(subject, nomination)
    remove_nomination(nomination)


def _own(subject: Subject, nomination: Nomination) -> None:
    if nomination.subject_id != subject.id:
        raise InvalidInput(_l("That person is not on this list."))


def short_groups(subject: Subject) -> list[GroupCount]:
    """Groups whose answers would be held back: some chosen, fewer than the threshold (an
    empty group other than self is simply absent from the report, and hides nobody)."""
    return [count for count in group_counts(subject) if not count.can_reach
            and (count.nominated > 0 or count.group == RaterGroup.SELF.value)]


def submit(subject: Subject, *, accept_short: bool = False) -> NominationList:
    """The leader submits: to the manager where the cycle asks for approval, else final.
    Groups that cannot reach their threshold need ``accept_short`` (the warning step)."""
    state = _check_leader_may_change(subject)
    if not db.session.scalar(select(func.count(Nomination.id))
                             .where(Nomination.subject_id == subject.id)):
        raise InvalidInput(_l("Your list is empty. Add the people you would like feedback from "
                              "first."))
    if short_groups(subject) and not accept_short:
        raise ShortList(_l("Some groups cannot reach the number needed to be shown."))
    cycle = subject.cycle
    manager = subject.person.manager
    if needs_approval(cycle) and (manager is None or not manager.active):
        raise DomainError(_l("Your list needs your line manager's approval, but the directory "
                             "has no active manager for you. Ask HR to correct it."))
    state = _stored(subject)
    state.submitted_at = utcnow()
    state.amended = False
    if needs_approval(cycle):
        state.state = ListState.SUBMITTED
        _tell(manager, subject, "nominations_to_approve", {})
    else:
        state.state = ListState.APPROVED
        state.decided_at, state.decided_by_id = state.submitted_at, subject.person_id
    db.session.flush()
    record("nomination.submit", "subject", subject.id,
           f"{subject.person.display_name} submitted their raters "
           + ("for their manager's approval" if needs_approval(cycle) else "(final)")
           + (" with groups short of their threshold" if short_groups(subject) else ""))
    return state


# -- the manager --------------------------------------------------------------------------

def _check_manager_may_change(subject: Subject, manager: Person) -> NominationList:
    if not is_manager_of(manager, subject.person) or not needs_approval(subject.cycle):
        raise NotYours(_l("There is no list of a direct report of yours with that number."))
    if subject.cycle.state != CycleState.DRAFT:
        raise DomainError(_l("The cycle has been launched, so this list can no longer be "
                             "changed."))
    state = state_of(subject)
    if state.state != ListState.SUBMITTED:
        raise DomainError(_l("This list is not waiting for your approval."))
    return state


def manager_add(subject: Subject, manager: Person, person: Person,
                group: RaterGroup | CycleGroup) -> Nomination:
    """The manager adds a rater to a list waiting for their approval, in a built-in group or
    one of the cycle's own; the list is then marked as changed (approval needs a note)."""
    _check_manager_may_change(subject, manager)
    if person.id != subject.person_id:
        check_rater_limit(person)
    nomination = nominate_into(subject, person, group)
    _stored(subject).amended = True
    db.session.flush()
    return nomination


def manager_remove(subject: Subject, manager: Person, nomination: Nomination) -> None:
    _check_manager_may_change(subject, manager)
    _own(subject, nomination)
    remove_nomination(nomination)
    _stored(subject).amended = True
    db.session.flush()


def _note(note: str | None, required: bool, why: str) -> str | None:
    text = (note or "").strip()
    if len(text) > MAX_NOTE:
        raise InvalidInput(_l("The note must be %(max)s characters or fewer.", max=MAX_NOTE))
    if required and not text:
        raise InvalidInput(why)
    return text or None


def approve(subject: Subject, manager: Person, note: str | None = None) -> NominationList:
    """The manager approves (the list is final); a list they changed needs a note saying why.
    The leader and the manager are both told."""
    state = _check_manager_may_change(subject, manager)
    text = _note(note, state.amended, str(_l(
        "You changed the list: write a note to %(name)s saying why.",
        name=subject.person.display_name)))
    state = _stored(subject)
    state.state, state.note = ListState.APPROVED, text
    state.decided_at, state.decided_by_id = utcnow(), manager.id
    db.session.flush()
    _tell_both(subject, manager, "approved", text)
    record("nomination.approve", "subject", subject.id,
           f"{manager.display_name} approved the raters of {subject.person.display_name}"
           + (" with changes" if state.amended else ""))
    return state


def return_list(subject: Subject, manager: Person, note: str) -> NominationList:
    """The manager sends the list back for the leader to change, with a note saying what."""
    _check_manager_may_change(subject, manager)
    text = _note(note, True, str(_l("Write a note to %(name)s saying what to change.",
                                    name=subject.person.display_name)))
    state = _stored(subject)
    state.state, state.note = ListState.RETURNED, text
    state.decided_at, state.decided_by_id = utcnow(), manager.id
    db.session.flush()
    _tell_both(subject, manager, "returned", text)
    record("nomination.return", "subject", subject.id,
           f"{manager.display_name} returned the raters of {subject.person.display_name} "
           "with a note")
    return state


# -- HR -----------------------------------------------------------------------------------

def finalise(subject: Subject) -> NominationList:
    """HR makes a leader's list final as it stands (a leader away, a manager who cannot act),
    so the cycle can launch; the leader must have someone nominated."""
    if subject.cycle.state != CycleState.DRAFT or not leaders_nominate(subject.cycle):
        raise DomainError(_l("only a draft cycle where leaders nominate has lists to finalise"))
    if not db.session.scalar(select(func.count(Nomination.id))
                             .where(Nomination.subject_id == subject.id)):
        raise DomainError(_l("%(name)s has nobody nominated; nominate raters first",
                             name=subject.person.display_name))
    state = _stored(subject)
    before = state.state
    state.state, state.decided_at, state.decided_by_id = ListState.APPROVED, utcnow(), None
    db.session.flush()
    record("nomination.finalise", "subject", subject.id,
           f"HR made the raters of {subject.person.display_name} final (was {before.value})")
    return state


@dataclass(frozen=True)
class Waiting:
    """A leader whose list is not final yet: what HR's cycle page lists."""

    subject_id: int
    leader: str
    state: ListState
    manager: str | None


def waiting_lists(cycle: Cycle) -> list[Waiting]:
    """Leaders of the cycle whose lists are not final, with their manager, in one query."""
    if not leaders_nominate(cycle):
        return []
    leader = Person
    rows = db.session.execute(
        select(Subject.id, leader.display_name, NominationList.state, leader.manager_id)
        .join(leader, Subject.person_id == leader.id)
        .outerjoin(NominationList, NominationList.subject_id == Subject.id)
        .where(Subject.cycle_id == cycle.id)
        .order_by(leader.display_name, Subject.id)).all()
    managers = dict(db.session.execute(select(Person.id, Person.display_name).where(
        Person.id.in_({row[3] for row in rows if row[3] is not None})))
        .all()) if rows else {}
    return [Waiting(subject_id, name, state or ListState.DRAFT, managers.get(manager_id))
            for subject_id, name, state, manager_id in rows
            if state != ListState.APPROVED]


def my_lists(person: Person) -> tuple[list[Subject], bool]:
    """For the staff home page: the draft cycles where the person chooses their raters, and
    whether anyone reporting to them is in a draft cycle that asks for their approval."""
    drafts = select(Cycle.id).where(Cycle.state == CycleState.DRAFT,
                                    Cycle.nominated_by != Nominator.HR)
    mine = list(db.session.scalars(select(Subject).where(
        Subject.person_id == person.id, Subject.cycle_id.in_(drafts)).order_by(Subject.id)))
    approving = person.active and bool(db.session.scalar(
        select(func.count(Subject.id)).join(Person, Subject.person_id == Person.id)
        .join(Cycle, Subject.cycle_id == Cycle.id)
        .where(Person.manager_id == person.id, Cycle.state == CycleState.DRAFT,
               Cycle.nominated_by == Nominator.LEADER_WITH_MANAGER_APPROVAL)))
    return mine, approving


# -- emails -------------------------------------------------------------------------------

def _tell(recipient: Person | None, subject: Subject, template: str,
          extra: dict[str, object]) -> None:
    if recipient is None or not recipient.email:
        return
    cycle = subject.cycle
    base = current_app.config["BASE_URL"]
    context = {**cycle_context(cycle), "recipient_name": recipient.display_name,
               "leader_name": subject.person.display_name,
               "is_leader": recipient.id == subject.person_id,
               "leader_url": f"{base}/me/cycles/{subject.id}/raters",
               "approval_url": f"{base}/team/approvals/{subject.id}", **extra}
    outbox.write([outbox.message(template, recipient.email,
                                 recipient.language or cycle.language, context,
                                 cycle_id=cycle.id)])


def _tell_both(subject: Subject, manager: Person, outcome: str, note: str | None) -> None:
    extra = {"outcome": outcome, "note": note or "", "manager_name": manager.display_name}
    _tell(subject.person, subject, "nominations_decided", extra)
    _tell(manager, subject, "nominations_decided", extra)
