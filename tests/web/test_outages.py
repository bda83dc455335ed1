"""A database that is down, hung or locked: a 503 with Retry-After within a bounded time, a page
that says nothing was lost (and hands a rater's answers back), `/readyz` says which part is
down, `/healthz` stays 200. Against real servers: a port where nothing listens, a proxy that
accepts and never answers, a real PostgreSQL that stops answering mid-way (tests/pg_proxy.py),
and a lock really held by another connection."""

from __future__ import annotations

import html
import os
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import make_url, text

from service.app import create_app
from service.db import db
from service.nominations.models import Invitation
from service.nominations.tokens import new_token
from service.responses.sealing import open_draft
from tests.factories import launched_cycle
from tests.ldap_server import free_port
from tests.pg_proxy import StallProxy
from tests.web.helpers import hold_write_lock, open_form, post_form

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def within(seconds: float, call: Callable[[], Any]) -> tuple[Any, float]:
    """``call()`` in a thread; its result and how long it took, or a failure if it is still
    waiting after ``seconds`` (the hang these tests are about)."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = call()
        except BaseException as exc:
            outcome["error"] = exc

    started = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    elapsed = time.monotonic() - started
    if thread.is_alive():
        pytest.fail(f"still waiting for the database after {seconds} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"], elapsed


def outage_app(base_config: dict[str, Any], url: str, **settings: Any) -> Any:
    """An app on ``url`` (not `make_app`, whose clean-up needs a working database)."""
    return create_app({**base_config, "DATABASE_URL": url, "DATABASE_CONNECT_TIMEOUT": 2,
                       "DATABASE_STATEMENT_TIMEOUT": 1, "DATABASE_LOCK_TIMEOUT": 1,
                       **settings})


def assert_outage_page(page: Any) -> str:
    body = page.get_data(as_text=True)
    assert page.status_code == 503, body[:300]
    assert page.headers["Retry-After"] == "60"
    assert "Nothing has been lost" in body or "nothing you entered has been lost" in body
    assert "try again in a minute" in body.lower()
    return body


def assert_down(app: Any, *parts: str) -> None:
    client = app.test_client()
    ready, _ = within(15, lambda: client.get("/readyz"))
    assert (ready.status_code, ready.get_json()) == (503, {"status": "unavailable",
                                                           "down": list(parts)})
    assert client.get("/healthz").status_code == 200  # alive: nothing to restart


def test_nothing_listening_is_a_503_at_once(base_config):
    app = outage_app(base_config, f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/x")
    page, elapsed = within(15, lambda: app.test_client().get(f"/r/{new_token()}"))
    assert_outage_page(page)
    assert elapsed < 3
    assert_down(app, "database")


def test_a_server_that_accepts_and_never_answers_is_a_503_after_the_connect_timeout(
        base_config):
    with StallProxy(None) as proxy:
        app = outage_app(base_config, proxy.url("postgresql+psycopg://postgres@x/test"))
        page, elapsed = within(15, lambda: app.test_client().get(f"/r/{new_token()}"))
        assert_outage_page(page)
        assert elapsed < 2 + 3  # DATABASE_CONNECT_TIMEOUT (libpq's least: 2 s), and a margin
        assert_down(app, "database")


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL")
def test_a_server_that_stops_answering_mid_way_gives_503_and_hands_the_answers_back(
        app, base_config):
    """The pooled connection is alive when the server stops answering: the server's own
    statement_timeout cannot fire, so the client gives up (service/db_limits.py)."""
    _, tokens, _ = launched_cycle()
    token = next(iter(tokens.values()))
    target = make_url(base_config["DATABASE_URL"])
    with StallProxy(target.port or 5432) as proxy:
        hung = outage_app(base_config, proxy.url(base_config["DATABASE_URL"]))
        client = hung.test_client()
        open_form(client, f"/r/{token}")  # the pool now holds a working connection
        proxy.stall()
        answers = {"item-attending-listens": "4", "question-strengths": "Calm <under> pressure"}
        page, elapsed = within(20, lambda: post_form(client, f"/r/{token}", answers, "save"))
        body = assert_outage_page(page)
        # DATABASE_STATEMENT_TIMEOUT 1 s + 2 s grace for the pooled connection's ping, then
        # a fresh connection that times out after 2 s; and a margin
        assert elapsed < 1 + 2 + 2 + 4
        fields = dict((name, html.unescape(value)) for name, value in HIDDEN.findall(body))
        assert fields == {**answers, "action": "save"}
        assert f'action="/r/{token}"' in body and "Try again" in body
        assert_down(hung, "database")
    with hung.app_context():
        db.engine.dispose()


def test_a_lock_held_beyond_the_bound_is_a_503_and_the_answers_survive(make_app,
                                                                       base_config):
    app = make_app(DATABASE_LOCK_TIMEOUT=1)
    with app.app_context():
        _, tokens, _ = launched_cycle()
        invitation_id, token = next(iter(tokens.items()))
    client = app.test_client()
    url = f"/r/{token}"
    open_form(client, url)
    answers = {"item-attending-listens": "2", "question-strengths": "Explains decisions."}
    release = hold_write_lock(base_config["DATABASE_URL"], invitation_id)
    try:
        page, elapsed = within(15, lambda: post_form(client, url, answers, "save"))
    finally:
        release()
    body = assert_outage_page(page)
    assert elapsed < 1 + 3
    fields = [(name, html.unescape(value)) for name, value in HIDDEN.findall(body)]
    assert sorted(fields) == sorted([*answers.items(), ("action", "save")])
    # The lock is gone: "Try again" posts the same fields, and they are saved.
    again = client.post(url, data=dict(fields))
    assert again.status_code == 302 and again.location.endswith(f"{url}?step=1&saved=1")
    with app.app_context():
        answers, comments = open_draft(token, db.session.get(Invitation, invitation_id).draft)
    assert answers["attending-listens"] == 2
    assert comments["strengths"] == "Explains decisions."


def test_readyz_names_the_task_queue_when_it_is_down(make_app):
    app = make_app(TASK_QUEUE_URL=f"redis://127.0.0.1:{free_port()}/0")
    assert_down(app, "task_queue")


def test_readyz_when_all_is_well(make_app, tmp_path):
    app = make_app(TASK_QUEUE_URL=f"sqlite:///{tmp_path / 'tasks.sqlite'}")
    page = app.test_client().get("/readyz")
    assert (page.status_code, page.get_json()) == (200, {"status": "ready"})


def test_a_database_error_that_is_a_bug_stays_a_500(make_app):
    """Only outages are 503 "try again": a missing table would never come right by waiting."""
    from sqlalchemy.exc import ProgrammingError

    from service.db_limits import database_unavailable

    app = make_app()
    with app.app_context():
        with pytest.raises(Exception) as error:
            db.session.execute(text("SELECT * FROM no_such_table"))
        db.session.rollback()
    assert not database_unavailable(error.value)
    assert not database_unavailable(ProgrammingError("x", {}, Exception("syntax")))


def test_commands_and_the_worker_have_their_own_longer_timeouts(base_config):
    """A 100,000-row launch or sync writes for seconds a statement; a web page must not wait
    that long."""
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/x"
    web = create_app({**base_config, "DATABASE_URL": url})
    command = create_app({**base_config, "DATABASE_URL": url, "COMMAND_LINE": True})
    assert web.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"] == {
        "connect_timeout": 5, "options": "-c statement_timeout=10000 -c lock_timeout=5000"}
    assert command.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["options"] == (
        "-c statement_timeout=600000 -c lock_timeout=30000")
    sqlite = create_app({**base_config, "DATABASE_URL": "sqlite://"})
    assert sqlite.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["timeout"] == 5.0
