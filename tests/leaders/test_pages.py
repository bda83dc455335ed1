"""The leader's pages and "Reports shared with me", through the real sign-in: what each shows,
the PDF's headers, the sharing form's errors, and the refusals."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from service.cycles import operations as cycles
from service.db import db
from service.nominations.models import Invitation, InvitationStatus, Nomination, RaterGroup
from service.sharing.models import ReportShare
from service.staff.operations import create_account
from tests.console.run_fixtures import csrf, post
from tests.factories import draft_cycle, person, team
from tests.leaders.support import FAKE_PDF, released, released_report
from tests.staff_fixtures import PASSWORD, sign_in


@pytest.fixture
def world(staff_app: Flask) -> dict[str, Any]:
    people = team(size_reports=3, size_peers=3)
    subject = released_report(people["leader"], people["boss"], people["reports"])
    open_cycle = draft_cycle(people)
    cycles.launch(open_cycle)
    mo = person("mo", "Mo Mentor")
    for someone in (people["leader"], mo, people["boss"]):
        create_account(someone, (), PASSWORD)
    db.session.commit()
    return {**people, "subject": subject, "open": open_cycle.subjects[0], "mo": mo,
            "report": released(subject)}


def _client(app: Flask, email: str) -> Any:
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def test_my_feedback_lists_each_cycle_with_what_is_asked(staff_app, world):
    leader = _client(staff_app, world["leader"].email)
    home = leader.get("/staff").get_data(as_text=True)
    assert 'href="/me"' in home
    page = leader.get("/me").get_data(as_text=True)
    assert "Spring leadership 360" in page and "Test cycle" in page
    assert f'/me/cycles/{world["subject"].id}/report' in page
    assert "Complete your self-assessment" in page
    # the link is the leader's own pending self invitation, and it opens their form
    link = page.split('href="/r/')[1].split('"')[0]
    assert leader.get(f"/r/{link}").status_code == 200
    assert f'/me/cycles/{world["open"].id}/progress' in page


def test_progress_shows_counts_by_group_only(staff_app, world):
    leader = _client(staff_app, world["leader"].email)
    page = leader.get(f"/me/cycles/{world['open'].id}/progress").get_data(as_text=True)
    assert "Always shown" in page and "Not yet: needs 3 answers" in page
    for rater in [world["boss"], *world["reports"], *world["peers"]]:
        assert rater.display_name not in page and rater.email not in page
    boss = _client(staff_app, world["boss"].email)
    assert boss.get(f"/me/cycles/{world['open'].id}/progress").status_code == 404


def test_the_report_page_summarises_and_lists_versions(staff_app, world):
    leader = _client(staff_app, world["leader"].email)
    page = leader.get(f"/me/cycles/{world['subject'].id}/report").get_data(as_text=True)
    for heading in ("Scores by section", "Strengths", "Areas to develop", "Blind spots",
                    "Versions", "Share your report"):
        assert heading in page
    assert "Direct reports" in page and "Attending" in page
    for rater in world["reports"]:
        assert rater.display_name not in page


def test_the_pdf_is_served_only_to_readers_uncached_and_unnamed(staff_app, world):
    url = f"/reports/{world['subject'].id}/v{world['report'].version}.pdf"
    leader = _client(staff_app, world["leader"].email)
    reply = leader.get(url)
    assert reply.status_code == 200 and reply.data == FAKE_PDF
    assert reply.headers["Cache-Control"] == "no-store"
    assert reply.headers["Content-Type"] == "application/pdf"
    disposition = reply.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "leader" not in disposition.lower()
    assert f"feedback-report-{world['subject'].cycle_id}-" in disposition
    assert _client(staff_app, world["mo"].email).get(url).status_code == 404
    assert _client(staff_app, world["boss"].email).get(url).status_code == 404
    assert staff_app.test_client().get(url).status_code == 302


def test_share_and_withdraw_from_the_report_page(staff_app, world):
    leader = _client(staff_app, world["leader"].email)
    page_url = f"/me/cycles/{world['subject'].id}/report"
    found = leader.get(page_url + "?q=mentor").get_data(as_text=True)
    assert "Mo Mentor" in found and "mo@test.example" in found
    shared = post(leader, f"/me/cycles/{world['subject'].id}/shares",
                  {"person": world["mo"].id, "role": "mentor"}, page_url=page_url + "?q=mo")
    assert shared.status_code == 303
    mentor = _client(staff_app, world["mo"].email)
    assert "Alex Leader" in mentor.get("/shared").get_data(as_text=True)
    assert 'href="/shared"' in mentor.get("/staff").get_data(as_text=True)
    summary = mentor.get(f"/shared/{world['subject'].id}")
    assert summary.status_code == 200 and "Scores by section" in summary.get_data(as_text=True)
    assert "Share your report" not in summary.get_data(as_text=True)
    pdf = f"/reports/{world['subject'].id}/v{world['report'].version}.pdf"
    assert mentor.get(pdf).status_code == 200

    page = leader.get(page_url).get_data(as_text=True)
    assert "Mo Mentor (Mentor)" in page and "shared with Mo Mentor as mentor" in page
    share = db.session.scalar(select(ReportShare))
    withdrawn = leader.post(f"/me/cycles/{world['subject'].id}/shares/{share.id}/withdraw",
                            data={"csrf_token": csrf(page)})
    assert withdrawn.status_code == 303
    assert mentor.get(f"/shared/{world['subject'].id}").status_code == 404
    assert mentor.get(pdf).status_code == 404
    assert "Alex Leader" not in mentor.get("/shared").get_data(as_text=True)
    history = leader.get(page_url).get_data(as_text=True)
    assert "share with Mo Mentor withdrawn" in history


def test_the_share_form_explains_what_is_missing(staff_app, world):
    leader = _client(staff_app, world["leader"].email)
    url = f"/me/cycles/{world['subject'].id}/shares"
    page_url = f"/me/cycles/{world['subject'].id}/report"
    reply = post(leader, url, {"role": "coach"}, page_url=page_url)
    text = reply.get_data(as_text=True)
    assert reply.status_code == 400 and "There is a problem" in text
    assert "Choose the person" in text and "facilitator, appraiser or mentor" in text
    assert "<title>Error:" in text
    refused = post(leader, url, {"person": world["leader"].id, "role": "mentor"},
                   page_url=page_url)
    assert refused.status_code == 409 and "already yours" in refused.get_data(as_text=True)
    no_token = leader.post(url, data={"person": world["mo"].id, "role": "mentor"})
    assert no_token.status_code == 400 and db.session.scalar(select(ReportShare)) is None


def test_a_leader_without_a_released_report_has_no_report_page(staff_app, world):
    leader = _client(staff_app, world["leader"].email)
    assert leader.get(f"/me/cycles/{world['open'].id}/report").status_code == 404
    assert leader.get(f"/me/cycles/{world['subject'].id}/report?version=99").status_code == 404


def test_the_self_link_disappears_once_answered(staff_app, world):
    invitation = db.session.scalar(select(Invitation).join(Nomination).where(
        Nomination.subject_id == world["open"].id, Nomination.group == RaterGroup.SELF))
    invitation.status, invitation.sealed_token = InvitationStatus.SUBMITTED, None
    db.session.commit()
    page = _client(staff_app, world["leader"].email).get("/me").get_data(as_text=True)
    assert "Complete your self-assessment" not in page and "/r/" not in page


def test_share_with_appraisal_change_and_withdraw(staff_app, world):
    from service.audit.models import AuditEvent
    from service.plans.models import ActionPlan
    from service.sharing import integration
    from service.sharing.models import IntegrationConsent

    leader = _client(staff_app, world["leader"].email)
    subject = world["subject"]
    page_url = f"/me/cycles/{subject.id}/report"
    page = leader.get(page_url).get_data(as_text=True)
    assert "Share with appraisal" in page and "Not shared with appraisal." in page
    assert "Your action plan" not in page  # no plan yet: nothing to offer
    assert "Withdraw from appraisal" not in page
    shared = post(leader, f"/me/cycles/{subject.id}/appraisal", {"also": "comments"},
                  page_url=page_url)
    assert shared.status_code == 303 and shared.location.endswith("#appraisal")
    allowed = integration.allowed_for(subject)
    assert (allowed.summary, allowed.comments, allowed.pdf) == (True, True, False)
    page = leader.get(page_url + "?done=appraisal_shared").get_data(as_text=True)
    assert "Your choices for appraisal are saved." in page
    assert "the summary, the comments." in page and "Withdraw from appraisal" in page

    db.session.add(ActionPlan(subject=subject, focus=[], actions="Listen more.", support="",
                              revision=1, appraisal_consent=False))
    db.session.commit()
    changed = post(leader, f"/me/cycles/{subject.id}/appraisal",
                   {"also": ["pdf", "action_plan"]}, page_url=page_url)
    assert changed.status_code == 303
    allowed = integration.allowed_for(subject)
    assert (allowed.comments, allowed.pdf, allowed.action_plan) == (False, True, True)
    page = leader.get(page_url).get_data(as_text=True)
    assert "choices changed" in page and "your action plan" in page

    withdrawn = post(leader, f"/me/cycles/{subject.id}/appraisal/withdraw", {},
                     page_url=page_url)
    assert withdrawn.status_code == 303
    assert integration.allowed_for(subject).parts == []
    page = leader.get(page_url).get_data(as_text=True)
    assert "Not shared with appraisal." in page and "withdrawn" in page
    db.session.expire_all()
    assert [c.active for c in db.session.scalars(select(IntegrationConsent)
                                                 .order_by(IntegrationConsent.id))] == [
        False, False]
    actions = [e.action for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.action.like("report.%integration")).order_by(AuditEvent.id))]
    assert actions == ["report.share_integration", "report.share_integration",
                       "report.withdraw_integration"]
    # another person cannot give or withdraw the leader's consent
    mentor = _client(staff_app, world["mo"].email)
    assert post(mentor, f"/me/cycles/{subject.id}/appraisal", {}, page_url="/me"
                ).status_code == 404


def test_the_page_states_the_organisations_policy(staff_app, world):
    staff_app.config["APPRAISAL_ALWAYS_RECEIVES_SUMMARY"] = True
    leader = _client(staff_app, world["leader"].email)
    page = leader.get(f"/me/cycles/{world['subject'].id}/report").get_data(as_text=True)
    assert "appraisal always receives your summary, without comments" in page
