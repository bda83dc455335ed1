"""Every page a rater can reach, in English and in Welsh, with its scripts off and on: axe-core at
WCAG 2.2 AA with the target-size rule and best practices (zero violations at any impact), a
visible focus on every control reached by the keyboard, nothing blocked by the CSP, and no
sideways scrolling on a 375-pixel phone. With SCREENSHOT_DIR set, each page is photographed at
1280 and 375 pixels (for looking at, never compared)."""

from __future__ import annotations

import os
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from service.db import db
from service.nominations.models import Invitation
from service.responses import operations
from tests.browser.support import AXE_OPTIONS
from tests.factories import launched_cycle

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")
AXE = Axe()

#: page name -> its heading (the end of the h1) in each language
HEADINGS = {
    "start": {"en": "Leadership 360 feedback", "cy": "Adborth 360 ar arweinyddiaeth"},
    "form": {"en": "Feedback for Alex Leader", "cy": "Adborth i Alex Leader"},
    "form-saved": {"en": "Feedback for Alex Leader", "cy": "Adborth i Alex Leader"},
    "form-errors": {"en": "Feedback for Alex Leader", "cy": "Adborth i Alex Leader"},
    "form-review": {"en": "Feedback for Alex Leader", "cy": "Adborth i Alex Leader"},
    "form-review-errors": {"en": "Feedback for Alex Leader", "cy": "Adborth i Alex Leader"},
    "self-form": {"en": "Your self-assessment", "cy": "Eich hunanasesiad"},
    "decline": {"en": "Decline to give feedback on Alex Leader",
                "cy": "Gwrthod rhoi adborth ar Alex Leader"},
    "thanks": {"en": "Thank you", "cy": "Diolch"},
    "declined": {"en": "You have declined", "cy": "Rydych wedi gwrthod"},
    "link-unknown": {"en": "This link is not recognised", "cy": "Nid ydym yn adnabod y ddolen hon"},
    "link-declined": {"en": "You have declined to give feedback",
                      "cy": "Rydych wedi gwrthod rhoi adborth"},
    "not-found": {"en": "Page not found", "cy": "Heb ddod o hyd i'r dudalen"},
}
SWITCH_LABEL = {"en": "Cymraeg", "cy": "English"}
#: The rating form's last step (nine sections, the open questions, the review)
REVIEW = 11

FOCUS_STYLE = """el => {
    const own = getComputedStyle(el);
    const label = el.labels && el.labels[0];
    const mark = label ? getComputedStyle(label, '::before') : null;
    return [own.outlineStyle, own.outlineWidth, own.outlineColor, own.boxShadow,
            own.backgroundColor, own.color, own.textDecorationLine, own.textDecorationThickness,
            mark ? mark.boxShadow : ''].join('|');
}"""


def _links() -> dict[str, str]:
    _, tokens, _ = launched_cycle()
    by_group: dict[str, list[int]] = {}
    for invitation in db.session.scalars(db.select(Invitation).order_by(Invitation.id)):
        by_group.setdefault(invitation.nomination.group.value, []).append(invitation.id)
    form, declined = by_group["direct_report"][:2]
    operations.decline(db.session.get(Invitation, declined))
    db.session.commit()
    return {
        "start": "/",
        "form": f"/r/{tokens[form]}",
        "form-saved": f"/r/{tokens[form]}?saved=1",
        "form-errors": f"/r/{tokens[form]}",  # then Continue with nothing answered
        "form-review": f"/r/{tokens[form]}?step={REVIEW}",
        "form-review-errors": f"/r/{tokens[form]}?step={REVIEW}",  # then Send, all unanswered
        "self-form": f"/r/{tokens[by_group['self'][0]]}",
        "decline": f"/r/{tokens[form]}/decline",
        "thanks": "/done/submitted",
        "declined": "/done/declined",
        "link-unknown": "/r/" + "A" * 43,
        "link-declined": f"/r/{tokens[declined]}",
        "not-found": "/no-such-page",
    }


def _open(page: Any, base: str, name: str, path: str) -> None:
    response = page.goto(base + path)
    assert response is not None
    if name in ("form-errors", "form-review-errors"):
        page.locator("button[value=continue], button[value=submit]").click()
        page.wait_for_load_state()


def _focus_stops(page: Any) -> list[str]:
    """Tab through the page from the top; every control reached must look different focused
    (outline, ring, colours) than not. Returns what was reached, in order."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    reached: list[str] = []
    invisible: list[str] = []
    for _ in range(300):
        page.keyboard.press("Tab")
        handle = page.evaluate_handle("document.activeElement")
        tag = page.evaluate("el => el.tagName + (el.id ? '#' + el.id : '') + ' ' + "
                            "(el.textContent || el.value || '').trim().slice(0, 40)", handle)
        if tag.startswith("BODY") or (reached and tag == reached[0]):
            break
        focused = page.evaluate(FOCUS_STYLE, handle)
        page.evaluate("el => { el.blur(); }", handle)
        unfocused = page.evaluate(FOCUS_STYLE, handle)
        page.evaluate("el => el.focus({preventScroll: true})", handle)
        if focused == unfocused:
            invisible.append(tag)
        reached.append(tag)
    assert invisible == [], f"no visible focus on {invisible}"
    return reached


@pytest.mark.rendering
@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
@pytest.mark.parametrize("language", ["en", "cy"])
def test_every_rater_page_in_both_languages(browser, live_server, language, javascript):
    links = _links()
    # axe itself runs as JavaScript in the page, so "off" is the page's own scripts not loaded
    # (the pages have no others); the form's journey with JavaScript really off is in
    # test_rating_page.py.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    if not javascript:
        context.route("**/*.js", lambda route: route.abort())
    if language == "cy":
        context.add_cookies([{"name": "lang", "value": "cy", "url": live_server}])
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)
    failures: dict[str, Any] = {}
    for name, path in links.items():
        page.set_viewport_size({"width": 1280, "height": 900})
        _open(page, live_server, name, path)
        assert page.evaluate("document.documentElement.lang") == language, name
        heading = page.get_by_role("heading", level=1).inner_text().splitlines()[-1]
        assert heading == HEADINGS[name][language], name
        switch = page.locator(".nhsuk-header__account-link")
        assert switch.inner_text() == SWITCH_LABEL[language], name
        started = page.evaluate("document.body.classList.contains('nhsuk-frontend-supported')")
        assert started == javascript, name
        results = AXE.run(page, options=AXE_OPTIONS)
        if results.response["violations"]:
            failures[name] = results.generate_report()
        if SCREENSHOTS and not javascript:
            page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}-{language}-1280.png"),
                            full_page=True)
        assert _focus_stops(page), name
        page.set_viewport_size({"width": 375, "height": 800})
        _open(page, live_server, name, path)
        width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert width[0] <= width[1], f"{name}: {width[0]} px wide on a 375 px screen"
        if SCREENSHOTS and not javascript:
            page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}-{language}-375.png"),
                            full_page=True)
    context.close()
    assert failures == {}, "\n\n".join(f"{n}:\n{r}" for n, r in failures.items())
    assert blocked == []


def test_the_switch_on_the_form_keeps_the_rater_on_it_and_in_their_answers(browser, live_server):
    links = _links()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server + links["form-saved"])
    page.get_by_role("link", name="Cymraeg").click()
    assert page.url == live_server + links["form-saved"]
    assert page.get_by_role("heading", level=1).inner_text().endswith("Adborth i Alex Leader")
    page.get_by_role("link", name="English").click()
    assert page.get_by_role("heading", level=1).inner_text().endswith("Feedback for Alex Leader")
    context.close()
