"""Languages: Flask-Babel with one locale selector, the language switch, and the check that the
compiled catalogues exist (a missing .mo would otherwise show English without a word).

The order (docs/decisions.md): a choice the person made with the switch (the `lang` cookie),
then the person's directory language (`g.person_language`, set by the rater page from the
rater's Person and by sign-in for staff), then the browser's Accept-Language, then English.
The issue lists the directory language first; read that way, a Welsh-directory person could
never switch to English, so the switch (made later, on purpose, by the person) wins."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from babel.dates import format_date as format_date_in
from flask import Blueprint, Flask, current_app, g, has_request_context, redirect, request, url_for
from flask_babel import Babel, format_date, get_locale, refresh
from markupsafe import Markup, escape
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
SUPPORTED = ("en", "cy")
DEFAULT = "en"
#: What each language is called in itself: the switch is labelled in the language it leads to.
NAMES = {"en": "English", "cy": "Cymraeg"}
COOKIE = "lang"
COOKIE_AGE = 365 * 24 * 3600  # a year: a choice is remembered, not asked for again

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """The one place that decides a request's language (see the module docstring). Outside a
    request (commands, the worker): the person's language if one was set, else English."""
    if not has_request_context():
        person = g.get("person_language")
        return person if person in SUPPORTED else DEFAULT
    choice = request.cookies.get(COOKIE)
    if choice in SUPPORTED:
        return choice
    person = g.get("person_language")
    if person in SUPPORTED:
        return person
    return browser_language() or DEFAULT


def browser_language() -> str | None:
    """The browser's most wanted language that we have: "cy-GB, en;q=0.5" is Welsh (werkzeug's
    best_match would prefer the exact "en" to the regional "cy-GB")."""
    for wanted, _quality in request.accept_languages:  # most wanted first
        primary = wanted.replace("_", "-").split("-")[0].lower()
        if primary in SUPPORTED:
            return primary
    return None


def set_person_language(language: str | None) -> None:
    """The signed-in person's or the rater's directory language, for this request; call it
    before anything is translated (a locale chosen earlier in the request is forgotten)."""
    g.person_language = language
    refresh()


def long_date(day: dt.date | str | None, locale: str | None = None) -> str:
    """'2026-12-06' or a date -> '6 December 2026' ('6 Rhagfyr 2026'), as people write dates:
    in the page's language, or ``locale`` (emails, rendered outside a request)."""
    if day is None:
        return ""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    if locale:
        return format_date_in(day, "d MMMM y", locale=locale)
    return format_date(day, "d MMMM y")


def current_language() -> str:
    return str(get_locale() or DEFAULT)


def check_catalogues(directory: Path = TRANSLATIONS) -> None:
    """Refuse to start without a compiled catalogue for every language but English: gettext
    would quietly answer in English. The set-up compiles them (`make install`). In a source
    checkout a .mo older than its .po is refused too; an installed wheel holds only the .mo."""
    for language in SUPPORTED:
        if language == DEFAULT:
            continue
        mo = directory / language / "LC_MESSAGES" / "messages.mo"
        po = mo.with_suffix(".po")
        if not mo.is_file():
            raise RuntimeError(
                f"{mo} is missing: the {NAMES[language]} catalogue is not compiled; run "
                "`make install`, or `pybabel compile -d service/translations`")
        if po.is_file() and po.stat().st_mtime > mo.stat().st_mtime:
            raise RuntimeError(
                f"{mo} is older than {po.name}: run `make install`, or "
                "`pybabel compile -d service/translations`")


def safe_next(target: str | None) -> str:
    """A path on this site to go back to; anything else (another site, a scheme, a path
    starting with // or a backslash) becomes the start page."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return "/"
    return target


@bp.get("/language/<code>")
def switch(code: str) -> Response:
    """Remember the language chosen and go back to the same page (query string included).
    The `next` path may hold a rater's personal link: it is never logged."""
    if code not in SUPPORTED:
        raise NotFound()
    response = redirect(safe_next(request.args.get("next")), code=303)
    response.set_cookie(COOKIE, code, max_age=COOKIE_AGE, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def other_language(path: str | None = None) -> dict[str, str]:
    """The switch for this page: the other language's code, its name in itself, and a link
    that comes back to `path` (default: this page, with its query string)."""
    current = current_language()
    code = "cy" if current == "en" else "en"
    if path is None:
        path = request.full_path if request.query_string else request.path
    return {"code": code, "label": NAMES[code], "url": url_for("i18n.switch", code=code,
                                                              next=path)}


def stored_english(text: object) -> Markup:
    """Text the service stored in English (audit summaries, a sync's or a delivery's error),
    marked as English on a Welsh page so a screen reader pronounces it as English (WCAG 2.2
    3.1.2, language of parts)."""
    if has_request_context() and current_language() != "en":
        return Markup('<span lang="en">%s</span>') % text
    return escape(text)


def init_i18n(app: Flask) -> None:
    check_catalogues()
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    Babel(app, locale_selector=select_locale)
    app.register_blueprint(bp)

    @app.before_request
    def forget_language() -> None:
        """Flask-Babel keeps the chosen locale in `g`, which outlives one request where an
        application context was already pushed (tests, commands): each request chooses anew."""
        g.pop("person_language", None)
        refresh()

    app.jinja_env.globals["long_date"] = long_date
    app.jinja_env.filters["stored_english"] = stored_english

    @app.context_processor
    def language_context() -> dict[str, Any]:
        if not has_request_context():
            return {}
        # `lang` is the rubric's language on rating pages (a page may set it); the page's own
        # language is `page_language`.
        language = current_language()
        return {"other_language": other_language(), "page_language": language, "lang": language}
