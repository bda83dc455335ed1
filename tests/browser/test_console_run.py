"""An HR officer runs an open cycle in a real browser without JavaScript: watches progress,
extends the closing date, sends a reminder (the emails reach the test SMTP server once the
relay runs), closes and releases. axe-core on every page of the running half of the console,
in English and Welsh; screenshots at 1280 and 375 pixels."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from service.db import db
from service.nominations.models import RaterGroup
from service.staff.operations import create_account
from tests.browser.console_helpers import mail_settings, sign_in
from tests.browser.support import AXE_OPTIONS, serve
from tests.console.run_fixtures import empty_queue
from tests.factories import launched_cycle
from tests.reports.test_release import answer, run_queue
from tests.smtp_server import SMTPServer
from tests.staff_fixtures import PASSWORD, add_person

SHOTS = Path(tempfile.gettempdir()) / "shots-run"



@pytest.fixture
def console(staff_make: Any, smtp: SMTPServer) -> Iterator[tuple[Any, str, Any]]:
    """The app with an HR officer and an open cycle whose invitations were delivered, served
    on a loopback port."""
    app = staff_make(**mail_settings(smtp))
    with app.app_context():
        empty_queue(app)
        create_account(add_person("emp-hr", "Hana Officer", "hana@example.org"), ("hr",),
                       PASSWORD)
        cycle, _, _ = launched_cycle()
        answer(cycle, RaterGroup.DIRECT_REPORT, 3)
        db.session.commit()
        run_queue(app)  # the invitations go out
        smtp.inbox.messages.clear()
        for base in serve(app):
            yield app, base, cycle


def test_hr_officer_runs_a_cycle_to_release(page: Any, console: Any, smtp: SMTPServer) -> None:
    app, base, cycle = console
    sign_in(page, base)
    page.goto(f"{base}/hr/cycles/{cycle.id}/progress")
    main = page.get_by_role("main")
    assert page.get_by_role("heading", level=1).inner_text() == "Progress"
    assert main.get_by_text("Direct reports: 3 of 4 (needs 3), 0 declined").is_visible()
    assert main.get_by_role("cell", name="Alex Leader", exact=True).is_visible()

    main.get_by_role("link", name="Extend the closing date").click()
    later = cycle.closes_on + dt.timedelta(days=7)
    page.get_by_label("Day").fill("40")
    page.get_by_label("Month").fill(str(later.month))
    page.get_by_label("Year").fill(str(later.year))
    page.get_by_role("button", name="Extend the closing date").click()
    summary = page.get_by_role("alert")
    assert summary.get_by_text("must be a real date").is_visible()
    assert page.get_by_label("Day").input_value() == "40"  # nothing lost
    page.get_by_label("Day").fill(str(later.day))
    page.get_by_role("button", name="Extend the closing date").click()
    assert page.get_by_role("status").inner_text() == (
        f"The closing date is now {later.day} {later:%B %Y}.")

    main.get_by_role("link", name="Send a reminder now").click()
    assert page.get_by_text("6 reminder emails will be sent").is_visible()
    page.get_by_role("button", name="Send the reminders").click()
    assert "A reminder is on its way" in page.get_by_role("status").inner_text()
    with app.app_context():
        run_queue(app)  # the relay the reminder woke
    reminded = sorted(str(m["To"]) for m in smtp.inbox.messages)
    assert reminded == sorted(["leader@test.example", "boss@test.example",
                               "report3@test.example", "peer0@test.example",
                               "peer1@test.example", "peer2@test.example"])
    left = f"{(later - dt.date.today()).days} days left"  # counted to the new closing date
    assert all(left in m.get_body(("plain",)).get_content() for m in smtp.inbox.messages)

    page.get_by_role("main").get_by_role("link", name="Close the cycle").click()
    assert page.get_by_text("link stops working").is_visible()
    page.get_by_role("button", name="Close the cycle").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Report status"
    assert page.get_by_role("main").get_by_text("Queued").is_visible()
    with app.app_context():
        run_queue(app)  # the worker makes the report
    page.get_by_role("link", name="Release the reports").click()
    assert page.get_by_text("1 report is ready to release.").is_visible()
    page.get_by_role("button", name="Release the reports").click()
    assert "The reports are released" in page.get_by_role("status").inner_text()
    assert page.get_by_role("main").get_by_text("Released", exact=True).is_visible()


PAGES = ["progress", "remind", "extend", "link", "close", "reports", "release", "hand_over",
         "people", "import", "audit", "audit_error", "extend_error"]


def _path(name: str, cycle: Any) -> str:
    subject = cycle.subjects[0].id
    return {
        "link": f"/hr/cycles/{cycle.id}/leaders/{subject}/link",
        "hand_over": f"/hr/cycles/{cycle.id}/reports/{subject}/hand-over",
        "people": "/hr/people?q=Person",
        "import": "/hr/people/import",
        "audit": "/hr/audit",
        "audit_error": "/hr/audit?since-day=31&since-month=2&since-year=2026",
    }.get(name, f"/hr/cycles/{cycle.id}/{name}")


@pytest.mark.rendering
@pytest.mark.parametrize("language", ["en", "cy"])
def test_console_pages_have_no_accessibility_violations(browser: Any, console: Any,
                                                       language: str) -> None:
    _app, base, cycle = console
    context = browser.new_context()  # axe-core runs as a script in the page
    page = context.new_page()
    sign_in(page, base, language)
    SHOTS.mkdir(parents=True, exist_ok=True)
    found = {}
    for name in PAGES:
        if name == "extend_error":
            page.goto(f"{base}/hr/cycles/{cycle.id}/extend")
            page.locator("main form button[type=submit]").click()
        else:
            page.goto(f"{base}{_path(name, cycle)}")
        assert page.locator("html").get_attribute("lang") == language
        violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
        if violations:
            found[name] = [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=str(SHOTS / f"{name}-{language}-{width}.png"), full_page=True)
    context.close()
    assert found == {}
