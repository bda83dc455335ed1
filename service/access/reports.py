"""Who may open a leader's report.

The report belongs to the leader: they read it once it is released to them. In a facilitated
cycle the facilitator has it first (before the hand-over) and keeps it after. HR can open
reports only where the organisation's policy says so (HR_CAN_OPEN_REPORTS, off by default).
Someone the leader shared the report with (service/sharing) reads its released versions while
the share is active, never after it is withdrawn. Nobody else — not the manager, not an admin.
Only versions a reader has been given are ever opened (with the facilitator, or released): a
version still waiting, or superseded before release, never is, so nobody can hold two versions
the late-response rule keeps apart."""

from __future__ import annotations

from collections.abc import Collection

from flask import current_app
from sqlalchemy import exists, select

from service.db import db
from service.people.models import Person
from service.reports.models import Report, ReportStatus
from service.sharing.models import ReportShare

HR = "hr"


def may_open_report(person: Person | None, report: Report,
                    granted_roles: Collection[str] = ()) -> bool:
    """Whether ``person`` (None: nobody signed in) may open this version of the report;
    ``granted_roles`` are the person's granted roles (`hr`, `admin`)."""
    if person is None:
        return False
    subject = report.subject
    if person.id == subject.person_id:
        return report.status == ReportStatus.RELEASED
    if subject.facilitator_id is not None and person.id == subject.facilitator_id:
        return report.status in (ReportStatus.WITH_FACILITATOR, ReportStatus.RELEASED)
    if report.status == ReportStatus.RELEASED and _shared_with(person, report):
        return True
    if HR in granted_roles and current_app.config["HR_CAN_OPEN_REPORTS"]:
        return report.status.seen
    return False


def _shared_with(person: Person, report: Report) -> bool:
    """The leader shared this report with the person, and has not withdrawn it."""
    return bool(db.session.scalar(select(exists().where(
        ReportShare.subject_id == report.subject_id, ReportShare.person_id == person.id,
        ReportShare.withdrawn_at.is_(None)))))
