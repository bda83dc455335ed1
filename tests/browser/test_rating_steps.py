"""The stepped rating form in a real browser: a rater completes it on a 375-pixel phone with
the keyboard only, axe-clean on every step in English and Welsh; the error summary takes the
focus; a saved draft survives a server restart and a new browser. With SCREENSHOT_DIR set,
each step is photographed (for looking at, never compared)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from service.cycles import operations as cycles
from service.cycles.models import Cycle
from service.db import db
from service.nominations.models import Invitation
from service.responses.models import Response
from service.rubrics import importance
from service.staff.operations import create_account
from tests.browser.support import AXE_OPTIONS, serve
from tests.factories import launched_cycle
from tests.staff_fixtures import PASSWORD
from tests.web_server import Gunicorn, server_env

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")
AXE = Axe()
ERROR = {"en": "Error:", "cy": "Gwall:"}
CONTINUE = {"en": "Continue", "cy": "Parhau"}
SEND = {"en": "Send feedback", "cy": "Anfon adborth"}


def _peer_link(tokens: dict[int, str], language: str) -> str:
    invitation = next(i for i in db.session.scalars(db.select(Invitation).order_by(Invitation.id))
                      if i.nomination.group.value == "peer")
    invitation.nomination.person.language = language
    db.session.commit()
    return f"/r/{tokens[invitation.id]}"


def _active(page: Any) -> dict[str, str]:
    return page.evaluate("""() => { const e = document.activeElement;
        return {tag: e.tagName, type: e.type || '', name: e.name || '', value: e.value || '',
                cls: e.className || ''}; }""")


def _shot(page: Any, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def _answer_step_with_the_keyboard(page: Any, comment: str) -> str:
    """Tab through the step from the top: Space picks the first answer of each statement,
    except every third, where ArrowUp wraps round to "Not observed" (importance: always
    Space); text is typed; Enter on
    the step's main button. Returns that button's value."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    answered: set[str] = set()
    for _ in range(200):
        page.keyboard.press("Tab")
        here = _active(page)
        if here["type"] == "radio" and here["name"] not in answered:
            # ArrowUp wraps to a group's last radio: "Not observed" for a statement; for
            # importance that is "No answer", so importance always takes Space.
            wrap = len(answered) % 3 == 2 and not here["name"].startswith("importance-")
            page.keyboard.press("ArrowUp" if wrap else "Space")
            answered.add(here["name"])
        elif here["tag"] == "TEXTAREA" and not page.evaluate("document.activeElement.value"):
            page.keyboard.type(comment)
        elif here["tag"] == "BUTTON" and here["value"] in ("continue", "submit"):
            with page.expect_navigation():
                page.keyboard.press("Enter")
            return here["value"]
    raise AssertionError("the step's button was never reached with Tab")


@pytest.mark.parametrize("language", ["en", "cy"])
def test_a_rater_completes_the_form_on_a_phone_with_the_keyboard_only(
        browser, live_server, language):
    cycle, tokens, _ = launched_cycle()
    rubric = cycle.rubric_snapshot
    url = live_server + _peer_link(tokens, language)
    total = len(rubric["sections"]) + 2
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto(url)
    failures: dict[str, str] = {}

    def check(name: str) -> None:
        assert page.evaluate("document.documentElement.lang") == language
        width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert width[0] <= width[1], f"{name}: {width[0]} px wide on a 375 px screen"
        results = AXE.run(page, options=AXE_OPTIONS)
        if results.response["violations"]:
            failures[name] = results.generate_report()
        _shot(page, f"step-{name}-{language}-375")

    # Continue with nothing answered: the error summary takes the focus, the title says so.
    check("1")
    page.get_by_role("button", name=CONTINUE[language]).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.title().startswith(ERROR[language])
    assert "nhsuk-error-summary" in _active(page)["cls"]
    links = page.locator(".nhsuk-error-summary__list a")
    assert links.count() == len(rubric["sections"][0]["items"])
    check("1-errors")

    for number in range(1, total):
        assert page.title().split(" – ")[0] != ""
        if number > 1:
            check(str(number))
        assert _answer_step_with_the_keyboard(page, "Makes time for everyone.") == "continue"
    assert page.url.endswith(f"?step={total}")
    check("review")
    assert _answer_step_with_the_keyboard(page, "") == "submit"
    assert page.get_by_role("heading", level=1).inner_text() in ("Thank you", "Diolch")
    context.close()
    assert failures == {}, "\n\n".join(f"{n}:\n{r}" for n, r in failures.items())
    assert blocked == []

    db.session.expire_all()
    cycles.close(db.session.get(Cycle, cycle.id))
    db.session.commit()
    response = db.session.scalar(db.select(Response))
    items = [item["id"] for section in rubric["sections"] for item in section["items"]]
    rated = {key: value for key, value in response.answers.items()
             if importance.section_of(key) is None}
    assert len(rated) == len(items)
    assert None in rated.values() and 1 in rated.values()
    # each step's optional importance question was reached with the keyboard and answered too
    assert len(response.answers) - len(rated) == len(rubric["sections"])
    assert response.comments[rubric["questions"][0]["id"]] == "Makes time for everyone."


def test_a_saved_draft_survives_a_server_restart_and_a_new_browser(
        browser, base_config, app, tmp_path):
    cycle, tokens, _ = launched_cycle()
    rubric = cycle.rubric_snapshot
    path = _peer_link(tokens, "en")
    first = rubric["sections"][0]["items"][0]
    env = server_env(base_config, tmp_path / "web", ADMISSION_LIMIT=0)
    with Gunicorn(env, tmp_path / "first.log") as server:
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{server.port}{path}")
        for item in rubric["sections"][0]["items"]:
            page.get_by_role("group", name=item["text"]["en"]).get_by_label("Often").check()
        page.get_by_role("button", name="Continue").click()
        assert "Step 2 of" in page.content()
        second = rubric["sections"][1]["items"][0]
        page.get_by_role("group", name=second["text"]["en"]).get_by_label("Not observed").check()
        page.get_by_role("button", name="Save and come back later").click()
        context.close()
    with Gunicorn(env, tmp_path / "second.log") as server:  # a new process, a new browser
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{server.port}{path}")
        assert "Step 2 of" in page.content()  # where they left off
        assert page.get_by_role("group", name=second["text"]["en"]).get_by_label(
            "Not observed").is_checked()
        page.get_by_role("button", name="Back", exact=True).click()
        assert page.get_by_role("group", name=first["text"]["en"]).get_by_label(
            "Often").is_checked()
        context.close()


def test_leaving_the_page_with_javascript_saves_what_was_changed(browser, live_server):
    cycle, tokens, _ = launched_cycle()
    rubric = cycle.rubric_snapshot
    url = live_server + _peer_link(tokens, "en")
    first = rubric["sections"][0]["items"][0]
    context = browser.new_context()
    page = context.new_page()
    page.goto(url)
    page.get_by_role("group", name=first["text"]["en"]).get_by_label("Sometimes").check()
    page.goto(live_server + "/")  # leaves without pressing a button
    other = browser.new_context(java_script_enabled=False)
    back = other.new_page()
    for _ in range(50):  # the beacon is sent as the page goes; its answer may come after
        back.goto(url)
        if back.get_by_role("group", name=first["text"]["en"]).get_by_label(
                "Sometimes").is_checked():
            break
        back.wait_for_timeout(100)
    assert back.get_by_role("group", name=first["text"]["en"]).get_by_label(
        "Sometimes").is_checked()
    other.close()
    context.close()


@pytest.fixture
def asked_server(staff_app: Any) -> Iterator[str]:
    yield from serve(staff_app)


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_feedback_one_is_asked_to_give_signed_in(browser, asked_server, language):
    """/me/asked, reached from the staff page: axe-clean at 1280 and 375 pixels, and its link
    opens the form."""
    people = launched_cycle()[2]
    peer = people["peers"][0]
    peer.language = language
    create_account(peer, (), PASSWORD)
    db.session.commit()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{asked_server}/sign-in")
    page.locator("input[name=email]").fill(peer.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").first.click()
    page.locator("a[href='/me/asked']").click()
    assert page.url.endswith("/me/asked")
    failures = {}
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.reload()
        results = AXE.run(page, options=AXE_OPTIONS)
        if results.response["violations"]:
            failures[width] = results.generate_report()
        size = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert size[0] <= size[1]
        _shot(page, f"asked-{language}-{width}")
    assert failures == {}, failures
    page.locator(".nhsuk-card__link").first.click()
    assert "/r/" in page.url and page.locator("form.app-rating-form").count() == 1
    context.close()
