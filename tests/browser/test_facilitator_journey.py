"""A facilitator opens the report, records the feedback session and hands the report over; the
leader then reads the session's notes and writes an action plan: in a real browser without
JavaScript. axe-core on every new page in English and Welsh; screenshots at 1280 and 375
pixels into SHOTS, looked at before a page is called done."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from service.db import db
from service.facilitation.operations import record_session
from service.reports import operations as reports_ops
from service.reports.models import ReportStatus
from service.staff.operations import create_account
from tests.browser.console_helpers import sign_in
from tests.browser.support import AXE_OPTIONS, serve
from tests.console.run_fixtures import empty_queue
from tests.facilitation.support import FAKE_PDF, answered_cycle
from tests.staff_fixtures import PASSWORD

SHOTS = Path(os.environ.get("FACIL_SHOTS", Path(tempfile.gettempdir()) / "shots-facil"))
FACILITATOR, LEADER = "facil@test.example", "leader@test.example"


@pytest.fixture
def facilitated(staff_make: Any) -> Iterator[tuple[Any, str, Any]]:
    """A closed, facilitated cycle whose report is with the facilitator; the facilitator and
    the leader have local accounts."""
    app = staff_make()
    with app.app_context():
        empty_queue(app)
        subject, people = answered_cycle(ReportStatus.WITH_FACILITATOR)
        for who in ("facilitator", "leader"):
            create_account(people[who], (), PASSWORD)
        db.session.commit()
        for base in serve(app):
            yield app, base, subject


def test_facilitator_hands_over_and_the_leader_writes_a_plan(page: Any, facilitated: Any
                                                            ) -> None:
    app, base, subject = facilitated
    sign_in(page, base, email=FACILITATOR)
    page.get_by_role("link", name="Leaders you facilitate").click()
    page.get_by_role("link", name="Alex Leader").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download version 1 of the report (PDF)").click()
    expected = f"feedback-report-{subject.cycle_id}-{subject.id}-v1.pdf"
    assert download.value.suggested_filename == expected
    assert Path(download.value.path()).read_bytes() == FAKE_PDF

    page.get_by_label("Day").fill("2")
    page.get_by_label("Month").fill("13")
    page.get_by_label("Year").fill("2025")
    page.get_by_label("Notes (optional)").fill("Agreed: listen before advising.")
    page.get_by_role("button", name="Save the session record").click()
    assert page.get_by_role("alert").get_by_text("must be a real date").is_visible()
    assert page.get_by_label("Notes (optional)").input_value() == \
        "Agreed: listen before advising."  # nothing lost
    page.get_by_label("Month").fill("3")
    page.get_by_role("button", name="Save the session record").click()
    assert "The feedback session is recorded." in page.get_by_role("status").inner_text()

    page.get_by_role("link", name="Hand the report over to Alex Leader").click()
    page.get_by_role("button", name="Hand the report over").click()
    assert "The report was handed over" in page.get_by_role("status").inner_text()
    assert page.get_by_role("main").get_by_text("Handed over to the leader").is_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, base, email=LEADER)
    page.get_by_role("link", name="Your feedback session: Test cycle").click()
    assert page.get_by_text("Agreed: listen before advising.").is_visible()
    assert page.get_by_text("2 March 2025").is_visible()
    page.go_back()
    page.get_by_role("link", name="Your action plan: Test cycle").click()
    focus = page.get_by_role("group", name="Behaviours to focus on")
    focus.get_by_role("checkbox").first.check()
    chosen = focus.get_by_role("checkbox").first.get_attribute("value")
    page.get_by_label("Actions").fill("Ask one open question in each huddle.")
    page.get_by_role("button", name="Save actions").click()
    assert "Your action plan is saved." in page.get_by_role("status").inner_text()
    assert page.get_by_label("Actions").input_value() == "Ask one open question in each huddle."
    assert page.locator(f'input[name=focus][value="{chosen}"]').is_checked()
    assert not page.get_by_label("I agree to share this action plan with my appraisal") \
        .is_checked()
    with app.app_context():
        assert reports_ops.current_report(subject).status == ReportStatus.RELEASED


NEW_PAGES = ["index", "leader", "leader_error", "hand_over", "session", "plan", "plan_error",
             "plan_read"]


def _visit(page: Any, base: str, name: str, subject_id: int) -> None:
    if name == "leader_error":
        page.goto(f"{base}/facilitation/{subject_id}")
        page.get_by_role("main").locator("form button[type=submit]").first.click()
    elif name == "plan_error":
        page.goto(f"{base}/me/cycles/{subject_id}/plan")
        page.locator("#review-day").fill("31")
        page.locator("#review-month").fill("2")
        page.locator("#review-year").fill("2027")
        page.locator("button[value=review]").click()
    else:
        page.goto(base + {"index": "/facilitation", "leader": f"/facilitation/{subject_id}",
                          "hand_over": f"/facilitation/{subject_id}/hand-over",
                          "session": f"/me/cycles/{subject_id}/session",
                          "plan": f"/me/cycles/{subject_id}/plan",
                          "plan_read": f"/me/cycles/{subject_id}/plan"}[name])


@pytest.mark.rendering
@pytest.mark.parametrize("language", ["en", "cy"])
def test_new_pages_have_no_accessibility_violations(browser: Any, facilitated: Any,
                                                   language: str) -> None:
    app, base, subject = facilitated
    SHOTS.mkdir(parents=True, exist_ok=True)
    found = {}
    contexts = {who: browser.new_context() for who in ("facilitator", "leader")}
    pages = {who: context.new_page() for who, context in contexts.items()}
    sign_in(pages["facilitator"], base, language, email=FACILITATOR)
    sign_in(pages["leader"], base, language, email=LEADER)
    for name in NEW_PAGES:
        if name == "session":  # the leader's pages: the report is handed over first
            with app.app_context():
                here = db.session.merge(subject)
                record_session(here, dt.date(2025, 3, 2), "Agreed: listen before advising.\n"
                               "Review in three months.", here.facilitator)
                reports_ops.hand_over(here)
                db.session.commit()
        who = "leader" if name in ("session", "plan", "plan_error") else "facilitator"
        page = pages[who]
        _visit(page, base, name, subject.id)
        assert page.locator("html").get_attribute("lang") == language
        violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
        if violations:
            found[name] = [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=str(SHOTS / f"{name}-{language}-{width}.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})
    for context in contexts.values():
        context.close()
    assert found == {}


def test_with_javascript_the_plan_saves_on_change(browser: Any, facilitated: Any) -> None:
    """The progressive enhancement (static/plan.js): a change is saved without a button."""
    from service.plans.operations import plan_of

    app, base, subject = facilitated
    with app.app_context():
        reports_ops.hand_over(db.session.merge(subject))
        db.session.commit()
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, base, email=LEADER)
    page.goto(f"{base}/me/cycles/{subject.id}/plan")
    page.get_by_label("Support needed").fill("Monthly coaching")
    page.get_by_label("Support needed").blur()  # a change event
    status = page.locator("#autosave-status")
    status.get_by_text("Your action plan is saved.").wait_for()
    with app.app_context():
        assert plan_of(db.session.merge(subject)).support == "Monthly coaching"
    page.locator("#review-day").fill("31")
    page.locator("#review-month").fill("2")
    page.locator("#review-month").blur()
    status.get_by_text("Not saved: press a save button to see why.").wait_for()
    context.close()
