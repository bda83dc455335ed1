"""The facilitator's pages: only their own leaders, the versions they may open (never cached,
never named after the leader), the session record with sealed notes, and the hand-over."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select, text

from service.audit.models import AuditEvent
from service.db import db
from service.facilitation.models import FeedbackSession
from service.outbox.models import OutboxMessage
from service.reports.models import ReportStatus
from service.reports.operations import current_report
from tests.console.run_fixtures import post
from tests.facilitation.support import FAKE_PDF, add_version, answered_cycle, client_for
from tests.factories import person


def _audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_the_list_holds_only_the_leaders_assigned_to_me(staff_app):
    subject, people = answered_cycle(ReportStatus.WITH_FACILITATOR)
    someone = person("other-facil", "Sam Otherfacilitator")
    client = client_for(staff_app, people["facilitator"])
    page = client.get("/facilitation").get_data(as_text=True)
    assert "Alex Leader" in page and "With you" in page and "Not recorded" in page
    assert client.get("/staff").get_data(as_text=True).count("/facilitation") == 1
    theirs = client_for(staff_app, someone, address="192.0.2.2")
    page = theirs.get("/facilitation").get_data(as_text=True)
    assert "Alex Leader" not in page and "No leaders are assigned to you" in page
    assert theirs.get(f"/facilitation/{subject.id}").status_code == 404
    assert 'href="/facilitation"' not in theirs.get("/staff").get_data(as_text=True)


def test_the_report_is_served_unnamed_and_uncached_and_only_versions_given(staff_app):
    subject, people = answered_cycle(ReportStatus.WITH_FACILITATOR)
    add_version(subject, ReportStatus.READY)  # a newer version nobody has been given
    db.session.commit()
    client = client_for(staff_app, people["facilitator"])
    page = client.get(f"/facilitation/{subject.id}").get_data(as_text=True)
    assert re.findall(r"/reports/(\d+)\.pdf", page) == ["1"]
    reply = client.get(f"/facilitation/{subject.id}/reports/1.pdf")
    assert reply.status_code == 200 and reply.data == FAKE_PDF
    assert reply.headers["Cache-Control"] == "no-store"
    disposition = reply.headers["Content-Disposition"]
    assert disposition == (
        f'attachment; filename="feedback-report-{subject.cycle_id}-{subject.id}-v1.pdf"')
    assert "alex" not in disposition.lower() and "leader" not in disposition.lower()
    assert client.get(f"/facilitation/{subject.id}/reports/2.pdf").status_code == 404


def test_a_version_is_numbered_as_its_pdf_prints_it_when_one_was_superseded(staff_app):
    subject, people = answered_cycle(ReportStatus.SUPERSEDED)  # replaced before anyone saw it
    add_version(subject, ReportStatus.WITH_FACILITATOR)
    db.session.commit()
    client = client_for(staff_app, people["facilitator"])
    page = client.get(f"/facilitation/{subject.id}").get_data(as_text=True)
    assert re.findall(r"/reports/(\d+)\.pdf", page) == ["2"]
    assert "Download version 1 of the report" in page and "version 2" not in page
    disposition = client.get(f"/facilitation/{subject.id}/reports/2.pdf").headers[
        "Content-Disposition"]
    assert disposition.endswith(f'-{subject.id}-v1.pdf"')  # as the leader will get it


def test_recording_the_session_seals_the_notes_and_audits_without_them(staff_app):
    subject, people = answered_cycle(ReportStatus.WITH_FACILITATOR)
    client = client_for(staff_app, people["facilitator"])
    url = f"/facilitation/{subject.id}/session"
    page_url = f"/facilitation/{subject.id}"
    empty = post(client, url, {"notes": "x"}, page_url=page_url)
    assert empty.status_code == 400
    body = empty.get_data(as_text=True)
    assert "There is a problem" in body and "Enter the date the session took place" in body
    assert "<title>Error:" in body and ">x</textarea>" in body  # nothing typed is lost
    future = dt.date.today() + dt.timedelta(days=3)
    later = post(client, url, {"held_on-day": future.day, "held_on-month": future.month,
                               "held_on-year": future.year}, page_url=page_url)
    assert later.status_code == 400 and "today or in the past" in later.get_data(as_text=True)
    assert client.post(url, data={"held_on-day": "1", "held_on-month": "2",
                                  "held_on-year": "2025"}).status_code == 400  # no CSRF
    done = post(client, url, {"held_on-day": "1", "held_on-month": "2", "held_on-year": "2025",
                              "notes": "SECRET-NOTE: wants to listen more"}, page_url=page_url)
    assert done.status_code == 303
    db.session.expire_all()
    record = db.session.scalar(select(FeedbackSession))
    assert record.held_on == dt.date(2025, 2, 1)
    raw = db.session.execute(text("select sealed_notes from feedback_sessions")).scalar()
    assert raw and "SECRET-NOTE" not in raw
    [event] = _audit("facilitation.session")
    assert "SECRET-NOTE" not in event.summary and event.actor_person_id == people["facilitator"].id
    page = client.get(f"/facilitation/{subject.id}").get_data(as_text=True)
    assert "SECRET-NOTE: wants to listen more" in page

    leader = client_for(staff_app, people["leader"], address="192.0.2.3")
    mine = leader.get(f"/me/cycles/{subject.id}/session").get_data(as_text=True)
    assert "SECRET-NOTE: wants to listen more" in mine and "1 February 2025" in mine
    boss = client_for(staff_app, people["boss"], address="192.0.2.4")
    assert boss.get(f"/me/cycles/{subject.id}/session").status_code == 404
    hr = client_for(staff_app, person("hr", "Hana Officer"), ("hr",), address="192.0.2.5")
    assert hr.get(f"/me/cycles/{subject.id}/session").status_code == 404
    assert hr.get(f"/facilitation/{subject.id}").status_code == 404
    assert "SECRET-NOTE" not in hr.get("/hr/audit").get_data(as_text=True)


def test_the_facilitator_hands_the_report_over_once(staff_app):
    subject, people = answered_cycle(ReportStatus.WITH_FACILITATOR)
    client = client_for(staff_app, people["facilitator"])
    url = f"/facilitation/{subject.id}/hand-over"
    assert "cannot be undone" in client.get(url).get_data(as_text=True)
    assert client.post(url).status_code == 400  # CSRF
    done = post(client, url)
    assert done.status_code == 303 and done.headers["Location"].endswith("done=handed_over")
    db.session.expire_all()
    assert current_report(subject).status == ReportStatus.RELEASED
    assert [m.recipient for m in db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.template == "report_ready"))] == ["leader@test.example"]
    [event] = _audit("report.hand_over")
    assert event.actor_person_id == people["facilitator"].id
    again = post(client, url, page_url=f"/facilitation/{subject.id}")
    assert again.status_code == 409 and "cannot be handed over" in again.get_data(as_text=True)
    assert "Handed over to the leader" in client.get("/facilitation").get_data(as_text=True)


def test_welsh_pages_are_in_welsh(staff_app):
    subject, people = answered_cycle(ReportStatus.WITH_FACILITATOR)
    client = client_for(staff_app, people["facilitator"])
    client.get("/language/cy?next=/staff")
    for url in ("/facilitation", f"/facilitation/{subject.id}",
                f"/facilitation/{subject.id}/hand-over"):
        page = client.get(url).get_data(as_text=True)
        assert '<html lang="cy">' in page
        for english in ("Leaders you facilitate", "Record the feedback session",
                        "Hand the report over", "With you"):
            assert english not in page, (url, english)
