"""What a facilitator does with the leaders HR assigned to them: see where each report is,
open the versions they may open, record that the feedback session took place, and hand the
report over to the leader (the same operation as the CLI and the HR console).

Functions flush, never commit; each change writes its audit row, which never holds the
session's notes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from service.access.reports import may_open_report
from service.audit.operations import record
from service.cycles.models import Cycle, Subject
from service.db import db
from service.errors import DomainError
from service.facilitation.models import FeedbackSession
from service.people.models import Person
from service.reports import operations as reports_ops
from service.reports.models import Report, ReportStatus
from service.sealing import InvalidToken, seal, unseal

#: Notes longer than this are refused with a message (a page, not a document store).
NOTES_MAX = 10_000


@dataclass(frozen=True)
class AssignedLeader:
    """One row of the facilitator's list: the leader, the cycle, where the report is."""

    subject_id: int
    leader: str
    cycle: str
    status: str  # "with_facilitator", "released", or "not_yet" (not given to anyone yet)
    session_on: dt.date | None


def assigned_leaders(facilitator: Person) -> list[AssignedLeader]:
    """The leaders HR assigned to this person, newest cycle first; nothing about anyone else."""
    rows = db.session.execute(
        select(Subject, Person.display_name, Cycle.name, FeedbackSession.held_on)
        .join(Person, Subject.person_id == Person.id)
        .join(Cycle, Subject.cycle_id == Cycle.id)
        .outerjoin(FeedbackSession, FeedbackSession.subject_id == Subject.id)
        .where(Subject.facilitator_id == facilitator.id)
        .order_by(Cycle.closes_on.desc(), Person.display_name, Subject.id)).all()
    return [AssignedLeader(subject.id, name, cycle_name, report_stage(subject), held_on)
            for subject, name, cycle_name, held_on in rows]


def report_stage(subject: Subject) -> str:
    """Where the current report is, as far as its facilitator may know."""
    report = reports_ops.current_report(subject)
    if report is not None and report.status in (ReportStatus.WITH_FACILITATOR,
                                                ReportStatus.RELEASED):
        return report.status.value
    return "not_yet"


def openable_versions(person: Person, subject: Subject) -> list[Report]:
    """The versions of the leader's report this person may open, oldest first."""
    reports = db.session.scalars(select(Report).where(Report.subject_id == subject.id)
                                 .order_by(Report.version))
    return [report for report in reports if may_open_report(person, report)]


def session_of(subject: Subject) -> FeedbackSession | None:
    return db.session.scalar(select(FeedbackSession)
                             .where(FeedbackSession.subject_id == subject.id))


def notes_of(session: FeedbackSession) -> str:
    """The notes in clear; an empty string when there are none or they cannot be unsealed
    (SECRET_KEY changed since: the date still stands)."""
    if not session.sealed_notes:
        return ""
    try:
        return unseal(session.sealed_notes)
    except InvalidToken:
        return ""


def record_session(subject: Subject, held_on: dt.date, notes: str,
                   by: Person) -> FeedbackSession:
    """Record (or correct) that the feedback session took place; notes sealed at rest."""
    if held_on > dt.date.today():
        raise DomainError(_l("the session cannot be recorded before it takes place"))
    if len(notes) > NOTES_MAX:
        raise DomainError(_l("notes are limited to %(n)d characters", n=NOTES_MAX))
    session = session_of(subject)
    corrected = session is not None
    if session is None:
        session = FeedbackSession(subject=subject, held_on=held_on)
        db.session.add(session)
    session.held_on = held_on
    session.sealed_notes = seal(notes) if notes.strip() else None
    session.recorded_by_id = by.id
    db.session.flush()
    record("facilitation.session", "subject", subject.id,
           f"feedback session of {held_on.isoformat()} "
           f"{'corrected' if corrected else 'recorded'}"
           f"{' (with notes)' if notes.strip() else ''}")
    return session


def hand_over(subject: Subject) -> Report:
    """The facilitator gives the leader the report: the operation HR's CLI and console use
    (audited there, and the leader is told by email)."""
    return reports_ops.hand_over(subject)
