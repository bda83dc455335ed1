"""Overload against a real gunicorn (the README's command, gunicorn.conf.py): past capacity a
request gets 503 with Retry-After within a bounded time, never a queue of seconds; admitted ones
succeed; a shed POST of the rating form hands the rater's answers back."""

from __future__ import annotations

import html
import threading
from typing import Any

from service.db import db
from service.nominations.models import Invitation
from service.responses.sealing import open_draft
from tests.factories import launched_cycle
from tests.web.helpers import hold_write_lock
from tests.web_server import HIDDEN, Gunicorn, Reply, open_rating_form, request, server_env

ANSWERS = [("item-attending-listens", "3"), ("item-attending-makes-time", "na"),
           ("question-strengths", 'Stays calm & kind "under pressure"')]


def _at_once(count: int, send: Any) -> list[Reply]:
    """``count`` requests started together from as many threads."""
    barrier = threading.Barrier(count)
    replies: list[Reply | None] = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        replies[index] = send(index)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert all(reply is not None for reply in replies), "a request never got an answer"
    return replies  # type: ignore[return-value]


def test_past_capacity_a_post_is_answered_503_at_once_and_keeps_the_answers(
        app, base_config, tmp_path):
    """One request is admitted and held up by a real lock on what it writes; the queue has one
    place. Eleven more arrive together: each is answered 503 within ADMISSION_WAIT (plus a
    margin), not after the lock goes; the admitted one then succeeds."""
    _, tokens, _ = launched_cycle()
    invitation_id, token = next(iter(tokens.items()))
    env = server_env(base_config, tmp_path / "web", ADMISSION_LIMIT=1, ADMISSION_QUEUE=1,
                     ADMISSION_WAIT=0.5, DATABASE_LOCK_TIMEOUT=60)
    with Gunicorn(env, tmp_path / "gunicorn.log") as server:
        open_rating_form(server.port, token)
        form = [*ANSWERS, ("action", "save")]
        replies: list[Reply | None] = [None] * 12
        release = hold_write_lock(base_config["DATABASE_URL"], invitation_id)
        try:
            barrier = threading.Barrier(len(replies))

            def post(index: int) -> None:
                barrier.wait()
                replies[index] = request(server.port, "POST", f"/r/{token}", form)

            threads = [threading.Thread(target=post, args=(i,), daemon=True)
                       for i in range(len(replies))]
            for thread in threads:
                thread.start()
            # Eleven answers come while the lock is still held: none waits for it.
            for thread in threads:
                thread.join(5)
            answered = [r for r in replies if r is not None]
            assert len(answered) == len(replies) - 1, (
                f"{len(answered)} of {len(replies)} answered while one request held the lock:\n"
                + (tmp_path / "gunicorn.log").read_text()[-2000:])
        finally:
            release()
        for thread in threads:
            thread.join(60)
        statuses = sorted(r.status for r in replies if r is not None)
        assert statuses == [302] + [503] * (len(replies) - 1)
        shed = [r for r in replies if r is not None and r.status == 503]
        assert max(r.seconds for r in shed) < 0.5 + 1.5
        page = shed[0]
        assert page.headers["Retry-After"] == "5"
        assert "nothing you entered has been lost" in page.body
        assert "Pressing Try again in a few seconds sends your answers again" in page.body
        assert f'<form method="post" action="/r/{token}">' in page.body
        fields = [(name, html.unescape(value)) for name, value in HIDDEN.findall(page.body)]
        assert fields == form

        # "Try again" sends the same fields: saved, as if nothing had happened.
        again = request(server.port, "POST", f"/r/{token}", fields)
        assert again.status == 302 and again.headers["Location"].endswith("?step=1&saved=1")
    db.session.expire_all()
    answers, comments = open_draft(token, db.session.get(Invitation, invitation_id).draft)
    assert answers == {"attending-listens": 3, "attending-makes-time": None}
    assert comments == {"strengths": 'Stays calm & kind "under pressure"'}


def test_a_burst_gets_quick_503s_and_every_admitted_request_succeeds(app, base_config,
                                                                      tmp_path):
    _, tokens, _ = launched_cycle()
    token = next(iter(tokens.values()))
    wait = 0.3
    env = server_env(base_config, tmp_path / "web", ADMISSION_LIMIT=2, ADMISSION_QUEUE=2,
                     ADMISSION_WAIT=wait)
    with Gunicorn(env, tmp_path / "gunicorn.log") as server:
        replies = _at_once(40, lambda _: request(server.port, "GET", f"/r/{token}"))
        assert server.process is not None and server.process.poll() is None
    statuses = [r.status for r in replies]
    assert set(statuses) <= {200, 503}, statuses
    assert statuses.count(200) >= 2 and statuses.count(503) >= 1, statuses
    for reply in replies:
        if reply.status == 200:
            assert "Your self-assessment" in reply.body and "Continue" in reply.body
        else:
            assert reply.headers["Retry-After"] == "5"
            assert "The service is very busy" in reply.body
    # A shed request waits at most ADMISSION_WAIT for a turn; the rest is a loaded machine.
    assert max(r.seconds for r in replies if r.status == 503) < wait + 2.0
