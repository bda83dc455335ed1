"""Languages and the layout: one locale selector, the switch that keeps a person on the same page,
catalogues that must be compiled, and the NHS design system's files served by the app."""

from __future__ import annotations

import os
import re
import shutil
from html import unescape

import pytest
from flask import g
from flask_babel import force_locale

from service.cycles.operations import close
from service.db import db
from service.errors import DomainError
from service.i18n import TRANSLATIONS, check_catalogues, select_locale, set_person_language
from service.nominations.models import Invitation, Nomination
from service.responses.operations import RatingForm, submit
from tests.factories import launched_cycle

SWITCH = re.compile(r'<a class="nhsuk-header__account-link" href="([^"]+)"><span lang="(\w+)">'
                    r"(\w+)</span></a>")


def _switch(html: str) -> tuple[str, str, str]:
    found = SWITCH.findall(html)
    assert len(found) == 1, found
    return found[0]


def test_a_page_uses_the_design_system_served_by_the_app(client):
    html = client.get("/").get_data(as_text=True)
    assert '<link rel="stylesheet" href="/assets/nhsuk-frontend.min.css">' in html
    assert 'class="nhsuk-header"' in html and 'id="maincontent"' in html
    assert 'class="nhsuk-skip-link"' in html and 'href="/sign-in"' in html
    assert "Test Valley NHS Trust" in html  # the organisation in the header (no logo: words)
    assert "<svg" not in html  # and not the NHS logo the component draws by default
    css = client.get("/assets/nhsuk-frontend.min.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    body = css.get_data(as_text=True)
    assert ".nhsuk-header" in body and "https://" not in body  # nothing fetched elsewhere
    assert "no-store" not in css.headers.get("Cache-Control", "")
    script = client.get("/assets/nhsuk-frontend.min.js")
    assert script.status_code == 200 and "initAll" in script.get_data(as_text=True)
    assert client.get("/assets/images/nhsuk-icon-cross.svg").status_code == 200
    assert "initAll()" in client.get("/static/init.js").get_data(as_text=True)


def test_the_header_shows_the_organisations_logo(make_app, tmp_path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    client = make_app(REPORT_LOGO=str(logo)).test_client()
    html = client.get("/").get_data(as_text=True)
    assert 'src="/branding/logo"' in html and "Test Valley NHS Trust" in html
    served = client.get("/branding/logo")
    assert served.status_code == 200 and served.data == logo.read_bytes()


def test_english_by_default_and_a_switch_to_welsh_on_the_same_page(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html and "Leadership 360 feedback" in html
    assert _switch(html) == ("/language/cy?next=/", "cy", "Cymraeg")

    back = client.get("/language/cy?next=/")
    assert back.status_code == 303 and back.headers["Location"] == "/"
    cookie = back.headers["Set-Cookie"]
    assert cookie.startswith("lang=cy;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Max-Age=31536000" in cookie

    html = client.get("/").get_data(as_text=True)
    assert '<html lang="cy">' in html and "Adborth 360 ar arweinyddiaeth" in html
    assert "Leadership 360 feedback" not in html
    assert _switch(html) == ("/language/en?next=/", "en", "English")


def test_the_switch_keeps_the_rater_on_their_form(client):
    _, tokens, _ = launched_cycle()
    token = next(iter(tokens.values()))
    html = client.get(f"/r/{token}?saved=1").get_data(as_text=True)
    url, _, label = _switch(html)
    assert label == "Cymraeg" and url == f"/language/cy?next=/r/{token}?saved%3D1"
    back = client.get(url)
    assert back.status_code == 303 and back.headers["Location"] == f"/r/{token}?saved=1"
    assert client.get(back.headers["Location"]).status_code == 200
    # A blank form is built once per cycle, language and step: its switch still names this
    # rater, and comes back to the same step.
    html = client.get(f"/r/{token}").get_data(as_text=True)
    assert _switch(html)[0] == f"/language/en?next=/r/{token}?step%3D1"


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example",
                                    "javascript:alert(1)", "evil", "", "/%0d%0aSet-Cookie:x"])
def test_the_switch_only_goes_back_to_this_site(client, target):
    response = client.get("/language/en", query_string={"next": target})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location == "/" or (location.startswith("/") and not location.startswith("//")
                               and "\n" not in location and "\r" not in location)


def test_an_unknown_language_is_not_found(client):
    response = client.get("/language/fr?next=/")
    assert response.status_code == 404 and "Set-Cookie" not in response.headers


@pytest.mark.parametrize(("cookie", "person", "browser", "expected"), [
    ("en", "cy", "cy", "en"),   # a choice made with the switch wins
    ("cy", "en", "en", "cy"),
    (None, "cy", "en", "cy"),   # then the person's directory language
    ("fr", "cy", "en", "cy"),   # (a cookie naming no supported language is no choice)
    (None, None, "cy-GB,en;q=0.5", "cy"),  # then the browser
    (None, "de", "fr, de", "en"),  # then English
    (None, None, None, "en"),
])
def test_the_locale_selector_order(app, cookie, person, browser, expected):
    headers = {"Accept-Language": browser} if browser else {}
    if cookie:
        headers["Cookie"] = f"lang={cookie}"
    with app.test_request_context("/", headers=headers):
        if person:
            g.person_language = person
        assert select_locale() == expected


def test_a_person_language_set_during_the_request_is_used(app):
    from flask_babel import gettext

    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert gettext("Sign in") == "Sign in"
        set_person_language("cy")  # the rater page learns the rater after the first lookup
        assert gettext("Sign in") == "Mewngofnodi"


def test_a_missing_or_stale_compiled_catalogue_stops_the_start(tmp_path):
    copy = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS, copy)
    check_catalogues(copy)
    mo = copy / "cy" / "LC_MESSAGES" / "messages.mo"
    po = mo.with_suffix(".po")
    po.touch()
    mo.touch()
    os.utime(po, (mo.stat().st_mtime + 10, mo.stat().st_mtime + 10))
    with pytest.raises(RuntimeError, match=r"older than messages\.po: run `make install`"):
        check_catalogues(copy)
    mo.unlink()
    with pytest.raises(RuntimeError, match=r"messages\.mo is missing.*make install"):
        check_catalogues(copy)


def test_without_the_design_systems_files_a_web_process_does_not_start(base_config, tmp_path):
    from service.app import create_app

    with pytest.raises(RuntimeError, match=r"run `make install` \(it runs `npm ci`"):
        create_app({**base_config, "NHSUK_FRONTEND_DIR": str(tmp_path)})
    # A command that serves no page does not need them.
    create_app({**base_config, "NHSUK_FRONTEND_DIR": str(tmp_path), "COMMAND_LINE": True})



def _welsh_raters_link():
    """A launched cycle and the link of a rater whose directory language is Welsh."""
    cycle, tokens, people = launched_cycle()
    people["reports"][0].language = "cy"
    db.session.commit()
    invitation_id = db.session.scalar(db.select(Invitation.id).join(Nomination).where(
        Nomination.person_id == people["reports"][0].id))
    return cycle, tokens[invitation_id]


def test_welsh_rater_sees_welsh_pages_without_choosing(client):
    """The rater's directory language decides before the browser does, on every page of the
    link, and the page after the form keeps it."""
    _, token = _welsh_raters_link()
    english_browser = {"Accept-Language": "en-GB,en;q=0.9"}
    html = client.get(f"/r/{token}", headers=english_browser).get_data(as_text=True)
    assert '<html lang="cy">' in html and "Adborth i Alex Leader" in html
    html = client.get(f"/r/{token}/decline", headers=english_browser).get_data(as_text=True)
    assert "Gwrthod rhoi adborth ar Alex Leader" in html
    assert html.count("Ni ellir dadwneud hyn") == 1  # the warning's heading, said once
    page = client.post(f"/r/{token}", data={"action": "decline"}, headers=english_browser)
    assert page.location.endswith("/done/declined?lang=cy")
    html = client.get(page.location, headers=english_browser).get_data(as_text=True)
    assert "Rydych wedi gwrthod" in html
    html = client.get(f"/r/{token}", headers=english_browser).get_data(as_text=True)
    assert "Rydych wedi gwrthod rhoi adborth" in html  # the used link, in Welsh too
    # A choice made with the switch beats the directory language.
    client.get(f"/language/en?next=/r/{token}")
    html = client.get(f"/r/{token}", headers=english_browser).get_data(as_text=True)
    assert "You have declined to give feedback" in html


def test_error_pages_are_in_the_persons_language(client):
    welsh = {"Accept-Language": "cy"}
    page = client.get("/no-such-page", headers=welsh)
    html = unescape(page.get_data(as_text=True))
    assert page.status_code == 404 and "Heb ddod o hyd i'r dudalen" in html
    assert "Not Found" not in html  # werkzeug's own English
    page = client.post("/sign-in", data={"email": "a@example.org"}, headers=welsh)
    assert page.status_code == 400  # no CSRF token: the form has expired
    assert "Mae'r ffurflen hon wedi dod i ben" in unescape(page.get_data(as_text=True))


def test_a_crash_is_a_page_in_the_persons_language_not_a_traceback(make_app):
    app = make_app(TESTING=False, PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret detail")

    page = app.test_client().get("/boom", headers={"Accept-Language": "cy"})
    html = unescape(page.get_data(as_text=True))
    assert page.status_code == 500
    assert "Mae'n ddrwg gennym, mae problem gyda'r gwasanaeth" in html
    assert "secret detail" not in html and "Traceback" not in html


def test_a_refused_link_is_explained_in_the_raters_welsh(client):
    """Why a personal link cannot be used (service/responses LinkProblem) in Welsh: from the
    browser for a link nobody has, from the rater's directory language for a closed cycle;
    and a refusal raised by the responses operations reads in Welsh in a Welsh request."""
    cycle, token = _welsh_raters_link()
    unknown = client.get(f"/r/{'A' * len(token)}", headers={"Accept-Language": "cy"})
    assert unknown.status_code == 404
    assert "Nid ydym yn adnabod y ddolen hon" in unescape(unknown.get_data(as_text=True))
    close(cycle)
    db.session.commit()
    closed = client.get(f"/r/{token}", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert closed.status_code == 410
    assert "Mae'r cylch adborth hwn wedi cau" in unescape(closed.get_data(as_text=True))
    with client.application.test_request_context(), force_locale("cy"):
        with pytest.raises(DomainError) as incomplete:
            submit(Invitation(), RatingForm(missing=["attending-1"]))
        assert str(incomplete.value).startswith("Nid yw’r ffurflen yn gyflawn")
