"""The page for an HTTP error (404, 403, 405, 429, 500…), in the person's language: werkzeug's
own names and descriptions are English and written for developers."""

from __future__ import annotations

from flask import make_response, render_template
from flask_babel import gettext
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response


def _wording(code: int) -> tuple[str, str]:
    if code == 404:
        return (gettext("Page not found"),
                gettext("If you typed the web address, check it is correct. If you pasted it, "
                        "check you copied the entire address. A personal link from an email "
                        "works only as it was sent."))
    if code == 403:
        return (gettext("You cannot open this page"),
                gettext("This page is not open to you. If you think it should be, ask the "
                        "person who sent you the link."))
    if code == 405:
        return (gettext("This page cannot do that"),
                gettext("The page was asked to do something it does not do. Please go back "
                        "and use the buttons and links on the page."))
    if code == 410:
        return (gettext("This page is no longer available"),
                gettext("What was here has been removed or has ended."))
    if code == 429:
        return (gettext("Too many requests"),
                gettext("Too many requests have come from your network in a short time. "
                        "Please wait a minute and try again."))
    if code >= 500:
        return (gettext("Sorry, there is a problem with the service"),
                gettext("Please try again later. Nothing you saved earlier has been lost."))
    return (gettext("Sorry, that did not work"),
            gettext("Something in the request was not right. Please go back and try again."))


def http_error_page(error: HTTPException) -> Response:
    code = error.code or 500
    title, message = _wording(code)
    response = make_response(render_template("error.html", title=title, message=message), code)
    for name, value in error.get_headers():  # Retry-After, Allow, WWW-Authenticate
        if name.lower() != "content-type":
            response.headers[name] = value
    return response
