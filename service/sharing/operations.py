"""Share a leader's report, withdraw a share, and read who has it.

The report belongs to the leader (docs/security.md): only they share it, only its released
versions are shared, and a withdrawal takes effect at once — `may_open_report` asks for an
active share on every request. Each operation writes its audit row and an email to the person
concerned in the caller's transaction, and flushes; the page commits."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from service.audit.operations import record
from service.cycles.models import Subject
from service.db import db, utcnow
from service.errors import DomainError
from service.nominations.invitations import cycle_context
from service.outbox import writer as outbox
from service.people.models import Person
from service.reports.models import Report, ReportStatus
from service.sharing.models import ReportShare, ShareRole
from service.webhooks.events import emit


def has_released_report(subject: Subject) -> bool:
    return bool(db.session.scalar(select(exists().where(
        Report.subject_id == subject.id, Report.status == ReportStatus.RELEASED))))


def active_share(subject: Subject, person: Person) -> ReportShare | None:
    return db.session.scalar(select(ReportShare).where(
        ReportShare.subject_id == subject.id, ReportShare.person_id == person.id,
        ReportShare.withdrawn_at.is_(None)))


def share_report(subject: Subject, person: Person, role: ShareRole,
                 by: Person | None = None) -> ReportShare:
    """Let ``person`` read the released versions of the leader's report until withdrawn."""
    if not has_released_report(subject):
        raise DomainError(_l("this report has not been released to the leader yet; it can be "
                             "shared once it has"))
    if person.id == subject.person_id:
        raise DomainError(_l("the report is already yours; choose someone else to share it "
                             "with"))
    if not person.active:
        raise DomainError(_l("%(name)s is no longer active in the directory; choose someone "
                             "else", name=person.display_name))
    if active_share(subject, person) is not None:
        raise DomainError(_l("the report is already shared with %(name)s; withdraw that share "
                             "first to share it in another role", name=person.display_name))
    share = ReportShare(subject_id=subject.id, person_id=person.id, role=role,
                        shared_at=utcnow(), shared_by_id=by.id if by else None)
    db.session.add(share)
    db.session.flush()
    record("report.share", "subject", subject.id,
           f"report of {subject.person.display_name} shared with {person.display_name} "
           f"as {role.value}")
    _tell(share, withdrawn=False)
    emit("report.shared", cycle_id=subject.cycle_id, subject_id=subject.id,
         leader_id=subject.person_id)
    return share


def withdraw_share(share: ReportShare, by: Person | None = None) -> ReportShare:
    """End a share: from now on the person cannot open the report."""
    if share.withdrawn_at is not None:
        raise DomainError(_l("this share was already withdrawn"))
    share.withdrawn_at = utcnow()
    db.session.flush()
    record("report.withdraw_share", "subject", share.subject_id,
           f"share of the report of {share.subject.person.display_name} with "
           f"{share.person.display_name} ({share.role.value}) withdrawn")
    _tell(share, withdrawn=True)
    return share


def _tell(share: ReportShare, *, withdrawn: bool) -> None:
    """The email to the person shared with: the leader's name and the role, never anything
    from inside the report."""
    person, subject = share.person, share.subject
    if not person.email:
        return
    cycle = subject.cycle
    context: dict[str, Any] = {
        **cycle_context(cycle), "recipient_name": person.display_name,
        "leader_name": subject.person.display_name, "role": share.role.value,
        "withdrawn": withdrawn,
        "shared_url": f"{current_app.config['BASE_URL']}/shared"}
    outbox.write([outbox.message("report_shared", person.email,
                                 person.language or cycle.language, context,
                                 cycle_id=cycle.id)])


def shares_of(subject: Subject) -> list[ReportShare]:
    """Every share of the subject's report, newest first (active and withdrawn)."""
    return list(db.session.scalars(select(ReportShare).where(
        ReportShare.subject_id == subject.id)
        .order_by(ReportShare.shared_at.desc(), ReportShare.id.desc())))


def shared_with(person: Person) -> list[ReportShare]:
    """The person's active shares of reports with a released version, leader's name order."""
    return list(db.session.scalars(
        select(ReportShare).join(Subject, ReportShare.subject_id == Subject.id)
        .join(Person, Subject.person_id == Person.id)
        .where(ReportShare.person_id == person.id, ReportShare.withdrawn_at.is_(None))
        .order_by(Person.display_name, ReportShare.id)))


def holds_active_share(person: Person, role: ShareRole | None = None) -> bool:
    query = exists().where(ReportShare.person_id == person.id,
                           ReportShare.withdrawn_at.is_(None))
    if role is not None:
        query = query.where(ReportShare.role == role)
    return bool(db.session.scalar(select(query)))


def search_people(text: str, exclude: Person, limit: int = 20) -> list[Person]:
    """Active people whose name or email contains ``text`` (at least two characters)."""
    text = text.strip()
    if len(text) < 2:
        return []
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return list(db.session.scalars(
        select(Person).where(Person.active.is_(True), Person.id != exclude.id,
                             Person.display_name.ilike(pattern, escape="\\")
                             | Person.email.ilike(pattern, escape="\\"))
        .order_by(Person.display_name, Person.id).limit(limit)))
