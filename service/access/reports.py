"""Who may open a leader's report.

The report belongs to the leader: they read it once it is released to them. In a facilitated
cycle the facilitator has it first (before the hand-over) and keeps it after. HR can open
reports only where the organisation's policy says so (HR_CAN_OPEN_REPORTS, off by default).
Nobody else — not the manager, not an admin. Only versions a reader has been given are ever
opened (with the facilitator, or released): a version still waiting, or superseded before
release, never is, so nobody can hold two versions the late-response rule keeps apart."""

from __future__ import annotations

from collections.abc import Collection

from flask import current_app

from service.people.models import Person
from service.reports.models import Report, ReportStatus

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
    if HR in granted_roles and current_app.config["HR_CAN_OPEN_REPORTS"]:
        return report.status.seen
    return False
