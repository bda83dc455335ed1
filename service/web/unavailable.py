"""The 503 pages for a database outage and for overload: they say that nothing was lost, and a
rater's posted answers come back in a small form that sends them again, so no outage or load
ever costs anyone what they typed.

They are answered most when the service can least afford it (each shed request while
overloaded), so each is rendered once per application, language, page and kind (with or
without answers to hand back), with stand-ins for where it was asked for and for the answers,
which are then put in: 0.7 ms (1.3 ms with answers) of template a time, before, became a few
string replacements (docs/performance.md, "Overload")."""

from __future__ import annotations

from flask import Response, current_app, make_response, render_template, request
from flask_babel import gettext
from markupsafe import Markup, escape

from service.i18n import current_language, other_language

#: Forms whose fields a 503 page hands back: the rating form (answers, comments, its CSRF
#: token and the button pressed). Staff forms with passwords are deliberately not included.
RESEND_PREFIXES = ("/r/",)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

#: Seconds a client is told to wait (Retry-After): a database outage is worth a minute, a busy
#: moment a few seconds.
OUTAGE_RETRY_AFTER = 60
OVERLOAD_RETRY_AFTER = 5


def posted_fields() -> list[tuple[str, str]] | None:
    """The fields of a rating-form POST, in order and with repeats, or None for any other
    request (nothing to send again)."""
    if (request.method != "POST" or not request.path.startswith(RESEND_PREFIXES)
            or request.mimetype not in FORM_TYPES):
        return None
    try:
        return list(request.form.items(multi=True))
    except Exception:  # a body that cannot be read (too large, cut short): nothing to hand back
        return None


def _page(title: str, message: str, resend_message: str, retry_after: int) -> Response:
    fields = posted_fields()
    shell = _shell(title, resend_message if fields is not None else message,
                   fields is not None)
    page = shell.replace(_switch_url(_PATH), _switch_url(None))
    if fields is not None:
        page = (page.replace(_PATH, str(escape(request.full_path.rstrip("?"))))
                .replace(_FIELD, _hidden_inputs(fields)))  # last: never rescanned
    response = make_response(page, 503)
    response.headers["Retry-After"] = str(retry_after)
    response.headers["Cache-Control"] = "no-store"  # it may hold a rater's answers
    return response


#: Stand-ins on a cached page (see the module's docstring): the path the page was asked for,
#: and the one hidden field that the answers handed back replace.
_PATH = "/zz-unavailable-path-slot-7d1e-zz"
_FIELD = '<input type="hidden" name="zz-unavailable-fields-slot-zz" value="">'


def _shell(title: str, message: str, resend: bool) -> str:
    shells: dict[tuple[str, str, str, bool], str] = current_app.extensions.setdefault(
        "unavailable_pages", {})
    key = (current_language(), title, message, resend)
    shell = shells.get(key)
    if shell is None:
        shell = shells[key] = render_template(
            "error.html", title=title, message=message, other_language=other_language(_PATH),
            resend={"action": _PATH, "fields": [("zz-unavailable-fields-slot-zz", "")],
                    "button": gettext("Try again")} if resend else None)
        assert not resend or _FIELD in shell, "error.html's hidden inputs changed their markup"
    return shell


def _switch_url(path: str | None) -> str:
    """The language switch's address as the page prints it, back to ``path`` (None: this
    request's own)."""
    return str(escape(other_language(path)["url"]))


def _hidden_inputs(fields: list[tuple[str, str]]) -> str:
    """The answers handed back, as error.html's own loop would print them."""
    return "\n  ".join(Markup('<input type="hidden" name="{}" value="{}">').format(name, value)
                       for name, value in fields)


def outage_page() -> Response:
    """The database is down, hung or locked beyond the limits (service/db_limits.py)."""
    return _page(
        gettext("Sorry, the service is not working right now"),
        gettext("We could not reach our database just now. Nothing has been lost. "
                "Please try again in a minute."),
        gettext("We could not save your answers just now, so nothing has been saved yet, but "
                "nothing you entered has been lost: it is all in this page. Please try again "
                "in a minute; pressing Try again sends your answers again."),
        OUTAGE_RETRY_AFTER)


def overload_page() -> Response:
    """More requests than this process admits (service/web/admission.py)."""
    return _page(
        gettext("The service is very busy"),
        gettext("Too many people are using the service at this moment. Nothing has been "
                "lost. Please try again in a few seconds."),
        gettext("Too many people are using the service at this moment, so your answers have "
                "not been saved yet, but nothing you entered has been lost: it is all in this "
                "page. Pressing Try again in a few seconds sends your answers again."),
        OVERLOAD_RETRY_AFTER)
