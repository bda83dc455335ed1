"""The admins' webhook pages in a real browser: one axe-core pass per page and language at
1280 px (the endpoints page with a refused form and a new secret, the deliveries page), and
nothing wider than the screen at 375 px. Screenshots go to SCREENSHOT_DIR when it is set."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from service.db import db, utcnow
from service.outbox.models import OutboxStatus
from service.staff.operations import create_account
from service.webhooks.endpoints import create_endpoint
from service.webhooks.models import WebhookDelivery
from tests.browser.support import AXE_OPTIONS, serve
from tests.staff_fixtures import PASSWORD, add_person

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


@pytest.fixture
def hooks_server(staff_app: Any) -> Iterator[str]:
    person = add_person("emp-1", "Ada Admin", "ada@example.org")
    create_account(person, ("hr", "admin"), PASSWORD)
    endpoint = create_endpoint("https://93.184.216.34/hooks/feedback360", "ESR appraisal",
                               ["cycle.closed", "report.released"]).endpoint
    now = utcnow()
    for status, attempts, code, error in (
            (OutboxStatus.SENT, 1, 204, None),
            (OutboxStatus.PENDING, 2, 503, "HTTP 503 from the receiver"),
            (OutboxStatus.FAILED, 8, None,
             "gave up after 8 attempts: no answer within the time limit (WEBHOOKS_TIMEOUT)")):
        db.session.add(WebhookDelivery(
            endpoint_id=endpoint.id, event_id="5f0c8a52-6d7e-4c1b-9a57-2f43b1d0e9c3",
            event_type="report.released", payload={}, status=status, attempts=attempts,
            last_status=code, last_error=error, created_at=now, next_attempt_at=now))
    db.session.commit()
    yield from serve(staff_app)


def _check(page: Any, problems: dict[str, str], name: str, language: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    results = Axe().run(page, options=AXE_OPTIONS)
    if results.response["violations"]:
        problems[name] = results.generate_report()
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}-{language}-1280.png"),
                        full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    if scroll > inner:
        problems[f"{name} at 375 px"] = f"{scroll} px wide"
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}-{language}-375.png"),
                        full_page=True)


@pytest.mark.rendering
@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_webhook_pages_are_accessible_and_fit(browser: Any, hooks_server: str,
                                                  language: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{hooks_server}/language/{language}?next=/sign-in")
    page.locator("#email").fill("ada@example.org")
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.goto(f"{hooks_server}/staff/webhooks")
    assert page.locator("html").get_attribute("lang") == language
    problems: dict[str, str] = {}
    page.locator("#url").fill("http://10.0.0.5/hooks")
    page.locator("form[novalidate] button[type=submit]").click()
    assert page.locator(".nhsuk-error-summary").is_visible()
    _check(page, problems, "webhooks-refused", language)
    page.locator("#url").fill("https://93.184.216.34/hooks/two")
    page.locator("#description").fill("Mentoring system")
    page.locator("input[value='action_plan.updated']").check()
    page.locator("form[novalidate] button[type=submit]").click()
    assert page.locator("#new-secret").inner_text().startswith("whsec_")
    _check(page, problems, "webhooks-new-secret", language)
    page.goto(f"{hooks_server}/staff/webhooks/deliveries")
    _check(page, problems, "webhook-deliveries", language)
    page.locator("form.app-inline-form button").first.click()
    assert page.locator("[role=status]").first.is_visible()
    context.close()
    assert not problems, "\n\n".join(f"{name}:\n{report}" for name, report in problems.items())
