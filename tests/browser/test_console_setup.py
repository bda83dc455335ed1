"""An HR officer sets a cycle up in a real browser without JavaScript: signs in with a local
account, creates a cycle, picks the cohort by department, nominates the suggested raters,
launches from the keyboard alone, and the invitations reach the test SMTP server once the
relay runs. axe-core on every setting-up page, in English and Welsh, and screenshots."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from service.cycles import operations as cycles
from service.db import db
from service.nominations.operations import nominate_suggested
from service.outbox.operations import relay_outbox
from service.people.operations import find_person
from service.staff.operations import create_account
from tests.browser.console_helpers import mail_settings, sign_in
from tests.browser.support import AXE_OPTIONS, serve
from tests.factories import person
from tests.smtp_server import SMTPServer
from tests.staff_fixtures import PASSWORD, add_person

SHOTS = Path(tempfile.gettempdir()) / "shots-setup"
RUBRIC = "compassionate-inclusive-leadership"


def _org() -> dict[str, Any]:
    """Surgery: two managers (Sam with three doctors, Nell with two nurses) under a director."""
    chief = person("chief", "Cara Chief", department="Board")
    sam = person("surgeon", "Sam Surgeon", manager=chief, department="Surgery")
    nell = person("nurse", "Nell Nurse", manager=chief, department="Surgery")
    doctors = [person(f"doc{i}", f"Dai Doctor{i}", manager=sam, department="Surgery")
               for i in range(3)]
    nurses = [person(f"ward{i}", f"Wyn Ward{i}", manager=nell, department="Surgery")
              for i in range(2)]
    return {"chief": chief, "sam": sam, "nell": nell, "doctors": doctors, "nurses": nurses}



@pytest.fixture
def mail_app(staff_make: Any, smtp: SMTPServer) -> Iterator[Any]:
    app = staff_make(**mail_settings(smtp))
    with app.app_context():
        officer = add_person("emp-1", "Hana Officer", "hana@example.org")
        create_account(officer, ("hr",), PASSWORD)
        _org()
        db.session.commit()
        yield app


def _focus_is_visible(page: Any) -> bool:
    """The focused control draws an outline or a box shadow (the design system's yellow)."""
    style = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return [s.outlineStyle, s.outlineWidth, s.boxShadow, s.backgroundColor]; }""")
    outline, width, shadow, background = style
    return (outline != "none" and width != "0px") or shadow != "none" or \
        background == "rgb(255, 235, 59)"


def test_an_hr_officer_sets_up_and_launches_a_cycle_and_the_invitations_arrive(
        page: Any, mail_app: Any, smtp: SMTPServer) -> None:
    for base in serve(mail_app):
        sign_in(page, base)
        assert page.url == f"{base}/staff"
        page.get_by_role("link", name="Go to the HR console").click()
        assert page.url == f"{base}/hr"
        page.get_by_role("button", name="Create a new cycle").click()  # a link styled as one

        page.get_by_label("Name of the cycle").fill("Surgery leaders 2027")
        page.get_by_label("Compassionate and inclusive leadership (version 3)").check()
        page.get_by_role("button", name="Create cycle").click()
        assert page.get_by_role("heading", level=1).inner_text() == "Surgery leaders 2027"
        assert "The cycle is created as a draft" in page.get_by_role("status").inner_text()

        page.get_by_role("button", name="Add leaders").click()
        page.get_by_label("Department", exact=True).fill("Surgery")
        page.get_by_role("button", name="Preview the department").click()
        preview = page.locator("#preview")
        assert preview.get_by_text("Sam Surgeon").is_visible()
        assert preview.get_by_text("Nell Nurse").is_visible()
        page.get_by_role("button", name="Add these 2 leaders").click()
        assert "The leaders are added." in page.get_by_role("status").inner_text()

        for leader in ("Nell Nurse", "Sam Surgeon"):
            page.get_by_role("link", name=f"Raters of {leader}").click()
            page.get_by_role("button", name="Nominate the suggested raters from the "
                                            "organisation chart").click()
            assert "The suggested raters are nominated." in \
                page.get_by_role("status").inner_text()
            page.get_by_role("link", name="Back to the leaders").click()

        page.get_by_role("link", name="Back to the cycle").click()
        page.get_by_role("button", name="Check and launch").click()
        assert page.get_by_role("heading", level=1).inner_text() == "Launch the cycle"
        # Nell: self, manager (Cara), two reports, one peer (Sam); Sam likewise with three.
        assert "11 invitation emails go to 8 people" in page.locator("#what-happens").inner_text()

        # The keyboard alone: Tab to the launch button, see where the focus is, press Enter.
        launch = page.get_by_role("button", name="Launch and send 11 invitations")
        for _ in range(60):
            page.keyboard.press("Tab")
            if launch.evaluate("button => button === document.activeElement"):
                break
        else:
            pytest.fail("the launch button cannot be reached with the Tab key")
        assert _focus_is_visible(page)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/hr/cycles/*?done=launched")
        assert "The cycle is launched" in page.get_by_role("status").inner_text()
        assert page.get_by_text("Open", exact=True).first.is_visible()

    counts = relay_outbox()
    assert (counts.sent, counts.failed) == (11, 0)
    recipients = sorted(message["To"] for message in smtp.inbox.messages)
    assert len(recipients) == 11 and recipients.count("chief@test.example") == 2
    assert "surgeon@test.example" in recipients and "ward1@test.example" in recipients


def _pages(app: Any) -> list[tuple[str, str]]:
    """(name, path) of every setting-up page, with a draft and an open cycle to show."""
    today = dt.date.today()
    draft = cycles.create_cycle("Surgery 2027", RUBRIC, today, today + dt.timedelta(days=21))
    sam = cycles.add_subject(draft, find_person("surgeon"))
    cycles.add_subject(draft, find_person("nurse"))
    nominate_suggested(sam)
    db.session.commit()
    base = f"/hr/cycles/{draft.id}"
    return [("home", "/hr"), ("new", "/hr/cycles/new"), ("cycle", base),
            ("edit", f"{base}/edit"), ("cancel", f"{base}/cancel"),
            ("leaders", f"{base}/leaders?department=Surgery"),
            ("leaders-search", f"{base}/leaders?q=doc"),
            ("raters", f"{base}/leaders/{sam.id}/raters?q=wyn"),
            ("launch", f"{base}/launch"), ("staff", "/staff")]


@pytest.mark.rendering
@pytest.mark.parametrize("language", ["en", "cy"])
def test_setting_up_pages_have_no_accessibility_violations(browser: Any, mail_app: Any,
                                                          language: str) -> None:
    pages = _pages(mail_app)
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems = {}
    for base in serve(mail_app):
        context = browser.new_context()  # axe-core runs as a script in the page
        page = context.new_page()
        sign_in(page, base, language)
        for name, path in pages:
            page.set_viewport_size({"width": 1280, "height": 900})
            page.goto(f"{base}{path}")
            assert page.locator("html").get_attribute("lang") == language
            results = Axe().run(page, options=AXE_OPTIONS)
            if results.response["violations"]:
                problems[name] = results.generate_report()
            page.screenshot(path=str(SHOTS / f"{name}-{language}-1280.png"), full_page=True)
            page.set_viewport_size({"width": 375, "height": 900})
            page.screenshot(path=str(SHOTS / f"{name}-{language}-375.png"), full_page=True)
            results = Axe().run(page, options=AXE_OPTIONS)
            if results.response["violations"]:
                problems[f"{name} at 375 px"] = results.generate_report()
        context.close()
    assert problems == {}, "\n".join(f"{k}:\n{v}" for k, v in problems.items())


@pytest.mark.rendering
def test_an_error_page_has_no_accessibility_violations(browser: Any, mail_app: Any) -> None:
    """A form sent back with problems: the error summary and the field errors."""
    for base in serve(mail_app):
        context = browser.new_context()
        page = context.new_page()
        sign_in(page, base)
        page.goto(f"{base}/hr/cycles/new")
        page.get_by_label("Name of the cycle").fill("")
        page.locator("#closes_on-day").fill("45")
        page.get_by_role("button", name="Create cycle").click()
        summary = page.get_by_role("alert")
        assert summary.get_by_role("link", name="Enter a name for the cycle").is_visible()
        summary.get_by_role("link", name="Enter a real closing date, for example 31 3 2027"
                            ).click()
        assert page.evaluate("document.activeElement.id") == "closes_on-day"
        results = Axe().run(page, options=AXE_OPTIONS)
        page.screenshot(path=str(SHOTS / "new-error-en-1280.png"), full_page=True)
        context.close()
        assert results.response["violations"] == [], results.generate_report()
