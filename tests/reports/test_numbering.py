"""A version's number as readers see it: versions nobody saw are not counted, and the page's
one-query numbering agrees with the one-version count."""

from __future__ import annotations

from service.db import db
from service.reports.models import ReportStatus
from service.reports.numbering import display_version, display_versions, pdf_filename
from tests.facilitation.support import add_version, answered_cycle


def test_versions_are_numbered_as_readers_saw_them(staff_app):
    subject, _ = answered_cycle(ReportStatus.RELEASED)  # version 1, seen: printed 1
    statuses = [ReportStatus.SUPERSEDED, ReportStatus.WITH_FACILITATOR, ReportStatus.RELEASED,
                ReportStatus.READY]
    reports = [add_version(subject, status) for status in statuses]  # versions 2 to 5
    db.session.commit()
    numbers = display_versions(subject.id)
    assert numbers == {1: 1, 2: 2, 3: 2, 4: 3, 5: 4}
    assert all(numbers[r.version] == display_version(r) for r in reports)
    assert pdf_filename(reports[2]).endswith(f"-{subject.id}-v3.pdf")
    assert pdf_filename(reports[2], plan_revision=4).endswith("-v3-with-plan-4.pdf")
