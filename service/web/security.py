"""What every request and response of the web service gets, whatever the page: a limit on the
body before anything reads it, and the headers and cookie flags that keep a personal link and
a rater's answers out of other sites, caches and referrers."""

from __future__ import annotations

import io
from typing import IO

from flask import Flask, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge


def limit_request_bodies(app: Flask) -> None:
    """Refuse a body over MAX_CONTENT_LENGTH before anything (the CSRF check included) reads it.

    A declared Content-Length over the limit is refused unread, on every route. A body without
    one (chunked) is read here, one byte past the limit at most: Werkzeug's own limit would hand
    the form parser the first MAX_CONTENT_LENGTH bytes of it, cut, instead of refusing it.
    Register this before the extensions: before-request hooks run in order of registration."""

    @app.before_request
    def refuse_oversized_body() -> None:
        limit = app.config["MAX_CONTENT_LENGTH"]
        if request.content_length is not None:
            if request.content_length > limit:
                raise RequestEntityTooLarge()
        elif request.environ.get("wsgi.input_terminated"):
            body = _read_at_most(request.environ["wsgi.input"], limit + 1)
            if len(body) > limit:
                raise RequestEntityTooLarge()
            request.environ["wsgi.input"] = io.BytesIO(body)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
        limit = app.config["MAX_CONTENT_LENGTH"] // 1024
        return render_template(
            "error.html", title="What was sent is too large",
            message=f"This service accepts up to {limit} kB at a time, and each answer to "
                    "an open question up to 4,000 characters. Please go back, shorten the "
                    "longest answer and send it again."), 413


def _read_at_most(stream: IO[bytes], size: int) -> bytes:
    chunks: list[bytes] = []
    remaining = size
    while remaining > 0 and (chunk := stream.read(min(remaining, 64 * 1024))):
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
