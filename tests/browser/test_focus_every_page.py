"""The focus indicator measured on every page of the app (WCAG 1.4.11 and 2.4.7), not only the
sign-in page: the pages are the authorisation matrix's GET rows (tests/web/matrix/), so a new
page is measured the day its row lands. Each page is opened by someone it answers 200 to — HR
and admins first, then the people whose pages they are — and tabbed through in chromium with
the measurement of tests/browser/test_focus_indicator.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from tests.browser.console_helpers import sign_in
from tests.browser.support import serve
from tests.browser.test_focus_indicator import _measure
from tests.web.matrix import SIGNED_IN, Route, World
from tests.web.test_authorisation_matrix import ROUTES, build_world, matrix_app  # noqa: F401

#: Who opens a page, in this order: the first of them it answers 200 to.
VISITORS = ("hr", "admin", "leader", "manager", "facilitator", "mentor", "colleague", "none")
NOT_PAGES = ("static", "assets.", "web.health", "web.ready", "i18n.switch")


def _visitor(route: Route) -> str | None:
    return next((role for role in VISITORS if route.expect[role] == 200), None)


PAGES = [route for route in ROUTES if route.method == "GET" and _visitor(route)
         and not route.endpoint.startswith(NOT_PAGES)]


@pytest.fixture
def served(matrix_app: Flask) -> Iterator[tuple[str, World]]:  # noqa: F811
    world = build_world()
    for base in serve(matrix_app):
        yield base, world


def _open_as(browser: Any, base: str, world: World, role: str) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    if role in SIGNED_IN:
        sign_in(page, base, email=world.emails[role])
        page.wait_for_url(lambda url: "/sign-in" not in url)
    return context, page


@pytest.mark.rendering
def test_every_page_shows_focus_on_every_control(browser: Any,
                                                 served: tuple[str, World]) -> None:
    base, world = served
    assert len(PAGES) >= 20  # the console, the staff pages, the rater's pages at least
    contexts: dict[str, tuple[Any, Any]] = {}
    problems: dict[str, Any] = {}
    measured_pages = 0
    try:
        for route in PAGES:
            role = _visitor(route)
            if role not in contexts:
                contexts[role] = _open_as(browser, base, world, role)
            page = contexts[role][1]
            url = base + route.url(world)
            kind = page.request.get(url).headers.get("content-type", "")
            if "text/html" not in kind:
                continue  # a CSV, a PDF or a file: nothing to tab through
            # Until the network is quiet: a page that draws itself with JavaScript (the API's
            # documentation fetches its OpenAPI document first) is measured once drawn.
            reply = page.goto(url, wait_until="networkidle")
            assert reply.status == 200, (route.endpoint, role, reply.status)
            expected, measured, failures = _measure(page)
            measured_pages += 1
            if failures or len(measured) != expected:
                problems[f"{route.endpoint} as {role}"] = {
                    "failures": failures, "took focus": len(measured), "expected": expected}
    finally:
        for context, _ in contexts.values():
            context.close()
    assert measured_pages >= 20
    assert problems == {}, json.dumps(problems, indent=1)
