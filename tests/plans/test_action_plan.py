"""The leader's action plan: behaviours chosen from the released report (its areas to develop
and blind spots first), saved on every POST, audited without its text, read unchanged by whoever
may open the released report, and appended to a re-rendered PDF of the same version."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from service.audit.models import AuditEvent
from service.db import db
from service.plans import operations
from service.plans.models import ActionPlan
from service.reports.models import ReportStatus
from tests.console.run_fixtures import post
from tests.facilitation.support import answered_cycle, client_for
from tests.factories import person
from tests.reports.test_release import run_queue


def _plan() -> ActionPlan:
    db.session.expire_all()
    return db.session.scalar(select(ActionPlan))


def _audits() -> list[str]:
    return [e.summary for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("plan.%")).order_by(AuditEvent.id))]


def test_the_choices_are_the_reports_own_areas_and_blind_spots_first(staff_app):
    subject, _ = answered_cycle(ReportStatus.RELEASED)
    report = operations.released_report(subject)
    context = operations.report_context(report)
    options = operations.choices(context)
    areas = [row["id"] for row in context["highlights"]["areas"]]
    blind = [row["id"] for row in context["gaps"]["blind"]][:operations.FOCUS_MAX]
    assert areas and blind  # self rated 5, everyone else lower
    assert [item for item, _ in options["suggested"]] == list(dict.fromkeys(areas + blind))
    others = [item for section in options["sections"] for item, _ in section["items"]]
    assert not set(others) & {item for item, _ in options["suggested"]}
    assert len(others) + len(options["suggested"]) == len(options["text"])


def test_every_post_saves_and_each_change_is_audited_without_the_text(staff_app):
    subject, people = answered_cycle(ReportStatus.RELEASED)
    client = client_for(staff_app, people["leader"])
    url = f"/me/cycles/{subject.id}/plan"
    page = client.get(url).get_data(as_text=True)
    assert "Your action plan" in page and 'name="consent"' in page
    assert 'value="yes" checked' not in page  # consent is off by default
    suggested = re.findall(r'name="focus" type="checkbox" value="([^"]+)"', page) or \
        re.findall(r'name="focus" value="([^"]+)"', page)
    first = operations.choices(operations.report_context(
        operations.released_report(subject)))["suggested"][0][0]
    saved = post(client, url, {"focus": [first], "actions": "PRIVATE-ACTION listen first",
                               "part": "actions"})
    assert saved.status_code == 303 and saved.headers["Location"].endswith("done=saved#actions")
    plan = _plan()
    assert plan.focus == [first] and plan.actions == "PRIVATE-ACTION listen first"
    assert plan.appraisal_consent is False and plan.revision == 1
    assert post(client, url, {"focus": [first], "actions": "PRIVATE-ACTION listen first",
                              "consent": "yes"}).status_code == 303
    assert _plan().appraisal_consent is True and _plan().revision == 2
    assert post(client, url, {"focus": [first], "actions": "PRIVATE-ACTION listen first",
                              "consent": "yes"}).status_code == 303
    assert _plan().revision == 2  # nothing changed: no new revision, no audit row
    audits = _audits()
    assert len(audits) == 2 and all("PRIVATE-ACTION" not in a for a in audits)
    assert "focus, actions saved" in audits[0] and "shared with appraisal" in audits[1]
    assert suggested == [] or first in suggested


def test_bad_input_is_a_400_that_keeps_what_was_typed_and_saves_the_rest(staff_app):
    subject, people = answered_cycle(ReportStatus.RELEASED)
    client = client_for(staff_app, people["leader"])
    url = f"/me/cycles/{subject.id}/plan"
    bad = post(client, url, {"focus": ["not-an-item"], "support": "My manager, monthly",
                             "review-day": "31", "review-month": "2", "review-year": "2027"})
    assert bad.status_code == 400
    body = bad.get_data(as_text=True)
    assert "Choose behaviours from the list" in body and "must be a real date" in body
    assert "<title>Error:" in body and 'href="#focus"' in body and "My manager, monthly" in body
    assert _plan().support == "My manager, monthly" and _plan().focus == []
    items = list(operations.choices(operations.report_context(
        operations.released_report(subject)))["text"])[:operations.FOCUS_MAX + 1]
    many = post(client, url, {"focus": items})
    assert many.status_code == 400 and "at most 5" in many.get_data(as_text=True)


def test_readers_follow_may_open_report_and_only_the_leader_writes(staff_app):
    subject, people = answered_cycle(ReportStatus.RELEASED)
    leader = client_for(staff_app, people["leader"])
    url = f"/me/cycles/{subject.id}/plan"
    post(leader, url, {"actions": "Hold a weekly open door"})
    facilitator = client_for(staff_app, people["facilitator"], address="192.0.2.2")
    page = facilitator.get(url).get_data(as_text=True)
    assert "Action plan of Alex Leader" in page and "Hold a weekly open door" in page
    assert "<form" not in page.split("<main", 1)[1]
    assert facilitator.post(url, data={"actions": "changed"}).status_code in (400, 404)
    assert _plan().actions == "Hold a weekly open door"
    boss = client_for(staff_app, people["boss"], address="192.0.2.3")
    hr = client_for(staff_app, person("hr", "Hana Officer"), ("hr",), address="192.0.2.4")
    for outsider in (boss, hr):
        assert outsider.get(url).status_code == 404
        assert outsider.get(url + "/report.pdf").status_code == 404


def test_before_release_the_leader_is_told_to_wait(staff_app):
    subject, people = answered_cycle(ReportStatus.WITH_FACILITATOR)
    leader = client_for(staff_app, people["leader"])
    page = leader.get(f"/me/cycles/{subject.id}/plan")
    assert page.status_code == 200
    assert "once your report is released" in page.get_data(as_text=True)
    assert post(leader, f"/me/cycles/{subject.id}/plan", {"actions": "x"},
                page_url="/staff").status_code == 409
    facilitator = client_for(staff_app, people["facilitator"], address="192.0.2.2")
    assert facilitator.get(f"/me/cycles/{subject.id}/plan").status_code == 404


def test_the_report_with_my_plan_is_rendered_on_the_queue_from_the_same_version(staff_app,
                                                                                tmp_path):
    staff_app.extensions["huey"].flush()
    subject, people = answered_cycle(ReportStatus.RELEASED)
    report = operations.released_report(subject)
    leader = client_for(staff_app, people["leader"])
    url = f"/me/cycles/{subject.id}/plan"
    first = operations.choices(operations.report_context(report))["suggested"][0]
    post(leader, url, {"focus": [first[0]], "actions": "Ask one open question in each huddle",
                       "support": "Coaching from my manager", "review-day": "3",
                       "review-month": "3", "review-year": "2027"})
    assert leader.get(url + "/report.pdf").status_code == 404  # not made yet
    asked = post(leader, url + "/pdf", page_url=url)
    assert asked.status_code == 303
    assert "being prepared" in leader.get(url).get_data(as_text=True)
    assert run_queue(staff_app).get("render_plan_report") == 1
    reply = leader.get(url + "/report.pdf")
    assert reply.status_code == 200 and reply.headers["Cache-Control"] == "no-store"
    # Named like the report's own download (no name in it), plus the plan's revision.
    name = f"feedback-report-{subject.cycle_id}-{subject.id}-v1-with-plan-1.pdf"
    assert reply.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    reader = PdfReader(io.BytesIO(reply.data))
    last = " ".join(reader.pages[-1].extract_text().split())
    assert "My action plan" in last and "Ask one open question in each huddle" in last
    assert first[1].rstrip(".") in last and "3 March 2027" in last
    (tmp_path / "plan.pdf").write_bytes(reply.data)
    db.session.expire_all()
    assert report.response_ids == operations.released_report(subject).response_ids
    # A later save makes the stored PDF stale: it is not served until made again.
    post(leader, url, {"focus": [first[0]], "actions": "Changed"})
    assert leader.get(url + "/report.pdf").status_code == 404
    facilitator = client_for(staff_app, people["facilitator"], address="192.0.2.2")
    assert facilitator.get(url + "/report.pdf").status_code == 404
