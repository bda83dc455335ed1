"""The 503 pages are rendered once and filled in per request (service/web/unavailable.py): each
request's page carries its own answers, address and language, never an earlier request's."""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

from service.web.unavailable import outage_page, overload_page

FORM = "application/x-www-form-urlencoded"


def _post(app, path: str, body: str, language: str = "en") -> str:
    # An application context of its own, as each request has under a server (Flask-Babel keeps
    # the language chosen in `g`).
    with app.app_context(), app.test_request_context(
            path, method="POST", data=body, content_type=FORM,
            headers={"Accept-Language": language}):
        response = overload_page()
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        return response.get_data(as_text=True)


def _hidden(page: str) -> list[tuple[str, str]]:
    return [(html.unescape(name), html.unescape(value)) for name, value in re.findall(
        r'<input type="hidden" name="([^"]*)" value="([^"]*)">', page)]


def test_each_rater_gets_their_own_answers_back_never_the_last_one_s(app):
    first = _post(app, "/r/first-token", "item-a=1&question-q=Alice%27s+words&action=submit")
    second = _post(app, "/r/second-token?step=2",
                   "item-a=4&question-q=%3Cb%3E%22Bob%22+%26+co&action=save")
    assert _hidden(first) == [("item-a", "1"), ("question-q", "Alice's words"),
                              ("action", "submit")]
    assert _hidden(second) == [("item-a", "4"), ("question-q", '<b>"Bob" & co'),
                               ("action", "save")]
    assert "Alice" not in second and "first-token" not in second
    assert 'action="/r/second-token?step=2"' in second
    assert "<b>" not in second  # the answer is escaped, not markup
    switch = re.search(r'href="(/language/cy\?next=[^"]*)"', second)
    assert switch and unquote(html.unescape(switch.group(1))).endswith("/r/second-token?step=2")
    assert "zz-" not in first + second  # no stand-in left behind


def test_the_page_is_in_the_request_s_language(app):
    welsh = _post(app, "/r/a-token", "item-a=2&action=submit", language="cy")
    english = _post(app, "/r/a-token", "item-a=2&action=submit")
    assert '<html lang="cy">' in welsh and '<html lang="en">' in english
    assert welsh != english
    assert _hidden(welsh) == _hidden(english) == [("item-a", "2"), ("action", "submit")]


def test_a_get_has_no_answers_form_and_the_outage_page_its_own_words(app):
    with app.test_request_context("/hr/cycles?page=2"):
        busy = overload_page().get_data(as_text=True)
        down = outage_page()
        assert down.headers["Retry-After"] == "60"
        down_page = down.get_data(as_text=True)
    assert "<form" not in busy and "zz-" not in busy
    assert busy != down_page
    switch = re.search(r'href="(/language/cy\?next=[^"]*)"', down_page)
    assert switch and unquote(html.unescape(switch.group(1))).endswith("/hr/cycles?page=2")
