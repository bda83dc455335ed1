"""The running half of the HR console: progress, remind, extend, one rater's link, close,
report status, release and hand-over. Each action: one operation, one audit row, a
confirmation first; nothing tells HR which rater answered."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from babel.dates import format_date
from sqlalchemy import select

from service.audit.models import AuditEvent
from service.cycles.models import CycleState
from service.db import db
from service.nominations.models import Invitation, InvitationStatus, Nomination, RaterGroup
from service.outbox.models import OutboxMessage, OutboxStatus
from service.reports.models import ReportStatus
from service.reports.operations import current_report
from tests.console import run_fixtures
from tests.console.run_fixtures import (
    SESSION_ACTIONS,
    audit_count,
    csrf,
    post,
    without_csrf,
)
from tests.factories import launched_cycle, person
from tests.reports.test_release import answer, run_queue

hr, not_hr, running = run_fixtures.hr, run_fixtures.not_hr, run_fixtures.running


def _routes(cycle_id: int, subject_id: int) -> list[str]:
    base = f"/hr/cycles/{cycle_id}"
    return [f"{base}/progress", f"{base}/remind", f"{base}/extend",
            f"{base}/leaders/{subject_id}/link", f"{base}/close", f"{base}/reports",
            f"{base}/release", f"{base}/reports/{subject_id}/hand-over"]


def test_anonymous_people_are_sent_to_sign_in_and_others_get_403(staff_app, running, not_hr):
    cycle, _ = running
    anonymous = staff_app.test_client()
    for url in _routes(cycle.id, cycle.subjects[0].id):
        away = anonymous.get(url)
        assert away.status_code == 302 and "/sign-in?next=" in away.headers["Location"], url
        refused = not_hr.get(url)
        assert refused.status_code == 403, url
        assert "This page is for people with the HR role" in refused.get_data(as_text=True)
    token = csrf(not_hr.get("/staff").get_data(as_text=True))
    for url in _routes(cycle.id, cycle.subjects[0].id)[1:]:
        if url.endswith(("/progress", "/reports")):
            continue
        assert not_hr.post(url, data={"csrf_token": token}).status_code == 403, url
    assert audit_count() == 0
    db.session.refresh(cycle)
    assert cycle.state == CycleState.OPEN


def test_unknown_cycle_or_a_leader_of_another_cycle_is_404(hr, running):
    cycle, _ = running
    assert hr.get("/hr/cycles/999999/progress").status_code == 404
    other = launched_cycle_elsewhere()
    assert hr.get(f"/hr/cycles/{cycle.id}/leaders/{other.subjects[0].id}/link").status_code == 404


def launched_cycle_elsewhere() -> Any:
    from service.cycles import operations as cycles

    leader = person("other-leader", "Olu Other")
    cycle = cycles.create_cycle("Other cycle", "compassionate-inclusive-leadership",
                                dt.date.today(), dt.date.today() + dt.timedelta(days=9))
    cycles.add_subject(cycle, leader)
    db.session.commit()
    return cycle


def test_progress_shows_counts_by_group_and_risks_but_no_rater(hr, running):
    cycle, people = running
    answer(cycle, RaterGroup.DIRECT_REPORT, 3)
    answer(cycle, RaterGroup.PEER, 1)
    failed = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.template == "invitation").order_by(OutboxMessage.id)).first()
    failed.status, failed.last_error = OutboxStatus.FAILED, "550 <someone@test.example>"
    db.session.commit()
    page = hr.get(f"/hr/cycles/{cycle.id}/progress")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "Alex Leader" in html and "Test cycle" in html
    assert "Direct reports: 3 of 4 (needs 3), 0 declined" in html
    assert "Peers: 1 of 3 (needs 3), 0 declined" in html
    assert "At risk: 14 days left" in html
    assert "1 email could not be delivered" in html
    assert 'class="app-console-nav__link" href="/hr/people"' in html  # the console's nav
    for rater in [people["boss"], *people["reports"], *people["peers"]]:
        assert rater.display_name not in html and rater.email not in html
    assert "someone@test.example" not in html and "550" not in html
    # Dates as people write them, in the page's language.
    closes = cycle.closes_on
    assert f"{closes.day} {closes:%B %Y}" in html and closes.isoformat() not in html
    hr.set_cookie("lang", "cy")
    welsh = hr.get(f"/hr/cycles/{cycle.id}/progress")
    assert format_date(closes, "d MMMM y", locale="cy") in welsh.get_data(as_text=True)


def test_remind_confirms_the_count_then_queues_one_reminder_per_pending_rater(hr, running):
    cycle, _ = running
    answer(cycle, RaterGroup.PEER, 2)
    url = f"/hr/cycles/{cycle.id}/remind"
    confirm = hr.get(url).get_data(as_text=True)
    assert "7 reminder emails will be sent" in confirm  # 9 raters, 2 answered
    done = post(hr, url)
    assert done.status_code == 303 and done.headers["Location"].endswith("progress?done=reminded")
    reminders = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.template == "reminder")).all()
    assert len(reminders) == 7
    assert audit_count("cycle.remind") == 1 and audit_count() == 1
    assert "A reminder is on its way" in hr.get(done.headers["Location"]).get_data(as_text=True)


def test_extend_validates_the_date_with_400s_and_keeps_what_was_typed(hr, running):
    cycle, _ = running
    url = f"/hr/cycles/{cycle.id}/extend"
    empty = post(hr, url, {"closes_on-day": "", "closes_on-month": "", "closes_on-year": ""})
    assert empty.status_code == 400
    assert "Enter the new closing date" in empty.get_data(as_text=True)
    bad = post(hr, url, {"closes_on-day": "31", "closes_on-month": "2", "closes_on-year": "2030"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "must be a real date" in html
    assert "There is a problem" in html and 'href="#closes_on-day"' in html
    assert 'value="31"' in html and 'value="2030"' in html
    earlier = cycle.closes_on - dt.timedelta(days=1)
    before = post(hr, url, {"closes_on-day": earlier.day, "closes_on-month": earlier.month,
                            "closes_on-year": earlier.year})
    assert before.status_code == 400 and "must be after the current one" in before.get_data(
        as_text=True)
    assert audit_count() == 0
    later = cycle.closes_on + dt.timedelta(days=7)
    done = post(hr, url, {"closes_on-day": later.day, "closes_on-month": later.month,
                          "closes_on-year": later.year})
    assert done.status_code == 303
    db.session.refresh(cycle)
    assert cycle.closes_on == later
    assert audit_count("cycle.extend") == 1 and audit_count() == 1


def _invitation_of(group: RaterGroup, status: InvitationStatus) -> Invitation:
    return db.session.scalars(select(Invitation).join(Nomination).where(
        Nomination.group == group, Invitation.status == status).order_by(Invitation.id)).first()


@pytest.mark.parametrize("how", ["resend", "reissue"])
def test_the_link_page_never_tells_whether_the_rater_answered(hr, running, how):
    cycle, _ = running
    answer(cycle, RaterGroup.PEER, 1)
    answered = _invitation_of(RaterGroup.PEER, InvitationStatus.SUBMITTED)
    waiting = _invitation_of(RaterGroup.PEER, InvitationStatus.PENDING)
    subject = cycle.subjects[0]
    url = f"/hr/cycles/{cycle.id}/leaders/{subject.id}/link"
    progress_url = f"/hr/cycles/{cycle.id}/progress"
    first_page = without_csrf(hr.get(url).get_data(as_text=True))
    first_progress = without_csrf(hr.get(progress_url).get_data(as_text=True))
    assert "Peer Person0" in first_page and "Peer Person1" in first_page  # chosen by name
    outcomes = []
    for invitation in (answered, waiting):
        before = db.session.query(OutboxMessage).count()
        done = post(hr, url, {"rater": invitation.id, "how": how})
        assert done.status_code == 303
        outcomes.append((done.headers["Location"],
                         without_csrf(hr.get(done.headers["Location"]).get_data(as_text=True)),
                         without_csrf(hr.get(progress_url).get_data(as_text=True))))
        db.session.expire_all()
        sent = db.session.query(OutboxMessage).count() - before
        assert sent == (0 if invitation is answered else 1)  # the one waiting gets their link
    assert outcomes[0] == outcomes[1]  # the same page, byte for byte, either way
    assert outcomes[0][2] == first_progress
    assert "If that person still needs their link" in outcomes[0][1]
    assert without_csrf(hr.get(url).get_data(as_text=True)) == first_page
    rows = db.session.scalars(select(AuditEvent).where(
        AuditEvent.actor_person_id.is_not(None), AuditEvent.action.not_in(SESSION_ACTIONS))
        .order_by(AuditEvent.id)).all()
    assert [(r.action, r.object_type, r.object_id, r.summary) for r in rows] == [
        (f"invitation.{how}", "subject", str(subject.id),
         "link sent again where still needed for a peer of Alex Leader")] * 2
    log = hr.get("/hr/audit").get_data(as_text=True)
    assert "a peer of Alex Leader" in log
    assert "Peer Person" not in log


def test_the_link_page_needs_a_rater_of_this_leader_and_a_choice(hr, running):
    cycle, _ = running
    subject = cycle.subjects[0]
    url = f"/hr/cycles/{cycle.id}/leaders/{subject.id}/link"
    missing = post(hr, url, {})
    html = missing.get_data(as_text=True)
    assert missing.status_code == 400
    assert "Choose the person whose link to send" in html
    assert "Choose whether to send the same link or a new one" in html
    wrong = post(hr, url, {"rater": "999999", "how": "resend"})
    assert wrong.status_code == 400
    assert 'value="resend" checked' in wrong.get_data(as_text=True)
    assert audit_count() == 0


def test_close_then_reports_then_release(app, hr, running):
    cycle, _ = running
    answer(cycle, RaterGroup.DIRECT_REPORT, 3)
    confirm = hr.get(f"/hr/cycles/{cycle.id}/close").get_data(as_text=True)
    assert "link stops working" in confirm
    assert "report is queued to be made" in confirm
    closed = post(hr, f"/hr/cycles/{cycle.id}/close")
    assert closed.status_code == 303 and closed.headers["Location"].endswith(
        "/reports?done=closed")
    db.session.refresh(cycle)
    assert cycle.state == CycleState.CLOSED
    assert audit_count("cycle.close") == 1 and audit_count() == 1
    status = hr.get(closed.headers["Location"]).get_data(as_text=True)
    assert "Queued" in status and "Alex Leader" in status

    early = hr.get(f"/hr/cycles/{cycle.id}/release").get_data(as_text=True)
    assert "Some reports are not ready yet" in early and "Alex Leader" in early
    refused = post(hr, f"/hr/cycles/{cycle.id}/release")  # the header's form has a token
    assert refused.status_code == 409
    assert audit_count() == 1  # the refused release left no row

    run_queue(app)
    confirm = hr.get(f"/hr/cycles/{cycle.id}/release").get_data(as_text=True)
    assert "1 report is ready to release" in confirm
    released = post(hr, f"/hr/cycles/{cycle.id}/release")
    assert released.status_code == 303
    db.session.expire_all()
    assert current_report(cycle.subjects[0]).status == ReportStatus.RELEASED
    assert audit_count("cycle.release") == 1 and audit_count() == 2
    assert "Released" in hr.get(released.headers["Location"]).get_data(as_text=True)


def test_hand_over_after_a_facilitated_session(app, hr, staff_app):
    cycle, _, _ = launched_cycle(facilitated_release=True)
    subject = cycle.subjects[0]
    subject.facilitator = person("facil", "Fay Facilitator")
    answer(cycle, RaterGroup.DIRECT_REPORT, 3)
    assert post(hr, f"/hr/cycles/{cycle.id}/close").status_code == 303
    run_queue(app)
    assert post(hr, f"/hr/cycles/{cycle.id}/release").status_code == 303
    status = hr.get(f"/hr/cycles/{cycle.id}/reports").get_data(as_text=True)
    assert "With the facilitator" in status and "Hand over to the leader" in status
    url = f"/hr/cycles/{cycle.id}/reports/{subject.id}/hand-over"
    assert "Hand over the report to Alex Leader" in hr.get(url).get_data(as_text=True)
    done = post(hr, url)
    assert done.status_code == 303
    db.session.expire_all()
    assert current_report(subject).status == ReportStatus.RELEASED
    assert audit_count("report.hand_over") == 1
    again = post(hr, url)  # nothing with the facilitator any more: refused, no new row
    assert again.status_code == 409 and audit_count("report.hand_over") == 1


def test_send_again_command_says_the_same_whether_the_rater_answered(app, running):
    """The command on the page's operation: one line, the same either way; the email only for
    the rater still waiting."""
    cycle, _ = running
    answer(cycle, RaterGroup.PEER, 1)
    outputs = []
    for status in (InvitationStatus.SUBMITTED, InvitationStatus.PENDING):
        rater = _invitation_of(RaterGroup.PEER, status).nomination.person
        before = db.session.query(OutboxMessage).count()
        result = app.test_cli_runner().invoke(args=[
            "invitation", "send-again", str(cycle.id), "--leader", "leader",
            "--rater", rater.directory_id, "--new-link"])
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
        db.session.expire_all()
        sent = db.session.query(OutboxMessage).count() - before
        assert sent == (1 if status is InvitationStatus.PENDING else 0)
    assert outputs[0] == outputs[1] == "the link is sent again if the rater still needs it\n"
