"""Reports through the API: status without consent, the summary, PDF and action plan only as
the leader shared them (or the organisation's policy gives the summary), every refusal with
its code, the audit endpoint, and a page of summaries in a fixed number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, select

from service.audit.models import AuditEvent
from service.audit.operations import Actor, acting_as, record
from service.cycles.models import Subject
from service.db import db, utcnow
from service.plans.models import ActionPlan
from service.reports.models import Report, ReportStatus
from service.sharing import integration
from tests import factories
from tests.leaders.support import FAKE_PDF, released_report

COMMENT = "Always makes time to listen."


@pytest.fixture
def world(app: Any) -> dict[str, Any]:
    people = factories.team(size_reports=3, size_peers=2)
    subject = released_report(people["leader"], people["boss"], people["reports"],
                              peers=people["peers"], comment=COMMENT)
    db.session.commit()
    cycle = subject.cycle
    return {**people, "subject": subject, "cycle": cycle,
            "base": f"/cycles/{cycle.id}/reports/{people['leader'].id}"}


def _consent(subject, **parts):
    integration.give_consent(subject, **parts)
    db.session.commit()


def _plan(subject, consent=True):
    plan = ActionPlan(subject=subject, focus=[subject.cycle.rubric_snapshot["sections"][0][
        "items"][0]["id"]], actions="Ask the team weekly.", support="A mentor.", revision=1,
        appraisal_consent=consent)
    db.session.add(plan)
    db.session.commit()
    return plan


def _refused(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["code"] == code and body["status"] == status and body["message"]
    return body


# --- status ---------------------------------------------------------------------------------

def test_status_needs_no_consent_and_tells_nothing_from_inside(api, world):
    body = api("GET", world["base"]).get_json()
    assert body["released"] is True and body["version"] == 1 and body["shared"] == []
    assert body["released_at"].endswith("+00:00")
    assert body["person_id"] == world["leader"].id
    page = api("GET", f"/cycles/{world['cycle'].id}/reports").get_json()
    assert page["total"] == 1 and page["items"] == [body]


def test_status_of_a_leader_without_a_released_report(api, world):
    draft = factories.draft_cycle({"leader": world["peers"][0], "boss": world["boss"],
                                   "reports": [], "peers": []})
    db.session.commit()
    body = api("GET", f"/cycles/{draft.id}/reports/{world['peers'][0].id}").get_json()
    assert (body["released"], body["version"], body["released_at"], body["shared"]) == (
        False, None, None, [])
    _refused(api("GET", f"/cycles/{draft.id}/reports/{world['peers'][0].id}/summary"),
             404, "not_released")


def test_status_lists_what_the_leader_shared(api, world):
    _consent(world["subject"], pdf=True, comments=True)
    _plan(world["subject"])
    assert api("GET", world["base"]).get_json()["shared"] == [
        "summary", "comments", "pdf", "action_plan"]


# --- refusals ---------------------------------------------------------------------------------

def test_nothing_from_inside_without_consent(api, world):
    _refused(api("GET", world["base"] + "/summary"), 403, "not_shared")
    _refused(api("GET", world["base"] + "/pdf"), 403, "pdf_not_shared")
    _refused(api("GET", world["base"] + "/action-plan"), 403, "action_plan_not_shared")
    assert api("GET", f"/cycles/{world['cycle'].id}/summaries").get_json()["total"] == 0


def test_a_person_who_is_not_a_leader_in_the_cycle(api, world):
    for tail in ("", "/summary", "/pdf", "/action-plan"):
        _refused(api("GET", f"/cycles/{world['cycle'].id}/reports/{world['boss'].id}{tail}"),
                 404, "not_a_leader")
        _refused(api("GET", f"/cycles/999999/reports/{world['leader'].id}{tail}"), 404,
                 "not_found")


@pytest.mark.parametrize("path", ["/cycles/1/reports", "/cycles/1/reports/1",
                                  "/cycles/1/summaries", "/cycles/1/reports/1/summary",
                                  "/cycles/1/reports/1/pdf", "/cycles/1/reports/1/action-plan"])
def test_report_endpoints_need_reports_read(api_with, world, path):
    body = _refused(api_with("cycles:read", "progress:read", "audit:read")("GET", path), 403,
                    "missing_scope")
    assert "reports:read" in body["message"]


def test_the_pdf_and_comments_need_their_own_choice(api, world):
    _consent(world["subject"])
    summary = api("GET", world["base"] + "/summary").get_json()
    assert summary["comments"] is None and summary["included"] == ["summary"]
    assert COMMENT not in str(summary)
    _refused(api("GET", world["base"] + "/pdf"), 403, "pdf_not_shared")
    _consent(world["subject"], comments=True)
    summary = api("GET", world["base"] + "/summary").get_json()
    assert [c for block in summary["comments"] for c in block["comments"]] == [COMMENT] * 3
    _consent(world["subject"], pdf=True)
    response = api("GET", world["base"] + "/pdf")
    assert response.status_code == 200 and response.data == FAKE_PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Alex" not in response.headers["Content-Disposition"]
    assert api("GET", world["base"] + "/summary").get_json()["comments"] is None


def test_a_withdrawal_takes_effect_on_the_next_call(api, world):
    _consent(world["subject"], pdf=True)
    _plan(world["subject"])
    assert api("GET", world["base"] + "/summary").status_code == 200
    integration.withdraw_consent(world["subject"])
    db.session.commit()
    _refused(api("GET", world["base"] + "/summary"), 403, "not_shared")
    _refused(api("GET", world["base"] + "/pdf"), 403, "pdf_not_shared")
    _refused(api("GET", world["base"] + "/action-plan"), 403, "action_plan_not_shared")
    assert db.session.scalar(select(ActionPlan.appraisal_consent)) is False


# --- the summary ----------------------------------------------------------------------------

def test_the_summary_holds_the_reports_figures_and_never_a_hidden_group(api, world):
    _consent(world["subject"])
    summary = api("GET", world["base"] + "/summary").get_json()
    assert summary["version"] == 1 and summary["released_on"]
    assert summary["leader"]["directory_id"] == "leader" and summary["by_policy"] is False
    groups = {g["group"]: g for g in summary["groups"]}
    assert groups["peer"]["responded"] == 2 and groups["peer"]["shown"] is False
    assert "peer" not in summary["columns"]
    for section in summary["sections"]:
        assert "peer" not in section["scores"]
        assert section["scores"]["direct_report"]["n"] == 3
        assert section["scores"]["manager"]["mean"] == 3.0
    # importance, with the thresholds of scores: only the first section was asked about
    first, *rest = summary["sections"]
    assert "peer" not in first["importance"] and first["importance"]["direct_report"] == {
        "mean": 5.0, "n": 3}
    assert first["importance"]["all_others"]["n"] == 4  # manager and direct reports
    assert all(section["importance"] == {} for section in rest)
    assert isinstance(summary["priorities"], list)
    assert summary["strengths"] and summary["areas_to_develop"]
    assert summary["blind_spots"]  # self rated 5 everywhere
    assert summary["action_plan"] is None
    # the same figures as the leader's own page (one context builder)
    from service.leaders.overview import summary as page_summary

    report = db.session.scalars(select(Report)).one()
    page = page_summary(report, "en")
    assert [s["text"] for s in summary["strengths"]] == [
        r["text"] for r in page["highlights"]["strengths"]]


def test_the_summary_in_welsh(api, world):
    _consent(world["subject"])
    english = api("GET", world["base"] + "/summary").get_json()
    welsh = api("GET", world["base"] + "/summary?language=cy").get_json()
    assert welsh["language"] == "cy" and english["language"] == "en"
    assert welsh["sections"][0]["title"] != english["sections"][0]["title"]
    _refused(api("GET", world["base"] + "/summary?language=fr"), 422, "invalid_input")


def test_the_action_plan_when_shared(api, world):
    _consent(world["subject"])
    plan = _plan(world["subject"])
    body = api("GET", world["base"] + "/action-plan").get_json()
    assert body["actions"] == "Ask the team weekly." and body["focus"][0]["item_id"] == \
        plan.focus[0] and body["focus"][0]["text"]
    summary = api("GET", world["base"] + "/summary").get_json()
    assert summary["action_plan"] == body
    plan.appraisal_consent = False
    db.session.commit()
    _refused(api("GET", world["base"] + "/action-plan"), 403, "action_plan_not_shared")
    assert api("GET", world["base"] + "/summary").get_json()["action_plan"] is None


def test_a_shared_plan_not_written_yet(api, world, monkeypatch):
    _consent(world["subject"])
    monkeypatch.setattr(integration.Allowed, "action_plan", property(lambda self: True))
    _refused(api("GET", world["base"] + "/action-plan"), 404, "no_action_plan")


def test_the_policy_gives_the_summary_without_comments(app, api, world):
    app.config["APPRAISAL_ALWAYS_RECEIVES_SUMMARY"] = True
    summary = api("GET", world["base"] + "/summary").get_json()
    assert summary["by_policy"] is True and summary["comments"] is None
    _refused(api("GET", world["base"] + "/pdf"), 403, "pdf_not_shared")
    _refused(api("GET", world["base"] + "/action-plan"), 403, "action_plan_not_shared")
    page = api("GET", f"/cycles/{world['cycle'].id}/summaries").get_json()
    assert page["total"] == 1


def test_every_read_is_audited_with_the_keys_name(api, world):
    _consent(world["subject"])
    api("GET", world["base"] + "/summary")
    api("GET", world["base"] + "/pdf")
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(
        ["api.read", "api.refused"])).order_by(AuditEvent.id)).all()
    assert [(r.action, r.summary.split(":")[0]) for r in rows[-2:]] == [
        ("api.read", f"GET /api/v1{world['base']}/summary"),
        ("api.refused", f"GET /api/v1{world['base']}/pdf")]
    assert rows[-1].actor.startswith("API key")


# --- a page of summaries --------------------------------------------------------------------

def _queries(app, call):
    count = [0]

    def counted(*args):
        count[0] += 1

    event.listen(db.engine, "before_cursor_execute", counted)
    try:
        response = call()
    finally:
        event.remove(db.engine, "before_cursor_execute", counted)
    assert response.status_code == 200, response.get_json()
    return count[0], response.get_json()


def test_summaries_are_paged_in_a_fixed_number_of_queries(app, api, world):
    """More leaders put straight into the released cycle, with reports of no answers (the
    bench, bench/api.py, pulls pages of a 2,000-leader cycle answered in full)."""
    base = world["cycle"]
    for person in world["reports"]:
        subject = Subject(cycle=base, person=person)
        report = Report(subject=subject, version=1, status=ReportStatus.RELEASED,
                        response_ids=[], cohort=None, released_at=utcnow())
        db.session.add(report)
        db.session.flush()
        integration.give_consent(subject)
    _consent(world["subject"])
    one, small = _queries(app, lambda: api("GET", f"/cycles/{base.id}/summaries?per_page=1"))
    four, large = _queries(app, lambda: api("GET", f"/cycles/{base.id}/summaries?per_page=4"))
    assert small["total"] == large["total"] == 4 and len(large["items"]) == 4
    assert four == one, (one, four)
    second = api("GET", f"/cycles/{base.id}/summaries?per_page=3&page=2").get_json()
    assert [i["leader"]["person_id"] for i in second["items"]] == [
        large["items"][3]["leader"]["person_id"]]


# --- audit ----------------------------------------------------------------------------------

def test_the_audit_log_paged_and_filtered(api, api_with, world):
    with acting_as(Actor("someone")):
        for n in range(5):
            record("cycle.launch", "cycle", n, f"launch {n}")
        record("cycle_x.other", "cycle", 9, "not a cycle. action")
    db.session.commit()
    reader = api_with("audit:read")
    page = reader("GET", "/audit?action=cycle.launch&per_page=2").get_json()
    assert page["total"] == 5 + 1  # and the release_report's own launch
    assert [i["summary"] for i in page["items"]] == ["launch 4", "launch 3"]
    assert set(page["items"][0]) == {"id", "at", "actor", "action", "object_type",
                                     "object_id", "summary", "address"}
    assert reader("GET", "/audit?action=cycle_&object_type=cycle").get_json()["total"] == 1
    today = page["items"][0]["at"][:10]
    assert reader("GET", f"/audit?since={today}&until={today}&action=cycle.launch"
                  ).get_json()["total"] == 6
    assert reader("GET", "/audit?until=2000-01-01").get_json()["total"] == 0
    _refused(reader("GET", "/audit?since=2027-02-02&until=2027-02-01"), 422, "invalid_input")
    _refused(reader("GET", "/audit?who=me"), 422, "invalid_input")
    _refused(api_with("reports:read")("GET", "/audit"), 403, "missing_scope")
