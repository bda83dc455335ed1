"""Create, launch, close and release cycles. Every function flushes; the caller commits."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from service.audit.operations import record
from service.cycles.models import Cycle, CycleState, Nominator, Subject
from service.cycles.schemas import SETTINGS, load_settings
from service.db import after_commit, db, erase_residue, utcnow
from service.errors import DomainError, InvalidInput, NotFound, state_name
from service.nominations.invitations import issue_invitations, notify_closed
from service.nominations.models import Invitation, Nomination
from service.outbox.models import OutboxMessage, OutboxStatus
from service.people.models import Person
from service.reports.operations import prepare_reports, release_reports
from service.responses.holding import move_held
from service.rubrics.loader import find_rubric
from service.webhooks.events import emit

# Which state may follow which. closed/released -> open is HR re-opening a cycle for late
# responses; closing again prepares new report versions where that is safe.
TRANSITIONS: dict[CycleState, tuple[CycleState, ...]] = {
    CycleState.DRAFT: (CycleState.OPEN,),
    CycleState.OPEN: (CycleState.CLOSED,),
    CycleState.CLOSED: (CycleState.RELEASED, CycleState.OPEN),
    CycleState.RELEASED: (CycleState.OPEN,),
}


def get_cycle(cycle_id: int) -> Cycle:
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        raise NotFound(_l("no cycle with id %(id)s; `feedback360 cycle list` shows them",
                          id=cycle_id))
    return cycle


DEFAULT_REMINDER_DAYS = (7, 2)


def create_cycle(name: str, rubric_id: str, opens_on: dt.date, closes_on: dt.date, *,
                 min_group_size: int | None = None, manager_min: int | None = None,
                 peer_min: int | None = None, direct_report_min: int | None = None,
                 other_min: int | None = None, language: str = "en",
                 reminder_days: list[int] | None = None, auto_launch: bool = False,
                 auto_close: bool = True, facilitated_release: bool = False,
                 nominated_by: Nominator | str = Nominator.HR) -> Cycle:
    """A draft cycle; thresholds left out take the organisation's defaults (MIN_GROUP_SIZE,
    MANAGER_MIN), a group without its own k (``peer_min``…) follows ``min_group_size``;
    reminders the defaults that fit inside the cycle."""
    if min_group_size is None:
        min_group_size = current_app.config["MIN_GROUP_SIZE"]
    if manager_min is None:
        manager_min = current_app.config["MANAGER_MIN"]
    if reminder_days is None:
        length = (closes_on - opens_on).days
        reminder_days = [day for day in DEFAULT_REMINDER_DAYS if day < length]
    settings = load_settings({
        "name": name, "rubric_id": rubric_id, "opens_on": opens_on, "closes_on": closes_on,
        "min_group_size": min_group_size, "manager_min": manager_min, "peer_min": peer_min,
        "direct_report_min": direct_report_min, "other_min": other_min, "language": language,
        "reminder_days": reminder_days, "auto_launch": auto_launch, "auto_close": auto_close,
        "facilitated_release": facilitated_release,
        "nominated_by": getattr(nominated_by, "value", nominated_by)})
    find_rubric(current_app.config["RUBRICS_DIR"], rubric_id)  # fail now, not at launch
    cycle = Cycle(**settings, reminders_done=[])
    db.session.add(cycle)
    db.session.flush()
    record("cycle.create", "cycle", cycle.id,
           f"created draft cycle '{cycle.name}' ({opens_on} to {closes_on}, rubric {rubric_id})")
    return cycle


def settings_of(cycle: Cycle) -> dict[str, Any]:
    """The cycle's settings as `load_settings` takes them (what an edit form starts from)."""
    values = {name: getattr(cycle, name) for name in SETTINGS}
    values["nominated_by"] = cycle.nominated_by.value
    values["reminder_days"] = list(cycle.reminder_days)
    return values


def edit_cycle(cycle: Cycle, **changes: Any) -> list[str]:
    """Change a draft cycle's settings, checked as a whole (the new closing date against the
    old opening date…). Returns the names of the settings that changed."""
    if cycle.state != CycleState.DRAFT:
        raise DomainError(_l("cycle %(id)s is %(state)s; settings can only be changed while it "
                             "is a draft (an open cycle's closing date can be extended: "
                             "`feedback360 cycle extend`)", id=cycle.id, state=state_name(cycle)))
    unknown = sorted(set(changes) - set(SETTINGS))
    if unknown:
        raise InvalidInput(_l("no such cycle setting: %(unknown)s; the settings are %(settings)s",
                              unknown=", ".join(unknown), settings=", ".join(SETTINGS)))
    before = settings_of(cycle)
    changes = {key: getattr(value, "value", value) for key, value in changes.items()}
    after = load_settings({**before, **changes})
    changed = [name for name in SETTINGS
               if getattr(after[name], "value", after[name]) != before[name]]
    if not changed:
        raise InvalidInput(_l("nothing to change: the cycle already has these settings"))
    if "rubric_id" in changed:
        find_rubric(current_app.config["RUBRICS_DIR"], after["rubric_id"])
    for name in changed:
        setattr(cycle, name, after[name])
    db.session.flush()
    record("cycle.edit", "cycle", cycle.id, "changed " + ", ".join(
        f"{name} from {before[name]} to {getattr(after[name], 'value', after[name])}"
        for name in changed))
    return changed


def cancel_cycle(cycle: Cycle) -> None:
    """Delete a draft cycle with its leaders and nominations. Nothing was sent for it, so
    nothing is lost; the audit row keeps its name. A launched cycle is closed instead."""
    if cycle.state != CycleState.DRAFT:
        raise DomainError(_l("cycle %(id)s is %(state)s; only a draft cycle can be cancelled "
                             "(close an open one: `feedback360 cycle close`)",
                             id=cycle.id, state=state_name(cycle)))
    name, leaders = cycle.name, len(cycle.subjects)
    subject_ids = select(Subject.id).where(Subject.cycle_id == cycle.id)
    db.session.execute(delete(Nomination).where(Nomination.subject_id.in_(subject_ids))
                       .execution_options(synchronize_session=False))
    db.session.delete(cycle)
    db.session.flush()
    record("cycle.cancel", "cycle", cycle.id,
           f"cancelled draft cycle '{name}' with {leaders} leaders")


def extend_closing(cycle: Cycle, closes_on: dt.date, today: dt.date | None = None) -> None:
    """Give an open cycle more time. Reminders count back from the new date (a reminder day
    still ahead is sent again), and the worker closes the cycle after the new date."""
    today = today or dt.date.today()
    if cycle.state != CycleState.OPEN:
        raise DomainError(_l("cycle %(id)s is %(state)s; only an open cycle's closing date can "
                             "be extended (re-open a closed one with `feedback360 cycle reopen "
                             "--closes`)", id=cycle.id, state=state_name(cycle)))
    if closes_on <= cycle.closes_on:
        raise InvalidInput(_l("the new closing date %(new)s must be later than the current "
                              "one, %(current)s", new=closes_on, current=cycle.closes_on))
    if closes_on <= today:
        raise InvalidInput(_l("the new closing date %(new)s must be in the future", new=closes_on))
    old = cycle.closes_on
    cycle.closes_on = closes_on
    cycle.reminders_done = [day for day in cycle.reminder_days
                            if closes_on - dt.timedelta(days=day) <= today]
    _redate_queued(cycle, old)
    db.session.flush()
    record("cycle.extend", "cycle", cycle.id, f"closing date moved from {old} to {closes_on}")


def _redate_queued(cycle: Cycle, old: dt.date) -> None:
    """Emails queued but not sent yet name the new closing date: an invitation queued at launch
    and sent after the extension (mail was down, or paced) must not give a rater the old one."""
    shift = (cycle.closes_on - old).days
    for message in db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.cycle_id == cycle.id, OutboxMessage.status == OutboxStatus.PENDING)):
        if "closes_on" in message.context:
            context = {**message.context, "closes_on": cycle.closes_on.isoformat()}
            if isinstance(context.get("days_left"), int):
                context["days_left"] += shift
            message.context = context


def add_subject(cycle: Cycle, person: Person, facilitator: Person | None = None, *,
                audit: bool = True) -> Subject:
    """One leader into a draft or open cycle (``audit=False`` for a caller that records the
    whole cohort as one action)."""
    if cycle.state not in (CycleState.DRAFT, CycleState.OPEN):
        raise DomainError(_l("cycle %(id)s is %(state)s; leaders can only be added to a draft "
                             "or open cycle", id=cycle.id, state=state_name(cycle)))
    if not person.active:
        raise InvalidInput(_l("%(name)s is not active in the directory", name=person.display_name))
    existing = db.session.scalar(select(Subject).where(Subject.cycle_id == cycle.id,
                                                       Subject.person_id == person.id))
    if existing is not None:
        raise DomainError(_l("%(name)s is already a leader in cycle %(id)s",
                             name=person.display_name, id=cycle.id))
    if facilitator is not None and facilitator.id == person.id:
        raise InvalidInput(_l("a leader cannot be their own facilitator"))
    subject = Subject(cycle=cycle, person=person, facilitator=facilitator)
    db.session.add(subject)
    db.session.flush()
    if audit:
        record("cycle.add_leader", "cycle", cycle.id, f"added {person.display_name} as a leader"
               + (f", facilitator {facilitator.display_name}" if facilitator else ""))
    return subject


def find_subject(cycle: Cycle, person: Person) -> Subject:
    """The person as a leader in the cycle, or an error that says how to add them."""
    subject = db.session.scalar(select(Subject).where(Subject.cycle_id == cycle.id,
                                                      Subject.person_id == person.id))
    if subject is None:
        raise InvalidInput(_l("%(name)s is not a leader in cycle %(id)s; add them first "
                              "(`feedback360 cycle add-leader %(id)s …`)",
                              name=person.display_name, id=cycle.id))
    return subject


def transition(cycle: Cycle, target: CycleState) -> None:
    """Refuse any state change that does not fit, saying which ones would."""
    allowed = TRANSITIONS[cycle.state]
    if target not in allowed:
        if allowed:
            raise DomainError(_l("cycle %(id)s is %(state)s: it can move to %(options)s, not "
                                 "%(target)s", id=cycle.id, state=state_name(cycle),
                                 options=" / ".join(str(state_name(s)) for s in allowed),
                                 target=state_name(target)))
        raise DomainError(_l("cycle %(id)s is %(state)s: it cannot move any more",
                             id=cycle.id, state=state_name(cycle)))
    cycle.state = target
    now = utcnow()
    if target == CycleState.OPEN and cycle.launched_at is None:
        cycle.launched_at = now
    elif target == CycleState.CLOSED:
        cycle.closed_at = now
    elif target == CycleState.RELEASED:
        cycle.released_at = now


def launch(cycle: Cycle) -> dict[int, str]:
    """Freeze the rubric, then create one invitation and one outbox email per nomination.

    Returns invitation id -> raw token, for the caller that must show the links itself (the demo);
    the tokens are kept nowhere else but in the sealed outbox rows."""
    if cycle.state != CycleState.DRAFT:
        raise DomainError(_l("cycle %(id)s is %(state)s; only a draft cycle can be launched",
                             id=cycle.id, state=state_name(cycle)))
    _refuse_if_past_closing(cycle)
    if not cycle.subjects:
        raise DomainError(_l("cycle %(id)s has no leaders; add some before launching", id=cycle.id))
    counts = dict(db.session.execute(
        select(Nomination.subject_id, db.func.count(Nomination.id))
        .join(Subject).where(Subject.cycle_id == cycle.id).group_by(Nomination.subject_id)
    ).all())
    _refuse_if_lists_waiting(cycle)
    bare = [s.person.display_name for s in cycle.subjects if not counts.get(s.id)]
    if bare:
        raise DomainError(_l("these leaders have nobody nominated to rate them: %(names)s; "
                             "nominate raters before launching", names=", ".join(bare)))
    rubric = find_rubric(current_app.config["RUBRICS_DIR"], cycle.rubric_id)
    cycle.rubric_snapshot = rubric
    cycle.rubric_version = rubric["version"]
    transition(cycle, CycleState.OPEN)
    # A reminder day already behind us would only follow the invitation by minutes.
    today = dt.date.today()
    cycle.reminders_done = [d for d in cycle.reminder_days
                            if cycle.closes_on - dt.timedelta(days=d) <= today]
    tokens = issue_invitations(cycle)
    db.session.flush()
    record("cycle.launch", "cycle", cycle.id,
           f"launched: {len(tokens)} invitations queued, closes {cycle.closes_on}")
    emit("cycle.launched", cycle_id=cycle.id)
    return tokens


def _refuse_if_lists_waiting(cycle: Cycle) -> None:
    """Where leaders nominate, launch waits for every list to be final (docs/decisions.md)."""
    from service.nominations.lists import waiting_lists

    waiting = waiting_lists(cycle)
    if waiting:
        raise DomainError(_l("these leaders' lists of raters are not final yet: %(names)s; "
                             "launch when they are, or make a list final as it stands "
                             "(`feedback360 nominations finalise`)",
                             names=", ".join(w.leader for w in waiting)))


def _refuse_if_past_closing(cycle: Cycle) -> None:
    if cycle.closes_on < dt.date.today():
        raise DomainError(_l("cycle %(id)s closes on %(closes)s, which has passed; its links "
                             "would not work, so it cannot launch",
                             id=cycle.id, closes=cycle.closes_on))


def reopen(cycle: Cycle, closes_on: dt.date | None = None) -> None:
    """Open a closed or released cycle again for late responses, until ``closes_on`` if the
    old closing date has passed."""
    if closes_on is not None:
        if closes_on < dt.date.today() or closes_on <= cycle.opens_on:
            raise InvalidInput(_l("the new closing date %(new)s must be today or later, and "
                                  "after the opening date %(opens)s",
                                  new=closes_on, opens=cycle.opens_on))
        cycle.closes_on = closes_on
    if cycle.closes_on < dt.date.today():
        raise DomainError(_l("cycle %(id)s closed on %(closes)s, which has passed; give a new "
                             "closing date (`--closes YYYY-MM-DD`) to re-open it",
                             id=cycle.id, closes=cycle.closes_on))
    transition(cycle, CycleState.OPEN)
    db.session.flush()
    record("cycle.reopen", "cycle", cycle.id, f"re-opened until {cycle.closes_on}")


def close(cycle: Cycle) -> None:
    """Close: links stop working, unsent drafts are forgotten, held answers move into
    ``responses`` together (service/responses/holding.py) and the reports are queued.

    Every invitation of the cycle is rewritten in one statement, so PostgreSQL's row versions
    (xmin) all name this transaction; after the commit the database's leftovers are erased
    (a truncating WAL checkpoint on SQLite, VACUUM on PostgreSQL), see `service.db`."""
    first_close = cycle.closed_at is None
    transition(cycle, CycleState.CLOSED)
    nominations = select(Nomination.id).join(Subject).where(Subject.cycle_id == cycle.id)
    if first_close:  # raters who answer after a re-open were thanked by the page, not by mail
        notify_closed(cycle)
    db.session.execute(update(Invitation).where(Invitation.nomination_id.in_(nominations))
                       .values(draft=None, sealed_token=None)
                       .execution_options(synchronize_session=False))
    move_held(cycle, first_close=first_close)
    db.session.flush()
    prepare_reports(cycle)
    record("cycle.close", "cycle", cycle.id, "closed; reports queued")
    emit("cycle.closed", cycle_id=cycle.id)
    after_commit(functools.partial(erase_residue, db.engine), key="erase-residue")


def release(cycle: Cycle) -> dict[str, int]:
    """Release every leader's new report version (refused while any is still rendering)."""
    if cycle.state != CycleState.CLOSED:
        transition(cycle, CycleState.RELEASED)  # refused, with the states it could move to
    counts = release_reports(cycle)
    transition(cycle, CycleState.RELEASED)
    db.session.flush()
    record("cycle.release", "cycle", cycle.id,
           f"released: {counts['to_leader']} to leaders, {counts['to_facilitator']} to "
           f"facilitators, {counts['unchanged']} unchanged")
    return counts


def cycle_status(cycle: Cycle) -> dict[str, Any]:
    """Response rates by leader (counts only, never who answered) and the state of the mail:
    sent, waiting, and every failure with its reason so HR can fix the address and resend."""
    rows = db.session.execute(
        select(Subject.id, Invitation.status, db.func.count(Invitation.id))
        .join(Nomination, Nomination.subject_id == Subject.id)
        .join(Invitation, Invitation.nomination_id == Nomination.id)
        .where(Subject.cycle_id == cycle.id)
        .group_by(Subject.id, Invitation.status)
    ).all()
    per_subject: dict[int, dict[str, int]] = {}
    for subject_id, status, count in rows:
        per_subject.setdefault(subject_id, {})[status.value] = count
    mail = dict(db.session.execute(
        select(OutboxMessage.status, db.func.count()).where(OutboxMessage.cycle_id == cycle.id)
        .group_by(OutboxMessage.status)).all())
    problems = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.cycle_id == cycle.id,
            (OutboxMessage.status == OutboxStatus.FAILED)
            | ((OutboxMessage.status == OutboxStatus.PENDING)
               & OutboxMessage.last_error.is_not(None)))
        .order_by(OutboxMessage.id)).all()
    return {
        "cycle": cycle.id, "name": cycle.name, "state": cycle.state.value,
        "subjects": [
            {"leader": s.person.display_name, **{"pending": 0, "submitted": 0, "declined": 0},
             **per_subject.get(s.id, {})}
            for s in cycle.subjects
        ],
        "email": {status.value: mail.get(status, 0) for status in OutboxStatus},
        "email_problems": [
            {"recipient": m.recipient, "message": m.template, "status": m.status.value,
             "attempts": m.attempts, "reason": m.last_error,
             "next_attempt_at": m.next_attempt_at.isoformat(timespec="minutes")
             if m.status == OutboxStatus.PENDING else None}
            for m in problems],
    }
