import os

import pytest
from axe_playwright_python.sync_playwright import Axe

from service.cycles import operations as cycles
from service.cycles.models import Cycle
from service.db import db
from service.nominations.models import Invitation, InvitationStatus
from service.responses.models import Response
from service.responses.sealing import seal_draft
from tests.factories import launched_cycle

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


def _direct_report_token(tokens):
    invitation = next(i for i in db.session.scalars(db.select(Invitation).order_by(Invitation.id))
                      if i.nomination.group.value == "direct_report")
    return tokens[invitation.id]


def _shot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def _csp_violations(page):
    """Chromium reports each thing the Content-Security-Policy blocked on the console, even
    with JavaScript off; a blocked stylesheet or inline style would otherwise go unnoticed."""
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    return violations


def test_rater_saves_comes_back_and_submits_without_javascript(page, live_server):
    cycle, tokens, _ = launched_cycle()
    rubric = cycle.rubric_snapshot
    url = f"{live_server}/r/{_direct_report_token(tokens)}"
    violations = _csp_violations(page)

    response = page.goto(url)
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == (
        "rgb(240, 244, 245)")  # the stylesheet applied under the policy
    heading = page.get_by_role("heading", level=1)  # the cycle's name is its caption
    assert heading.inner_text().splitlines()[-1] == "Feedback for Alex Leader"
    _shot(page, "rate-form")
    first = rubric["sections"][0]["items"][0]
    group = page.get_by_role("group", name=first["text"]["en"])
    group.get_by_label("Often").check()
    page.get_by_role("button", name="Save and come back later").click()
    assert "Your answers are saved" in page.get_by_role("alert").inner_text()  # a success banner

    page.goto(url)  # coming back later through the same link
    group = page.get_by_role("group", name=first["text"]["en"])
    assert group.get_by_label("Often").is_checked()

    page.get_by_role("button", name="Continue").click()  # the step is still incomplete
    assert page.get_by_role("alert").get_by_text("There is a problem").is_visible()
    _shot(page, "rate-errors")

    for section in rubric["sections"]:  # one section a step
        for item in section["items"]:
            page.get_by_role("group", name=item["text"]["en"]).get_by_label(
                "Not observed" if item is section["items"][-1] else "Always").check()
        page.get_by_role("button", name="Continue").click()
    page.get_by_label(rubric["questions"][0]["text"]["en"]).fill("Makes time for everyone.")
    page.get_by_role("button", name="Continue").click()
    assert "Makes time for everyone." in page.content()  # the review shows what was written
    page.get_by_role("button", name="Send feedback").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Thank you"
    _shot(page, "rate-thanks")

    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(Response.id))) == 0  # held until the close
    cycles.close(db.session.get(Cycle, cycle.id))
    db.session.commit()
    response = db.session.scalar(db.select(Response))
    assert response.answers[first["id"]] == 5
    assert response.answers[rubric["sections"][0]["items"][-1]["id"]] is None
    assert response.comments == {rubric["questions"][0]["id"]: "Makes time for everyone."}
    assert db.session.scalar(db.select(db.func.count(Invitation.id)).where(
        Invitation.status == InvitationStatus.SUBMITTED)) == 1

    page.goto(url)
    assert page.get_by_role("heading", level=1).inner_text() == (
        "You have already submitted your feedback")
    assert violations == []


@pytest.mark.rendering
def test_rating_page_has_no_serious_accessibility_violations(browser, live_server):
    _, tokens, _ = launched_cycle()
    context = browser.new_context()  # axe itself runs as JavaScript in the page
    page = context.new_page()
    violations = _csp_violations(page)
    page.goto(f"{live_server}/r/{_direct_report_token(tokens)}")
    results = Axe().run(page)
    assert violations == []
    serious = [v for v in results.response["violations"]
               if v["impact"] in ("serious", "critical")]
    context.close()
    assert serious == [], results.generate_report()


@pytest.mark.rendering
def test_a_long_name_and_a_long_word_wrap_instead_of_running_off_the_page(page, live_server):
    _, tokens, people = launched_cycle()
    token = _direct_report_token(tokens)
    people["leader"].display_name = "Alex-" + "x" * 295
    invitation = db.session.scalar(db.select(Invitation).where(
        Invitation.id == next(i for i, t in tokens.items() if t == token)))
    invitation.draft = seal_draft(token, {}, {"strengths": "y" * 4000},
                                  invitation.nomination.subject.cycle.rubric_snapshot)
    db.session.commit()
    page.set_viewport_size({"width": 400, "height": 800})  # a phone
    page.goto(f"{live_server}/r/{token}")
    overflow = page.evaluate("""() => [document.documentElement,
        ...document.querySelectorAll('h1, p, textarea')].filter(
        e => e.scrollWidth > e.clientWidth + 1).map(e => e.tagName)""")
    assert overflow == []
