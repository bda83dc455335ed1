"""Sign-in with OpenID Connect in a real browser (chromium, JavaScript on and off) against the
test provider (tests/oidc_provider.py): the button, the trip to the provider and back, signed
in; a refusal and a failed token land on pages in the person's language; axe-core on each page
(axe needs JavaScript, so it runs where it is on)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from service.db import db
from service.staff.operations import grant
from tests.browser.support import AXE_OPTIONS, serve
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, running
from tests.staff_fixtures import add_person


@pytest.fixture
def provider() -> Iterator[Provider]:
    with running("set once the app's address is known") as server:
        yield server


@pytest.fixture
def oidc_server(staff_make: Any, provider: Provider) -> Iterator[str]:
    app = staff_make(OIDC_METADATA_URL=f"{provider.url}/.well-known/openid-configuration",
                     OIDC_CLIENT_ID=CLIENT_ID, OIDC_CLIENT_SECRET=CLIENT_SECRET,
                     OIDC_PROVIDER_NAME="Microsoft")
    with app.app_context():
        olu = add_person("emp-3", "Olu Officer", "olu@example.org")
        grant(olu, "hr")
        db.session.commit()
        for base in serve(app):
            # The callback comes from BASE_URL, registered with the provider: this server's.
            app.config["BASE_URL"] = base
            provider.redirect_uri = f"{base}/sign-in/oidc/callback"
            yield base


@pytest.fixture(params=[True, False], ids=["javascript", "no-javascript"])
def javascript(request: pytest.FixtureRequest) -> bool:
    return request.param


@pytest.fixture
def page(browser: Any, javascript: bool) -> Iterator[Any]:
    context = browser.new_context(java_script_enabled=javascript,
                                  viewport={"width": 1024, "height": 900})
    yield context.new_page()
    context.close()


def _axe_clean(page: Any, javascript: bool) -> None:
    """axe-core runs in the page, so only with JavaScript on (evaluate waits for ever without)."""
    if not javascript:
        return
    results = Axe().run(page, options=AXE_OPTIONS)
    assert results.response["violations"] == [], results.generate_report()


def test_sign_in_with_the_provider_and_back_signed_in(page: Any, oidc_server: str,
                                                     provider: Provider,
                                                     javascript: bool) -> None:
    provider.user = {"email": "Olu@example.org", "email_verified": True}
    page.goto(f"{oidc_server}/staff/accounts")  # a page that needs signing in
    assert page.url.startswith(f"{oidc_server}/sign-in?next=")
    _axe_clean(page, javascript)
    with page.expect_navigation(url=f"{oidc_server}/staff/accounts", timeout=15000):
        # To the provider (which signs Olu in at once) and back to the page first asked for.
        page.get_by_role("button", name="Sign in with Microsoft").click()
    assert provider.token_requests == 1
    assert page.get_by_role("heading", level=1).inner_text() == "You cannot use this page"
    page.goto(f"{oidc_server}/staff")
    assert page.get_by_role("heading", level=1).inner_text() == "Signed in as Olu Officer"
    assert page.get_by_role("banner").get_by_text("Olu Officer").is_visible()
    _axe_clean(page, javascript)
    page.get_by_role("main").get_by_role("button", name="Sign out").click()
    assert page.get_by_role("status").inner_text() == "You have signed out."
    page.goto(f"{oidc_server}/staff")
    assert page.url.startswith(f"{oidc_server}/sign-in?next=")


@pytest.mark.rendering
@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_sign_in_page_with_the_provider_button_is_accessible(
        page: Any, oidc_server: str, language: str, javascript: bool) -> None:
    page.goto(f"{oidc_server}/language/{language}?next=/sign-in")
    assert page.locator("html").get_attribute("lang") == language
    name = "Sign in with Microsoft" if language == "en" else "Mewngofnodi gyda Microsoft"
    assert page.get_by_role("button", name=name).is_visible()
    _axe_clean(page, javascript)


@pytest.mark.parametrize("language", ["en", "cy"])
def test_someone_the_service_does_not_know_gets_a_page_that_says_so(
        page: Any, oidc_server: str, provider: Provider, language: str,
        javascript: bool) -> None:
    provider.user = {"email": "stranger@example.org", "email_verified": True}
    page.goto(f"{oidc_server}/language/{language}?next=/sign-in")
    page.locator("form[action='/sign-in/oidc'] button").click()
    assert re.search(r"/sign-in/oidc/callback\?", page.url)
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == {"en": "You cannot sign in to this service",
                       "cy": "Allwch chi ddim mewngofnodi i'r gwasanaeth hwn"}[language]
    _axe_clean(page, javascript)
    page.goto(f"{oidc_server}/staff")
    assert page.url.startswith(f"{oidc_server}/sign-in?next=")


def test_a_token_that_fails_its_checks_lands_on_an_accessible_page(
        page: Any, oidc_server: str, provider: Provider, javascript: bool) -> None:
    provider.user = {"email": "olu@example.org"}
    provider.fault = "key"
    page.goto(f"{oidc_server}/sign-in")
    page.get_by_role("button", name="Sign in with Microsoft").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Sign-in did not work"
    assert page.get_by_text("Signing in with Microsoft did not work").is_visible()
    _axe_clean(page, javascript)
