"""The admins' API keys page in a real browser: create a key (shown once), a refused form,
revoke; axe-core in English and Welsh, at 1280 and 375 px. And the API's documentation page:
Swagger UI starts under the service's CSP, from the service's own files."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from service.api.keys import create_key
from service.db import db
from service.staff.operations import create_account
from tests.browser.support import AXE_OPTIONS, serve
from tests.staff_fixtures import PASSWORD, add_person


@pytest.fixture
def keys_server(staff_app: Any) -> Iterator[str]:
    person = add_person("emp-1", "Ada Admin", "ada@example.org")
    create_account(person, ("hr", "admin"), PASSWORD)
    create_key("Existing key", ["people:read"], 30)
    db.session.commit()
    yield from serve(staff_app)


def _axe(page: Any, problems: dict[str, str], name: str) -> None:
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        results = Axe().run(page, options=AXE_OPTIONS)
        if results.response["violations"]:
            problems[f"{name} at {width} px"] = results.generate_report()


@pytest.mark.rendering
@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_keys_page_in_use_has_no_accessibility_violations(browser: Any, keys_server: str,
                                                              language: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{keys_server}/language/{language}?next=/sign-in")
    page.locator("#email").fill("ada@example.org")
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.goto(f"{keys_server}/staff/api-keys")
    assert page.locator("html").get_attribute("lang") == language
    problems: dict[str, str] = {}
    _axe(page, problems, "the list")
    page.locator("form[novalidate] button[type=submit]").click()  # nothing filled in
    assert page.locator(".nhsuk-error-summary").is_visible()
    _axe(page, problems, "the refused form")
    page.locator("#name").fill("ESR appraisal")
    page.locator("input[value='people:read']").check()
    page.locator("form[novalidate] button[type=submit]").click()
    assert page.locator("#new-key").inner_text().startswith("f360_")
    _axe(page, problems, "the new key")
    page.locator("form.app-inline-form button").first.click()
    assert page.locator("[role=status]").first.is_visible()
    _axe(page, problems, "after a revocation")
    context.close()
    assert not problems, "\n\n".join(f"{name}:\n{report}" for name, report in problems.items())


def test_the_documentation_page_runs_swagger_ui_under_the_csp(browser: Any,
                                                              keys_server: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    outside: list[str] = []
    page.on("request", lambda request: outside.append(request.url)
            if not request.url.startswith(keys_server) and not request.url.startswith("data:")
            else None)
    page.goto(f"{keys_server}/api/v1/docs")
    page.locator(".opblock-tag").first.wait_for(timeout=15_000)
    assert page.locator(".opblock").count() >= 16
    context.close()
    assert refused == [] and outside == []
