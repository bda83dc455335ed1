"""The 503 pages for a database outage and for overload: they say that nothing was lost, and a
rater's posted answers come back in a small form that sends them again, so no outage or load
ever costs anyone what they typed."""

from __future__ import annotations

from flask import Response, make_response, render_template, request
from flask_babel import gettext

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
    resend = None
    if fields is not None:
        message = resend_message
        resend = {"action": request.full_path.rstrip("?"), "fields": fields,
                  "button": gettext("Try again")}
    response = make_response(render_template("error.html", title=title, message=message,
                                             resend=resend), 503)
    response.headers["Retry-After"] = str(retry_after)
    response.headers["Cache-Control"] = "no-store"  # it may hold a rater's answers
    return response


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
