"""Sharing a report and withdrawing the share: the rows, the audit, the emails, and who may
open the report before, during and after."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from service.access.reports import may_open_report
from service.access.roles import ROLE_SOURCES, Role, roles_of
from service.audit.models import AuditEvent
from service.db import db
from service.errors import DomainError
from service.outbox.models import OutboxMessage
from service.outbox.rendering import render_email
from service.reports.models import Report, ReportStatus
from service.sharing.models import ShareRole
from service.sharing.operations import (
    search_people,
    share_report,
    shared_with,
    shares_of,
    withdraw_share,
)
from tests.factories import person, team
from tests.leaders.support import released, released_report


@pytest.fixture
def setting(app: Any) -> dict[str, Any]:
    people = team(size_reports=3, size_peers=0)
    subject = released_report(people["leader"], people["boss"], people["reports"])
    mo = person("mo", "Mo Mentor", language="cy")
    db.session.commit()
    return {**people, "subject": subject, "mo": mo, "report": released(subject)}


def _mail(recipient: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.template == "report_shared", OutboxMessage.recipient == recipient)
        .order_by(OutboxMessage.id)))


def _audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_share_lets_the_person_open_released_versions_until_withdrawn(setting):
    s = setting
    mo, report, subject = s["mo"], s["report"], s["subject"]
    assert may_open_report(mo, report) is False
    share = share_report(subject, mo, ShareRole.MENTOR, s["leader"])
    assert may_open_report(mo, report) is True
    assert Role.MENTOR in roles_of(mo) and Role.APPRAISER not in roles_of(mo)
    assert shared_with(mo) == [share]
    # only released versions: one still waiting or with the facilitator stays closed to them
    waiting = Report(subject_id=subject.id, version=9, status=ReportStatus.READY,
                     response_ids=[])
    db.session.add(waiting)
    db.session.flush()
    for status in ReportStatus:
        waiting.status = status
        assert may_open_report(mo, waiting) == (status == ReportStatus.RELEASED)
    db.session.delete(waiting)

    withdraw_share(share, s["leader"])
    assert may_open_report(mo, report) is False
    assert roles_of(mo) == frozenset() and shared_with(mo) == []
    assert [x.withdrawn_at is not None for x in shares_of(subject)] == [True]


def test_each_share_and_withdrawal_is_audited_and_emailed(setting):
    s = setting
    mo = s["mo"]
    share = share_report(s["subject"], mo, ShareRole.APPRAISER, s["leader"])
    withdraw_share(share, s["leader"])
    db.session.commit()
    [shared] = _audit("report.share")
    [withdrawn] = _audit("report.withdraw_share")
    assert "Mo Mentor" in shared.summary and "appraiser" in shared.summary
    assert "Mo Mentor" in withdrawn.summary
    first, second = _mail(mo.email)
    assert first.language == "cy" and first.context["withdrawn"] is False
    assert second.context["withdrawn"] is True
    for message in (first, second):
        subject_line, text, html = render_email("report_shared", message.language,
                                                message.context)
        assert "Alex Leader" in subject_line and "Alex Leader" in text and html
    assert "/shared" in render_email("report_shared", "en", first.context)[1]
    # the email says nothing from inside the report
    assert set(first.context) >= {"leader_name", "role", "cycle_name"}
    assert not {"scores", "comments", "sections"} & set(first.context)


def test_refusals_name_the_fix(setting):
    s = setting
    mo, subject = s["mo"], s["subject"]
    with pytest.raises(DomainError, match="already yours"):
        share_report(subject, s["leader"], ShareRole.MENTOR)
    share = share_report(subject, mo, ShareRole.MENTOR)
    with pytest.raises(DomainError, match="withdraw that share first"):
        share_report(subject, mo, ShareRole.APPRAISER)
    withdraw_share(share)
    with pytest.raises(DomainError, match="already withdrawn"):
        withdraw_share(share)
    again = share_report(subject, mo, ShareRole.APPRAISER)  # a new share after a withdrawal
    assert again.id != share.id and len(shares_of(subject)) == 2
    mo.active = False
    withdraw_share(again)
    with pytest.raises(DomainError, match="no longer active"):
        share_report(subject, mo, ShareRole.MENTOR)


def test_nothing_is_shared_before_the_leader_has_it(app):
    people = team(size_reports=1, size_peers=0)
    from tests.factories import draft_cycle

    cycle = draft_cycle(people)
    with pytest.raises(DomainError, match="not been released"):
        share_report(cycle.subjects[0], people["boss"], ShareRole.MENTOR)


def test_search_finds_active_people_by_name_or_email_only(setting):
    s = setting
    assert [p.display_name for p in search_people("mentor", s["leader"])] == ["Mo Mentor"]
    assert [p.display_name for p in search_people("MO@TEST", s["leader"])] == ["Mo Mentor"]
    assert search_people("Alex", s["leader"]) == []  # never the leader themselves
    assert search_people("m", s["leader"]) == []  # too short to search
    assert search_people("%", s["leader"]) == []  # wildcards are literal
    s["mo"].active = False
    assert search_people("mentor", s["leader"]) == []


def test_every_role_has_a_source():
    assert set(ROLE_SOURCES) == set(Role)
