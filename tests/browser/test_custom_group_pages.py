"""A cycle's own rater groups in a real browser: HR defines one on the console (and is told
beside the box what to fix), then the group is offered and counted on HR's, the leader's and
the manager's nomination pages; after launch HR sees the groups read-only. axe-core on each
new or changed page in English and Welsh at 1280 pixels, no sideways scrolling at 375, with
screenshots (into GROUP_SHOTS, a folder in the temporary folder unless set)."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from service.cycles import operations as cycles
from service.cycles.groups import add_group
from service.cycles.models import Nominator
from service.db import db
from service.nominations import lists
from service.nominations.models import RaterGroup
from service.staff.operations import create_account
from tests import factories
from tests.browser.console_helpers import sign_in
from tests.browser.support import AXE_OPTIONS, serve
from tests.staff_fixtures import PASSWORD

SHOTS = Path(os.environ.get("GROUP_SHOTS", Path(tempfile.gettempdir()) / "shots-groups"))


@pytest.fixture
def groups_app(staff_make: Any) -> Iterator[Any]:
    """A draft cycle where the leader nominates (with their manager's approval), and an open
    cycle with a group of its own."""
    app = staff_make()
    with app.app_context():
        people = factories.team(size_reports=3, size_peers=3)
        factories.person("carer0", "Cara Carer", department="Patient panel")
        factories.person("carer1", "Cai Carer", department="Patient panel")
        today = dt.date.today()
        draft = cycles.create_cycle("Spring 360", "compassionate-inclusive-leadership",
                                    today + dt.timedelta(days=5), today + dt.timedelta(days=30),
                                    nominated_by=Nominator.LEADER_WITH_MANAGER_APPROVAL)
        subject = cycles.add_subject(draft, people["leader"])
        running = factories.draft_cycle({"leader": factories.person("l2", "Lee Other"),
                                         "boss": people["boss"], "reports": [], "peers": []})
        add_group(running, "Partner organisations", "Sefydliadau partner", 3)
        cycles.launch(running)
        for who in ("leader", "boss"):
            create_account(people[who], (), PASSWORD)
        create_account(factories.person("hr", "Hana Officer"), ("hr",), PASSWORD)
        db.session.commit()
        app.config.update(TEST_SUBJECT_ID=subject.id, TEST_DRAFT_ID=draft.id,
                          TEST_RUNNING_ID=running.id)
        yield app


def _check(page: Any, name: str, language: str, problems: dict[str, str]) -> None:
    """axe at 1280, no sideways scrolling at 375, a screenshot at each width."""
    assert page.locator("html").get_attribute("lang") == language
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(SHOTS / f"{name}-{language}-1280.png"), full_page=True)
    results = Axe().run(page, options=AXE_OPTIONS)
    if results.response["violations"]:
        problems[f"{name} ({language})"] = results.generate_report()
    page.set_viewport_size({"width": 375, "height": 900})
    page.screenshot(path=str(SHOTS / f"{name}-{language}-375.png"), full_page=True)
    wide, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    if wide > inner:
        problems[f"{name} ({language}) at 375"] = f"scrolls sideways: {wide} > {inner}"
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.rendering
@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_custom_group_pages_have_no_accessibility_violations(
        browser: Any, groups_app: Any, language: str) -> None:
    config = groups_app.config
    subject_id, draft_id = config["TEST_SUBJECT_ID"], config["TEST_DRAFT_ID"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: dict[str, str] = {}
    welsh = language == "cy"
    for base in serve(groups_app):
        context = browser.new_context()  # axe-core runs as a script in the page
        page = context.new_page()
        sign_in(page, base, language, email="hr@test.example")
        # HR defines a group: first with mistakes, told beside each box.
        page.goto(f"{base}/hr/cycles/{draft_id}/groups")
        _check(page, "groups-empty", language, problems)
        page.locator("#name_en").fill("Peers")
        page.locator("#name_cy").fill("Cymheiriaid")
        page.locator("#min_size").fill("1")
        page.locator("main form button[type=submit]").last.click()
        assert page.title().startswith("Gwall:" if welsh else "Error:")
        assert page.locator(".nhsuk-error-summary li").count() == 2  # name_en, min_size
        _check(page, "groups-error", language, problems)
        page.locator("#name_en").fill("Patients and carers")
        page.locator("#name_cy").fill("Cleifion a gofalwyr")
        page.locator("#min_size").fill("2")
        page.locator("main form button[type=submit]").last.click()
        assert "Cleifion a gofalwyr" in page.locator("#groups").inner_text()
        _check(page, "groups-draft", language, problems)
        page.goto(f"{base}/hr/cycles/{draft_id}")
        _check(page, "cycle", language, problems)
        page.goto(f"{base}/hr/cycles/{config['TEST_RUNNING_ID']}/groups")
        assert page.locator("#name_en").count() == 0
        _check(page, "groups-launched", language, problems)
        # HR nominates a carer in the new group.
        raters = f"{base}/hr/cycles/{draft_id}/leaders/{subject_id}/raters"
        page.goto(f"{raters}?q=Cara")
        page.get_by_label("Grŵp Cara Carer" if welsh else "Group of Cara Carer").select_option(
            "custom_patients_and_carers")
        page.locator("#results button[type=submit]").first.click()
        assert ("Cleifion a gofalwyr" if welsh else "Patients and carers") in \
            page.locator("#raters").inner_text()
        _check(page, "hr-raters", language, problems)
        context.close()

        context = browser.new_context()
        page = context.new_page()
        sign_in(page, base, language, email="leader@test.example")
        page.goto(f"{base}/me/cycles/{subject_id}/raters?q=Cai")
        _check(page, "leader-raters", language, problems)
        page.locator("#results select").select_option("custom_patients_and_carers")
        page.locator("#results button[type=submit]").first.click()
        assert "Cai Carer" in page.locator("#group-custom_patients_and_carers").inner_text()
        page.goto(f"{base}/me/cycles/{subject_id}/raters/submit")
        _check(page, "leader-submit", language, problems)
        context.close()

        subject = lists.subject_of_leader(_person("leader"), subject_id)
        lists.leader_add(subject, _person("leader"), RaterGroup.SELF)
        lists.submit(subject, accept_short=True)
        db.session.commit()
        context = browser.new_context()
        page = context.new_page()
        sign_in(page, base, language, email="boss@test.example")
        page.goto(f"{base}/team/approvals/{subject_id}?q=Peer")
        assert page.locator("#group-custom_patients_and_carers").count() == 1
        _check(page, "approval", language, problems)
        context.close()
    assert problems == {}, "\n".join(f"{k}:\n{v}" for k, v in problems.items())


def _person(directory_id: str) -> Any:
    from sqlalchemy import select

    from service.people.models import Person

    return db.session.scalar(select(Person).where(Person.directory_id == directory_id))
