"""The appraisal evidence pack in a real browser: the leader issues a pack without JavaScript,
downloads the PDF and JSON (no name in the file names), an appraiser opens the printed link
(genuine), the leader withdraws it (withdrawn), and a mistyped link is a 404 page. axe-core on
the leader's section and the verification pages in English and Welsh at 1280 pixels, and no
sideways scrolling at 375; screenshots into EVIDENCE_SHOTS (a temporary folder unless set)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from service.db import db
from service.evidence import operations as evidence
from service.facilitation.models import FeedbackSession
from service.plans.models import ActionPlan
from service.staff.operations import create_account
from tests.browser.console_helpers import sign_in
from tests.browser.support import AXE_OPTIONS, serve
from tests.factories import team
from tests.leaders.support import released_report
from tests.staff_fixtures import PASSWORD

OVERFLOW = "[document.documentElement.scrollWidth, innerWidth]"


def _shots() -> Path:
    wanted = Path(os.environ.get("EVIDENCE_SHOTS",
                                 Path(tempfile.gettempdir()) / "shots-evidence"))
    wanted.mkdir(parents=True, exist_ok=True)
    return wanted


@pytest.fixture
def site(staff_make: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    app = staff_make()
    with app.app_context():
        people = team(size_reports=3, size_peers=2)
        subject = released_report(people["leader"], people["boss"], people["reports"],
                                  peers=people["peers"])
        db.session.add(FeedbackSession(subject_id=subject.id,
                                       held_on=subject.cycle.closes_on))
        db.session.add(ActionPlan(subject_id=subject.id, focus=[], actions="Weekly 1:1s.",
                                  support="", review_on=None, revision=1))
        create_account(people["leader"], (), PASSWORD)
        db.session.commit()
        ids = {"subject": subject.id, "leader": people["leader"]}
        for base in serve(app):
            yield base, ids


def test_issue_download_verify_and_withdraw_without_javascript(browser: Any, site: Any
                                                               ) -> None:
    base, ids = site
    leader = browser.new_context(java_script_enabled=False, accept_downloads=True).new_page()
    sign_in(leader, base, email=ids["leader"].email)
    leader.goto(f"{base}/me/cycles/{ids['subject']}/report#evidence")
    assert leader.get_by_role("heading", name="Appraisal evidence pack").is_visible()
    leader.get_by_label("Yes, include my scores by section").check()
    leader.get_by_role("button", name="Issue an evidence pack").click()
    assert leader.get_by_role("status").inner_text() == (
        "Your evidence pack is ready to download.")
    with leader.expect_download() as download:
        leader.get_by_role("link", name="Download the evidence pack (PDF)").click()
    name = download.value.suggested_filename
    assert name.startswith("evidence-pack-") and name.endswith(".pdf")
    assert "alex" not in name.lower() and "leader" not in name.lower()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    with leader.expect_download() as download:
        leader.get_by_role("link", name="Download the evidence record (JSON)").click()
    record = json.loads(Path(download.value.path()).read_text())
    assert record["record"]["scores"] is not None
    link = record["verification_url"]
    assert link.startswith("http") and "/verify/" in link

    appraiser = browser.new_context(java_script_enabled=False).new_page()
    token = link.rsplit("/", 1)[1]
    appraiser.goto(f"{base}/verify/{token}")
    assert appraiser.get_by_role("heading", level=1).inner_text() == (
        "This evidence pack is genuine")
    assert appraiser.get_by_text("Alex Leader").is_visible()

    leader.get_by_role("button", name="Withdraw the evidence pack").click()
    assert leader.get_by_role("status").inner_text().startswith(
        "Your evidence pack is withdrawn.")
    appraiser.reload()
    assert appraiser.get_by_role("heading", level=1).inner_text() == (
        "This evidence pack was withdrawn")
    assert appraiser.goto(f"{base}/verify/{token[:-1]}x").status == 404


@pytest.mark.rendering
@pytest.mark.parametrize("language", ["en", "cy"])
def test_evidence_pages_have_no_accessibility_violations(browser: Any, site: Any,
                                                        language: str) -> None:
    base, ids = site
    shots = _shots()
    leader = browser.new_context().new_page()  # axe-core runs as a script in the page
    sign_in(leader, base, language, email=ids["leader"].email)
    report = f"{base}/me/cycles/{ids['subject']}/report"
    found: dict[str, Any] = {}

    def check(page: Any, name: str) -> None:
        assert page.locator("html").get_attribute("lang") == language
        page.set_viewport_size({"width": 1280, "height": 900})
        violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
        if violations:
            found[name] = [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]
        page.screenshot(path=str(shots / f"{name}-{language}-1280.png"), full_page=True)
        page.set_viewport_size({"width": 375, "height": 900})
        wide, inner = page.evaluate(OVERFLOW)
        assert wide <= inner, f"{name} scrolls sideways at 375 px"
        page.screenshot(path=str(shots / f"{name}-{language}-375.png"), full_page=True)

    leader.goto(f"{report}#evidence")
    check(leader, "evidence-none")
    leader.locator("main form[action$='/evidence'] button[type=submit]").click()
    check(leader, "evidence-issued")
    link = leader.locator(".app-digest").first.inner_text()
    token = link.rsplit("/", 1)[1]

    appraiser = browser.new_context().new_page()
    appraiser.goto(f"{base}/language/{language}?next=/verify/{token}")
    check(appraiser, "verify-genuine")
    appraiser.goto(f"{base}/verify/{'Z' * 43}")
    check(appraiser, "verify-unknown")
    withdraw = "main form[action*='/evidence/'][action$='/withdraw'] button[type=submit]"
    leader.locator(withdraw).click()
    appraiser.goto(f"{base}/verify/{token}")
    check(appraiser, "verify-withdrawn")
    assert found == {}
    assert evidence.TOKEN_PATTERN.fullmatch(token)
