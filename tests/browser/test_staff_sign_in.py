"""An HR officer signs in (local account, and directory bind against slapd), reaches /staff and
signs out, in a real browser without JavaScript; axe-core on the staff pages."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from service.db import db
from service.staff.operations import create_account
from tests.browser.support import AXE_OPTIONS, serve
from tests.directory.conftest import Org, build_org, run
from tests.ldap_server import Person as Entry
from tests.ldap_server import app_settings
from tests.staff_fixtures import PASSWORD, add_person

SHOTS = Path(tempfile.gettempdir()) / "shots-signin"


@pytest.fixture
def staff_server(staff_app: Any) -> Iterator[str]:
    yield from serve(staff_app)


@pytest.fixture
def officer_account(staff_app: Any) -> None:
    person = add_person("emp-1", "Hana Officer", "hana@example.org")
    create_account(person, ("hr", "admin"), PASSWORD)
    db.session.commit()


def _sign_in_and_out(page: Any, base: str, email: str, password: str, name: str) -> None:
    page.goto(f"{base}/")
    page.get_by_role("main").get_by_role("button", name="Sign in").click()  # a link styled as one
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in"
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    assert page.url == f"{base}/staff"
    assert page.get_by_role("heading", level=1).inner_text() == f"Signed in as {name}"
    banner = page.get_by_role("banner")
    assert banner.get_by_text(name).is_visible()  # who is signed in, in the header
    page.get_by_role("main").get_by_role("button", name="Sign out").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in"
    assert page.get_by_role("status").inner_text() == "You have signed out."
    assert not page.get_by_role("banner").get_by_role("button", name="Sign out").count()
    page.goto(f"{base}/staff")
    assert page.url.startswith(f"{base}/sign-in?next=")  # signed out for real


def test_hr_officer_signs_in_with_a_local_account_and_out(page: Any, staff_server: str,
                                                         officer_account: None) -> None:
    page.goto(f"{staff_server}/sign-in")
    page.get_by_label("Email address").fill("hana@example.org")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").get_by_text("There is a problem").is_visible()
    assert page.get_by_label("Email address").input_value() == "hana@example.org"
    _sign_in_and_out(page, staff_server, "hana@example.org", PASSWORD, "Hana Officer")


@pytest.fixture
def org() -> Org:
    return build_org(staff=2)


def test_hr_officer_signs_in_with_the_directory_and_out(page: Any, staff_make: Any,
                                                        directory: Any) -> None:
    nia = Entry("nia", "Nia", "Hughes", email="nia.hughes@example.org")
    directory.add(nia, password="directory password")
    app = staff_make(**app_settings(directory))
    with app.app_context():
        assert run(app, "directory", "sync").exit_code == 0
        for base in serve(app):
            _sign_in_and_out(page, base, "nia", "directory password", "Nia Hughes")


@pytest.mark.rendering
@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize("path", ["/sign-in", "/staff", "/staff/accounts"])
def test_staff_pages_have_no_accessibility_violations(browser: Any, staff_server: str,
                                                     officer_account: None, path: str,
                                                     language: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{staff_server}/language/{language}?next=/sign-in")
    if path != "/sign-in":
        page.locator("#email").fill("hana@example.org")
        page.locator("#password").fill(PASSWORD)
        page.locator("main form button[type=submit]").first.click()
        page.goto(f"{staff_server}{path}")
    assert page.locator("html").get_attribute("lang") == language
    results = Axe().run(page, options=AXE_OPTIONS)
    if path == "/sign-in":
        SHOTS.mkdir(parents=True, exist_ok=True)
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=str(SHOTS / f"sign-in-{language}-{width}.png"), full_page=True)
    elif language == "en":
        page.set_viewport_size({"width": 375, "height": 900})
        page.screenshot(path=str(SHOTS / f"{path.strip('/').replace('/', '-')}-375.png"),
                        full_page=True)
    context.close()
    assert results.response["violations"] == [], results.generate_report()


def test_sign_in_page_in_a_browser_without_javascript_shows_the_errors(
        page: Any, staff_server: str) -> None:
    page.goto(f"{staff_server}/sign-in")
    page.get_by_role("button", name="Sign in").click()
    summary = page.get_by_role("alert")
    assert summary.get_by_role("link", name="Enter your email address").is_visible()
    summary.get_by_role("link", name="Enter your password").click()
    assert page.url.endswith("#password")
