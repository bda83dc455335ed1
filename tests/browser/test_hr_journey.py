"""An HR officer's whole journey in the HR console, in a real browser without JavaScript: signs
in with a directory bind (the hr role from the directory group LDAP_HR_GROUP, no local grant),
creates a cycle, picks the cohort by department, reviews the suggested raters, launches; raters
answer through the links in their invitations; the officer watches counts-only progress,
extends the closing date, sends a reminder, closes and releases. Every email reaches the test
SMTP server through the relay."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest

from service.db import db
from service.staff.models import StaffRole
from tests.browser.console_helpers import body, mail_settings, rating_link, sign_in
from tests.browser.support import serve
from tests.console.run_fixtures import empty_queue
from tests.directory.conftest import Org, build_org, run
from tests.ldap_server import SUFFIX, Slapd, app_settings
from tests.ldap_server import Person as Entry
from tests.reports.test_release import run_queue
from tests.smtp_server import SMTPServer

PASSWORD = "directory password, with spaces"
HR_GROUP = f"cn=feedback360 hr,ou=services,{SUFFIX}"


@pytest.fixture
def flavour() -> str:
    return "openldap"  # both flavours' group lookups are covered by tests/staff


@pytest.fixture
def org() -> Org:
    return build_org(staff=20)  # ten ward managers, two staff nurses each


@pytest.fixture
def journey(staff_make: Any, directory: Slapd, smtp: SMTPServer) -> Iterator[tuple[Any, str]]:
    nia = Entry("nia", "Nia", "Hughes", email="nia.hughes@example.org")
    directory.add(nia, password=PASSWORD)
    with directory.connection() as conn:
        conn.add(HR_GROUP, attributes={"objectClass": ["groupOfNames"],
                                       "cn": "feedback360 hr", "member": [nia.dn]})
    app = staff_make(**app_settings(directory, LDAP_HR_GROUP=HR_GROUP), **mail_settings(smtp))
    with app.app_context():
        empty_queue(app)
        assert run(app, "directory", "sync").exit_code == 0
        assert db.session.scalar(db.select(db.func.count(StaffRole.id))) == 0  # no grant
        for base in serve(app):
            yield app, base


def relay(app: Any, smtp: SMTPServer) -> list[Any]:
    """Run the queued tasks (the relay a commit woke); the emails that arrived, then forget them."""
    with app.app_context():
        run_queue(app)
    arrived = list(smtp.inbox.messages)
    smtp.inbox.messages.clear()
    return arrived


def answer(page: Any, url: str) -> None:
    """A rater opens their link and answers "Always" to every statement, a step at a time,
    then sends it from the review."""
    page.goto(url)
    while page.get_by_role("button", name="Continue").count():
        for choice in page.get_by_label("Always", exact=True).all():
            choice.check()
        # Wait for the next step before looking at it: reading the page the click left
        # answered the old step twice and reached the end without the review (seen under load).
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()
    # The leader's own form sends a self-assessment; everyone else's, feedback.
    page.get_by_role("button", name=re.compile(r"^Send (feedback|self-assessment)$")).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Thank you"


def test_an_hr_officer_runs_a_whole_cycle(page: Any, journey: Any, smtp: SMTPServer) -> None:
    app, base = journey
    sign_in(page, base, email="nia", password=PASSWORD)
    assert page.get_by_role("heading", level=1).inner_text() == "Signed in as Nia Hughes"
    assert page.locator("#roles").inner_text().strip() == "HR"
    page.get_by_role("link", name="Go to the HR console").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Feedback cycles"
    assert page.get_by_text("There are no cycles yet.").is_visible()

    page.get_by_role("button", name="Create a new cycle").click()  # a link styled as one
    page.get_by_label("Name of the cycle").fill("Ward managers 2027")
    page.get_by_label("Compassionate and inclusive leadership (version 3)").check()
    page.get_by_role("button", name="Create cycle").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Ward managers 2027"
    assert "The cycle is created as a draft" in page.get_by_role("status").inner_text()
    cycle_url = page.url.split("?")[0]

    page.get_by_role("button", name="Add leaders").click()
    assert page.url.startswith(f"{cycle_url}/leaders")
    page.get_by_label("Department", exact=True).fill("Ward 3")
    page.get_by_role("button", name="Preview the department").click()
    preview = page.locator("#preview")
    assert preview.get_by_text("New leaders: 1").is_visible()
    assert preview.get_by_role("cell", name="Lead3 Person").is_visible()
    page.get_by_role("button", name="Add 1 leader").click()
    assert "The leaders are added." in page.get_by_role("status").inner_text()
    assert page.get_by_text("Leaders in this cycle: 1").is_visible()

    page.get_by_role("link", name="Raters of Lead3 Person").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Raters of Lead3 Person"
    assert page.get_by_text("Nobody is nominated yet.").is_visible()
    page.get_by_role("button", name="Nominate the suggested raters from the "
                                    "organisation chart").click()
    assert "The suggested raters are nominated." in page.get_by_role("status").inner_text()
    per_group = page.locator("table", has_text="Needed for scores to be shown")
    counts = {group: per_group.get_by_role("row", name=group).inner_text().split("\t")[1:]
              for group in ("Self", "Manager", "Peers", "Direct reports", "Others")}
    assert counts == {"Self": ["1", "1"], "Manager": ["1", "1"], "Peers": ["10", "3"],
                      "Direct reports": ["2", "3"], "Others": ["0", "3"]}
    warnings = page.get_by_role("main").inner_text()
    assert "direct report scores will not be shown unless at least 3 of these 2 respond" \
        in warnings
    page.get_by_role("link", name="Back to the leaders").click()
    page.get_by_role("link", name="Back to the cycle").click()

    page.get_by_role("button", name="Check and launch").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Launch the cycle"
    assert "14 invitation emails go to 14 people" in page.locator("#what-happens").inner_text()
    page.get_by_role("button", name="Launch and send 14 invitations").click()
    assert "The cycle is launched" in page.get_by_role("status").inner_text()
    assert page.get_by_text("Open", exact=True).first.is_visible()

    invitations = {str(m["To"]): m for m in relay(app, smtp)}
    assert sorted(invitations) == sorted(
        ["lead3@example.org", "gwen.aprhys@example.org", "s0003@example.org",
         "s0013@example.org", "sian.obrien@example.org",
         *(f"lead{i}@example.org" for i in range(10) if i != 3)])
    answering = ["lead3@example.org", "gwen.aprhys@example.org", "lead0@example.org",
                 "lead1@example.org", "lead2@example.org", "s0003@example.org"]
    for email in answering:
        answer(page, base + rating_link(invitations[email]))

    page.goto(f"{cycle_url}/progress")
    assert page.get_by_role("heading", level=1).inner_text() == "Progress"
    main = page.get_by_role("main")
    assert main.get_by_text("6 (43%)", exact=True).is_visible()  # of 14 invited
    assert main.get_by_role("cell", name="Lead3 Person", exact=True).is_visible()
    assert main.get_by_text("6 of 14, 0 declined").is_visible()
    assert main.get_by_text("Peers: 3 of 10 (needs 3), 0 declined").is_visible()
    assert main.get_by_text("Direct reports: 1 of 2 (needs 3), 0 declined").is_visible()
    shown = main.inner_text()
    raters = ["Gwen Ap Rhys", "Siân O'Brien", "Staff3 Member", "Staff13 Member",
              *(f"Lead{i} Person" for i in range(10) if i != 3)]
    assert [name for name in raters if name in shown] == []  # counts only, nobody named

    closing = re.search(r"Closing date\s+(\d+ \w+ \d{4})", shown)
    assert closing, "the progress page shows the closing date"
    closes_on = dt.datetime.strptime(closing.group(1), "%d %B %Y").date()
    main.get_by_role("link", name="Extend the closing date").click()
    later = closes_on + dt.timedelta(days=7)
    page.get_by_label("Day").fill(str(later.day))
    page.get_by_label("Month").fill(str(later.month))
    page.get_by_label("Year").fill(str(later.year))
    page.get_by_role("button", name="Extend the closing date").click()
    assert page.get_by_role("status").inner_text() == (
        f"The closing date is now {later.day} {later:%B %Y}.")

    page.get_by_role("main").get_by_role("link", name="Send a reminder now").click()
    assert page.get_by_text("8 reminder emails will be sent").is_visible()
    page.get_by_role("button", name="Send the reminders").click()
    assert "A reminder is on its way" in page.get_by_role("status").inner_text()
    reminders = relay(app, smtp)
    assert sorted(str(m["To"]) for m in reminders) == sorted(set(invitations) - set(answering))
    days = (later - dt.date.today()).days  # counted to the new closing date
    english = [m for m in reminders if m["To"] != "sian.obrien@example.org"]  # Siân: Welsh
    assert all(f"{days} days left" in body(m) for m in english) and len(english) == 7
    assert all(str(days) in body(m) for m in reminders)

    page.get_by_role("main").get_by_role("link", name="Close the cycle").click()
    assert page.get_by_text("link stops working").is_visible()
    page.get_by_role("button", name="Close the cycle").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Report status"
    assert page.get_by_role("main").get_by_text("Queued").is_visible()
    thanked = relay(app, smtp)  # the thank-you emails go out; the worker makes the report
    assert sorted((str(m["To"]), str(m["Subject"])) for m in thanked) == sorted(
        [("gwen.aprhys@example.org", "Diolch: mae Ward managers 2027 wedi cau"),  # Welsh
         *((f"{who}@example.org", "Thank you: Ward managers 2027 has closed")
           for who in ("s0003", "lead0", "lead1", "lead2"))])  # not the leader's self-rating
    page.get_by_role("link", name="Release the reports").click()
    assert page.get_by_text("1 report is ready to release.").is_visible()
    page.get_by_role("button", name="Release the reports").click()
    assert "The reports are released" in page.get_by_role("status").inner_text()
    assert page.get_by_role("main").get_by_text("Released", exact=True).is_visible()
    ready = relay(app, smtp)
    assert [(str(m["To"]), str(m["Subject"])) for m in ready] == [
        ("lead3@example.org", "Your leadership 360 report is ready")]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(StaffRole.id))) == 0  # HR by group
