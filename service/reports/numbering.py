"""How a report version is numbered and named for its readers: one place, so the PDF, the
pages and the downloaded file agree."""

from __future__ import annotations

from sqlalchemy import func, select

from service.db import db
from service.reports.models import Report, ReportStatus

SEEN = [status for status in ReportStatus if status.seen]


def display_version(report: Report) -> int:
    """The number the PDF prints: 1 + the versions a reader had before it (versions nobody saw,
    superseded before release, are not counted, so readers see 1, 2, 3 without gaps)."""
    return 1 + (db.session.scalar(select(func.count()).where(
        Report.subject_id == report.subject_id, Report.version < report.version,
        Report.status.in_(SEEN))) or 0)


def pdf_filename(report: Report, plan_revision: int | None = None) -> str:
    """No name in it: a shared downloads folder must not tell whose report it is. The same
    version has the same name whoever downloads it (leader, facilitator, mentor)."""
    subject = report.subject
    name = f"feedback-report-{subject.cycle_id}-{subject.id}-v{display_version(report)}"
    if plan_revision is not None:
        name += f"-with-plan-{plan_revision}"
    return f"{name}.pdf"
