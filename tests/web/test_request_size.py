"""Bodies are limited before they are read: a declared Content-Length over the limit is refused
unread, and a chunked body without one is read no further than the limit."""

from __future__ import annotations

import io
from typing import Any

import pytest
from werkzeug.test import EnvironBuilder, run_wsgi_app

from service.config import load_config
from tests.factories import launched_cycle
from tests.web.helpers import full_answers, post_form

LIMIT = 256 * 1024
FORM = "application/x-www-form-urlencoded"
MADE_UP_LINK = "/r/" + "A" * 43


class Endless(io.RawIOBase):
    """A client that keeps sending `a=000…` up to `cap` bytes, counting what the app reads."""

    def __init__(self, cap: int = 8 * 1024 * 1024):
        self.cap = cap
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        size = min(len(buffer), self.cap - self.read_bytes)
        buffer[:size] = (b"a=" + b"0" * size)[:size] if self.read_bytes == 0 else b"0" * size
        self.read_bytes += size
        return size


def _send(app: Any, stream: Endless, content_length: int | None, path: str = MADE_UP_LINK
          ) -> tuple[str, str]:
    environ = EnvironBuilder(path=path, method="POST", content_type=FORM).get_environ()
    environ["wsgi.input"] = stream
    if content_length is None:  # chunked: the server ends the stream, there is no length
        environ.pop("CONTENT_LENGTH", None)
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
        environ["wsgi.input_terminated"] = True
    else:
        environ["CONTENT_LENGTH"] = str(content_length)
    body, status, _ = run_wsgi_app(app, environ, buffered=True)
    return status, b"".join(body).decode()


def test_a_declared_200_mb_body_is_refused_unread_with_a_413_page(app: Any) -> None:
    stream = Endless()
    status, html = _send(app, stream, 200 * 1024 * 1024)
    assert status.startswith("413")
    assert stream.read_bytes == 0
    assert "too large" in html and "256 kB" in html and 'class="nhsuk-header"' in html


def test_a_chunked_body_is_read_no_further_than_the_limit(app: Any) -> None:
    stream = Endless()
    status, html = _send(app, stream, None)
    assert status.startswith("413"), status
    assert stream.read_bytes <= LIMIT + 64 * 1024
    assert "too large" in html


def test_any_route_refuses_an_oversized_body(app: Any) -> None:
    for path in ("/", "/healthz", "/done/submitted", "/static/app.css"):
        stream = Endless()
        status, _ = _send(app, stream, LIMIT + 1, path)
        assert status.startswith("413") and stream.read_bytes == 0, path


def test_the_longest_form_a_browser_sends_fits_with_room_to_spare(client: Any) -> None:
    """Every comment at 4,000 characters of three UTF-8 bytes (9 once percent-encoded)."""
    cycle, tokens, _ = launched_cycle()
    rubric = cycle.rubric_snapshot
    form = full_answers(rubric)
    for question in rubric["questions"]:
        form[f"question-{question['id']}"] = "’" * 4000
    size = len(EnvironBuilder(method="POST", data=form).get_request().get_data())
    assert size < LIMIT / 2
    page = post_form(client, f"/r/{next(iter(tokens.values()))}", form, "save")
    assert page.status_code == 302


def test_the_limit_is_a_setting() -> None:
    assert load_config({"INSTANCE_PATH": "/nonexistent", "SECRET_KEY": "x", "DATABASE_URL": "sqlite://"},
                       {"MAX_CONTENT_LENGTH": "1048576"})["MAX_CONTENT_LENGTH"] == 1048576
    with pytest.raises(ValueError, match="MAX_CONTENT_LENGTH"):
        load_config({"SECRET_KEY": "x", "DATABASE_URL": "sqlite://"}, {"MAX_CONTENT_LENGTH": "0"})


def test_a_chunked_form_within_the_limit_is_read_whole(make_app: Any) -> None:
    """Not cut at the limit either: a chunked body just over it is refused, not truncated."""
    app = make_app(WTF_CSRF_ENABLED=False)
    with app.app_context():
        _, tokens, _ = launched_cycle()
    path = f"/r/{next(iter(tokens.values()))}"
    status, _ = _send(app, Endless(LIMIT + 1), None, path)
    assert status.startswith("413")
    status, _ = _send(app, Endless(LIMIT - 1), None, path)
    assert status.startswith("302"), status
