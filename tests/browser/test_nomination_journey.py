"""A leader chooses their raters and their manager approves, in a real browser without
JavaScript: the leader starts from the organisation chart's suggestions with the keyboard
alone and submits; the manager removes one rater, adds one found by search, writes a note and
approves; both are told by email. axe-core on each new page in English and Welsh at 1280 and
375 pixels, with screenshots (into NOMINATE_SHOTS, a folder in the temporary folder unless set)."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from service.cycles import operations as cycles
from service.cycles.models import Nominator
from service.db import db
from service.nominations import lists
from service.nominations.models import ListState, Nomination, RaterGroup
from service.outbox.operations import relay_outbox
from service.staff.operations import create_account
from tests import factories
from tests.browser.console_helpers import body, mail_settings, sign_in
from tests.browser.support import AXE_OPTIONS, serve
from tests.smtp_server import SMTPServer
from tests.staff_fixtures import PASSWORD

SHOTS = Path(os.environ.get("NOMINATE_SHOTS", Path(tempfile.gettempdir()) / "shots-nominate"))


@pytest.fixture
def team_app(staff_make: Any, smtp: SMTPServer) -> Iterator[Any]:
    app = staff_make(**mail_settings(smtp))
    with app.app_context():
        people = factories.team(size_reports=3, size_peers=3)
        factories.person("olwen", "Olwen Outsider", department="Board office")
        today = dt.date.today()
        cycle = cycles.create_cycle("Spring 360", "compassionate-inclusive-leadership",
                                    today + dt.timedelta(days=5), today + dt.timedelta(days=30),
                                    nominated_by=Nominator.LEADER_WITH_MANAGER_APPROVAL)
        subject = cycles.add_subject(cycle, people["leader"])
        for who in ("leader", "boss"):
            create_account(people[who], (), PASSWORD)
        create_account(factories.person("hr", "Hana Officer"), ("hr",), PASSWORD)
        db.session.commit()
        app.config["TEST_SUBJECT_ID"] = subject.id
        yield app


def _press(page: Any, locator: Any) -> None:
    """Reach a control with the keyboard's focus and press Enter (no mouse)."""
    locator.focus()
    with page.expect_navigation():  # wait for the page the press asked for, not the old one
        page.keyboard.press("Enter")


def test_a_leader_nominates_and_the_manager_amends_and_approves(
        page: Any, team_app: Any, smtp: SMTPServer) -> None:
    subject_id = team_app.config["TEST_SUBJECT_ID"]
    for base in serve(team_app):
        sign_in(page, base, email="leader@test.example")
        _press(page, page.get_by_role("link", name="Choose your raters for Spring 360"))
        assert page.get_by_role("heading", level=1).inner_text() == "Choose your raters"
        suggestions = page.locator("#suggestions")
        assert "Morgan Boss" in suggestions.inner_text()
        _press(page, page.get_by_role("button", name="Add Morgan Boss"))
        assert "The person is added" in page.get_by_role("status").inner_text()
        assert "Morgan Boss" in page.locator("#group-manager").inner_text()
        _press(page, page.get_by_role("button", name="Add all the suggested people"))
        assert "Peer Person2" in page.locator("#group-peer").inner_text()
        assert page.locator("#suggestions").count() == 0
        _press(page, page.get_by_role("button", name="Check and submit your list"))
        assert page.locator("#warnings").count() == 0
        _press(page, page.get_by_role("button", name="Submit for approval"))
        assert "sent to your manager" in page.get_by_role("status").inner_text()

        manager = page.context.browser.new_context(java_script_enabled=False)
        boss = manager.new_page()
        sign_in(boss, base, email="boss@test.example")
        boss.get_by_role("link", name="Approve your team's raters").click()
        boss.locator("#waiting").get_by_role("link", name="Alex Leader").click()
        assert boss.url.endswith(f"/team/approvals/{subject_id}")
        boss.get_by_role("button", name="Remove Peer Person2").click()
        assert "Peer Person2" not in boss.locator("#group-peer").inner_text()
        boss.get_by_label("Name or email address").fill("Olwen")
        boss.get_by_role("button", name="Search").click()
        boss.get_by_label("Group of Olwen Outsider").select_option("other")
        boss.get_by_role("button", name="Add Olwen Outsider").click()
        assert "Olwen Outsider" in boss.locator("#group-other").inner_text()
        boss.get_by_role("button", name="Approve the list").click()
        assert boss.title().startswith("Error:")
        assert "write a note to Alex Leader" in boss.locator(".nhsuk-error-summary").inner_text()
        boss.get_by_label("Note to Alex Leader").fill("Olwen sees your board work; "
                                                      "Peer Person2 is on leave.")
        boss.get_by_role("button", name="Approve the list").click()
        assert "The list is approved" in boss.get_by_role("status").inner_text()
        manager.close()

        page.reload()
        assert "Your list is final" in page.locator("#list-state").inner_text()
        assert "Peer Person2 is on leave" in page.locator("#list-state").inner_text()

    db.session.expire_all()
    subject = lists.subject_of_leader(factories_person("leader"), subject_id)
    assert lists.state_of(subject).state == ListState.APPROVED
    names = {n.person.display_name for n in db.session.scalars(
        select(Nomination).where(Nomination.subject_id == subject_id))}
    assert "Olwen Outsider" in names and "Peer Person2" not in names
    relay_outbox()
    told = {(m["To"], m["Subject"]) for m in smtp.inbox.messages}
    assert ("leader@test.example", "Your list of raters is approved") in told
    assert ("boss@test.example", "You approved the raters of Alex Leader") in told
    leader_mail = next(m for m in smtp.inbox.messages if m["To"] == "leader@test.example"
                       and "approved" in m["Subject"])
    assert "Peer Person2 is on leave." in body(leader_mail)


def factories_person(directory_id: str) -> Any:
    from service.people.models import Person

    return db.session.scalar(select(Person).where(Person.directory_id == directory_id))


@pytest.mark.rendering
@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_nomination_pages_have_no_accessibility_violations(
        browser: Any, team_app: Any, language: str) -> None:
    subject_id = team_app.config["TEST_SUBJECT_ID"]
    subject = lists.subject_of_leader(factories_person("leader"), subject_id)
    lists.leader_add(subject, factories_person("leader"), RaterGroup.SELF)
    lists.leader_add(subject, factories_person("peer0"), RaterGroup.PEER)
    db.session.commit()
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: dict[str, str] = {}
    leader_pages = [("raters", f"/me/cycles/{subject_id}/raters?q=Person"),
                    ("submit", f"/me/cycles/{subject_id}/raters/submit")]
    manager_pages = [("approvals", "/team/approvals"),
                     ("approval", f"/team/approvals/{subject_id}?q=Olwen")]
    # HR's view of a list not final, with "Make this list final as it stands"
    hr_pages = [("hr-raters", f"/hr/cycles/{subject.cycle_id}/leaders/{subject_id}/raters")]
    for base in serve(team_app):
        for email, pages, before in (("leader@test.example", leader_pages, None),
                                     ("boss@test.example", manager_pages, "submit"),
                                     ("hr@test.example", hr_pages, None)):
            if before == "submit":
                lists.submit(subject, accept_short=True)
                db.session.commit()
            context = browser.new_context()  # axe-core runs as a script in the page
            page = context.new_page()
            sign_in(page, base, language, email=email)
            for name, path in pages:
                page.set_viewport_size({"width": 1280, "height": 900})
                page.goto(f"{base}{path}")
                assert page.locator("html").get_attribute("lang") == language
                for width in (1280, 375):
                    page.set_viewport_size({"width": width, "height": 900})
                    page.screenshot(path=str(SHOTS / f"{name}-{language}-{width}.png"),
                                    full_page=True)
                    results = Axe().run(page, options=AXE_OPTIONS)
                    if results.response["violations"]:
                        problems[f"{name} at {width} px"] = results.generate_report()
            context.close()
    assert problems == {}, "\n".join(f"{k}:\n{v}" for k, v in problems.items())
