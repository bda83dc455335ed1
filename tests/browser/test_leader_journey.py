"""A leader reads their report in a real browser without JavaScript, downloads the PDF, shares
it with a mentor who then reads it, and withdraws the share, after which the mentor cannot.
axe-core on every new page in English and Welsh at 1280 and 375 pixels; screenshots of each
into LEADER_SHOTS (a folder in the temporary folder unless set)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from service.cycles import operations as cycles
from service.db import db
from service.staff.operations import create_account
from tests.browser.console_helpers import sign_in
from tests.browser.support import AXE_OPTIONS, serve
from tests.factories import draft_cycle, person, team
from tests.leaders.support import FAKE_PDF, released_report
from tests.staff_fixtures import PASSWORD


def _shots() -> Path:
    wanted = Path(os.environ.get("LEADER_SHOTS", Path(tempfile.gettempdir()) / "shots-leader"))
    try:
        wanted.mkdir(parents=True, exist_ok=True)
        return wanted
    except OSError:
        return Path(tempfile.gettempdir()) / "shots-leader"


@pytest.fixture
def site(staff_make: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    app = staff_make()
    with app.app_context():
        people = team(size_reports=3, size_peers=3)
        subject = released_report(people["leader"], people["boss"], people["reports"])
        open_cycle = draft_cycle(people)
        cycles.launch(open_cycle)
        mentor = person("mo", "Mo Mentor", title="Consultant nurse")
        person("mona", "Mona Moreno")
        for someone in (people["leader"], mentor):
            create_account(someone, (), PASSWORD)
        db.session.commit()
        ids = {"subject": subject.id, "open": open_cycle.subjects[0].id,
               "leader": people["leader"], "mentor": mentor}
        for base in serve(app):
            yield base, ids


def test_a_leader_reads_downloads_shares_and_withdraws(browser: Any, site: Any) -> None:
    base, ids = site
    leader = browser.new_context(java_script_enabled=False).new_page()
    sign_in(leader, base, email=ids["leader"].email)
    leader.get_by_role("link", name="My feedback").click()
    leader.get_by_role("link", name="Read your report").click()
    assert leader.get_by_role("heading", level=1).inner_text() == "Your report"
    assert leader.get_by_role("heading", name="Scores by section").is_visible()
    with leader.expect_download() as download:
        leader.get_by_role("link", name="Download the PDF (version 1)").first.click()
    name = download.value.suggested_filename
    assert name.startswith("feedback-report-") and name.endswith("-v1.pdf")
    assert "alex" not in name.lower() and "leader" not in name.lower()
    assert Path(download.value.path()).read_bytes() == FAKE_PDF

    leader.get_by_label("Search by name or email address").fill("Mo")
    leader.get_by_role("button", name="Search").click()
    leader.get_by_label("Mo Mentor").check()
    leader.get_by_label("Mentor", exact=True).check()
    leader.get_by_role("button", name="Share your report").click()
    assert leader.get_by_role("status").inner_text().startswith("Your report is shared.")
    assert leader.get_by_text("Mo Mentor (Mentor)").is_visible()

    mentor = browser.new_context(java_script_enabled=False).new_page()
    sign_in(mentor, base, email=ids["mentor"].email)
    mentor.get_by_role("link", name="Reports shared with me").click()
    mentor.get_by_role("link", name="Alex Leader: Spring leadership 360").click()
    assert mentor.get_by_role("heading", level=1).inner_text() == "Report of Alex Leader"
    report_url = mentor.url
    pdf_href = mentor.get_by_role("link", name="Download the PDF (version 1)").first \
        .get_attribute("href")
    assert mentor.request.get(f"{base}{pdf_href}").status == 200

    leader.get_by_role("button", name="Withdraw (Mo Mentor)").click()
    assert leader.get_by_role("status").inner_text().startswith("The share is withdrawn.")
    assert leader.get_by_text("share with Mo Mentor withdrawn").is_visible()

    assert mentor.goto(report_url).status == 404
    assert mentor.request.get(f"{base}{pdf_href}").status == 404
    mentor.goto(f"{base}/shared")
    assert mentor.get_by_text("No reports are shared with you.").is_visible()

    # share with appraisal, with the comments, then withdraw (no JavaScript)
    assert leader.get_by_text("Not shared with appraisal.").is_visible()
    leader.get_by_label("The comments").check()
    leader.get_by_role("button", name="Share with appraisal").click()
    assert leader.get_by_role("status").first.inner_text() == (
        "Your choices for appraisal are saved.")
    assert leader.get_by_text("the summary, the comments.").is_visible()
    leader.get_by_role("button", name="Withdraw from appraisal").click()
    assert leader.get_by_role("status").first.inner_text().startswith(
        "Your report is no longer shared with appraisal.")


PAGES = ("mine", "progress", "report", "report_search", "report_error", "report_appraisal",
         "shared", "shared_report")


@pytest.mark.rendering
@pytest.mark.parametrize("language", ["en", "cy"])
def test_leader_pages_have_no_accessibility_violations(browser: Any, site: Any,
                                                      language: str) -> None:
    base, ids = site
    shots = _shots()
    leader = browser.new_context().new_page()  # axe-core runs as a script in the page
    sign_in(leader, base, language, email=ids["leader"].email)
    mentor = browser.new_context().new_page()
    sign_in(mentor, base, language, email=ids["mentor"].email)
    found = {}
    for name in PAGES:
        page = mentor if name.startswith("shared") else leader
        if name == "shared":  # the leader shares through the page before the mentor looks
            leader.goto(f"{base}/me/cycles/{ids['subject']}/report?q=Mentor")
            leader.locator("input[name=person]").first.check()
            leader.locator("input[name=role][value=mentor]").check()
            leader.locator("main form[action$='/shares'] button[type=submit]").click()
        path = {"mine": "/me", "progress": f"/me/cycles/{ids['open']}/progress",
                "report": f"/me/cycles/{ids['subject']}/report",
                "report_search": f"/me/cycles/{ids['subject']}/report?q=Mo",
                "report_error": f"/me/cycles/{ids['subject']}/report?q=Mo",
                "report_appraisal": f"/me/cycles/{ids['subject']}/report#appraisal",
                "shared": "/shared", "shared_report": f"/shared/{ids['subject']}"}[name]
        page.goto(f"{base}{path}")
        if name == "report_appraisal":  # shared with appraisal: the choices and history
            page.locator("input[name=also][value=pdf]").check()
            page.locator("main form[action$='/appraisal'] button[type=submit]").click()
        if name == "report_error":
            page.locator("main form[action$='/shares'] button[type=submit]").click()
            assert page.title().startswith(("Error:", "Gwall:"))
        assert page.locator("html").get_attribute("lang") == language
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 900})
            violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
            if violations:
                found[f"{name}-{width}"] = [(v["id"], [n["target"] for n in v["nodes"]])
                                            for v in violations]
            page.screenshot(path=str(shots / f"{name}-{language}-{width}.png"),
                            full_page=True)
    assert found == {}

