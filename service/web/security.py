"""What every request and response of the web service gets, whatever the page: a limit on the
body before anything reads it, and the headers and cookie flags that keep a personal link and
a rater's answers out of other sites, caches and referrers. Hand-written rather than a library
(flask-talisman): a dozen lines, every header visible here, nothing it does that we do not."""

from __future__ import annotations

import io
from typing import IO, Any

from flask import Flask, g, render_template, request
from flask_babel import gettext
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

# Pages load only their own stylesheets (and scripts, should they get any): no inline style or
# script, no plugins, no <base>, never inside another site's frame, forms post only here.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'",
    "form-action 'self'",
])
#: Set by a page whose form leads elsewhere (the OpenID Connect button: its POST is answered
#: with a redirect to the provider, which form-action covers too): more origins for that page.
FORM_ACTION_ALSO = "csp_form_action_also"
HSTS = "max-age=31536000"  # a year; includeSubDomains and preload are the domain owner's call
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",  # the personal link is in the URL of the rating pages
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
}
#: Responses that are the same for everyone (stylesheets, scripts, images) and may be cached.
STATIC_ENDPOINTS = {"static", "assets.asset", "assets.stylesheet", "assets.logo",
                    "api_docs.asset"}
#: Pages that need more than 'self' for one kind of content: the API's documentation page
#: (Swagger UI, service/api/docs.py) draws its icons from data: URLs in its stylesheet. Its
#: scripts and styles are still the service's own files.
CSP_ALSO = {"api_docs.page": "img-src 'self' data:"}
#: Routes allowed a larger body than MAX_CONTENT_LENGTH, and the setting that gives their limit.
#: Only HR's people import: a directory export is megabytes, and the route is for HR only.
LARGER_BODIES = {"people.import_file": "PEOPLE_IMPORT_MAX_BYTES"}


def body_limit(app: Flask) -> int:
    """The request's body limit: MAX_CONTENT_LENGTH, or its route's own (LARGER_BODIES)."""
    setting = LARGER_BODIES.get(request.endpoint or "")
    return int(app.config[setting] if setting else app.config["MAX_CONTENT_LENGTH"])


def add_security_headers(app: Flask) -> None:
    """Headers on every response, error pages and static files included; session cookies that
    scripts cannot read, that other sites' forms do not carry, and over HTTPS only when the
    service is served over HTTPS."""
    https = app.config["BASE_URL"].startswith("https://")
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = https

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.update(SECURITY_HEADERS)
        also = g.get(FORM_ACTION_ALSO)
        if also:
            response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
                "form-action 'self'", " ".join(["form-action 'self'", *also]))
        extra = CSP_ALSO.get(request.endpoint or "")
        if extra:
            response.headers["Content-Security-Policy"] += "; " + extra
        if request.endpoint not in STATIC_ENDPOINTS:  # a page may hold a link, a name or answers
            response.headers["Cache-Control"] = "no-store"
        if https or request.is_secure:
            response.headers["Strict-Transport-Security"] = HSTS
        return response


def limit_request_bodies(app: Flask) -> None:
    """Refuse a body over MAX_CONTENT_LENGTH before anything (the CSRF check included) reads it.

    A declared Content-Length over the limit is refused unread, on every route. A body without
    one (chunked) is read here, one byte past the limit at most: Werkzeug's own limit would hand
    the form parser the first MAX_CONTENT_LENGTH bytes of it, cut, instead of refusing it.
    Register this before the extensions: before-request hooks run in order of registration."""

    @app.before_request
    def refuse_oversized_body() -> None:
        limit = body_limit(app)
        if limit != app.config["MAX_CONTENT_LENGTH"]:
            request.max_content_length = limit  # Werkzeug's own check, for this request only
        if request.content_length is not None:
            if request.content_length > limit:
                raise RequestEntityTooLarge()
        elif request.environ.get("wsgi.input_terminated"):
            body = _read_at_most(request.environ["wsgi.input"], limit + 1)
            if len(body) > limit:
                raise RequestEntityTooLarge()
            request.environ["wsgi.input"] = io.BytesIO(body)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge) -> Any:
        limit = body_limit(app) // 1024
        if request.path.startswith("/api/"):
            from service.api.errors import error_response

            return error_response(413, message=f"this API accepts bodies up to {limit} kB")
        if request.endpoint in LARGER_BODIES:
            return render_template(
                "error.html", title=gettext("The file is too large"),
                message=gettext("This service accepts files up to %(limit)d kB. Split the "
                                "file into smaller ones and import each in turn.",
                                limit=limit)), 413
        return render_template(
            "error.html", title=gettext("What was sent is too large"),
            message=gettext("This service accepts up to %(limit)d kB at a time, and each "
                            "answer to an open question up to 4,000 characters. Please go "
                            "back, shorten the longest answer and send it again.",
                            limit=limit)), 413


def _read_at_most(stream: IO[bytes], size: int) -> bytes:
    chunks: list[bytes] = []
    remaining = size
    while remaining > 0 and (chunk := stream.read(min(remaining, 64 * 1024))):
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
