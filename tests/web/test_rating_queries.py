"""What a rater's request costs the database: the statements and, on PostgreSQL, the round trips
(each one ends with the server's ReadyForQuery, counted in libpq's protocol trace)."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from markupsafe import escape
from sqlalchemy import event

from service.db import db
from service.nominations.models import Invitation, Nomination
from tests.factories import launched_cycle
from tests.web.helpers import full_answers, open_form, post_form


@contextmanager
def counting(engine: Any) -> Iterator[dict[str, int]]:
    """Count the statements and, on PostgreSQL, the round trips of every connection checked out,
    as the driver sees them (the rater's statements go past SQLAlchemy: service/driver.py)."""
    counts = {"statements": 0, "round_trips": 0}
    traces: list[tuple[Any, Any]] = []
    sqlite_connections: list[Any] = []

    def on_sqlite_statement(sql: str) -> None:
        if not sql.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")):
            counts["statements"] += 1

    def on_checkout(dbapi_connection: Any, *_args: Any) -> None:
        pgconn = getattr(dbapi_connection, "pgconn", None)
        if pgconn is not None:
            trace = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed below)
            pgconn.trace(trace.fileno())
            pgconn.set_trace_flags(1)  # no timestamps
            traces.append((pgconn, trace))
        else:
            dbapi_connection.set_trace_callback(on_sqlite_statement)
            sqlite_connections.append(dbapi_connection)

    event.listen(engine.pool, "checkout", on_checkout)
    try:
        yield counts
    finally:
        event.remove(engine.pool, "checkout", on_checkout)
        for connection in sqlite_connections:
            connection.set_trace_callback(None)
        for pgconn, trace in traces:
            pgconn.untrace()
            trace.seek(0)
            for line in trace:
                # F: what the client sent; one Execute per statement (extended protocol)
                fields = line.split("\t")
                counts["statements"] += fields[0] == "F" and fields[2] == "Execute"
                counts["round_trips"] += "ReadyForQuery" in line
            trace.close()


def _tokens(app: Any) -> tuple[dict[str, Any], list[str]]:
    with app.app_context():
        cycle, tokens, _ = launched_cycle()
        rubric = cycle.rubric_snapshot
        order = [tokens[i] for i in sorted(tokens)]
        db.session.remove()
    return rubric, order


def test_a_rater_costs_one_query_to_read_and_one_or_two_to_submit(make_app):
    app = make_app()
    rubric, tokens = _tokens(app)
    client = app.test_client()
    postgres = app.config["DATABASE_URL"].startswith("postgresql")
    with app.app_context():
        engine = db.engine
    client.get(f"/r/{tokens[0]}")  # this process reads the frozen rubric once, here

    with counting(engine) as read:
        page = client.get(f"/r/{tokens[1]}")
    assert page.status_code == 200
    assert read["statements"] == 1  # invitation, nomination, subject, cycle, people: one join
    if postgres:
        assert read["round_trips"] == 1  # no pre-ping, no BEGIN, no ROLLBACK

    open_form(client, f"/r/{tokens[2]}")
    with counting(engine) as write:
        page = post_form(client, f"/r/{tokens[2]}", full_answers(rubric), "submit")
    assert page.status_code == 302
    if postgres:  # the look-up, then the flip and the held row in one statement
        assert write == {"statements": 2, "round_trips": 2}
    else:  # the look-up, the flip, the held row, in one transaction
        assert write["statements"] == 3


def test_the_blank_form_is_rendered_once_per_language_and_matches_a_fresh_one(make_app):
    app = make_app()
    with app.app_context():
        cycle, tokens, people = launched_cycle()
        welsh = people["reports"][0]
        welsh.language = "cy"
        db.session.commit()
        welsh_id = db.session.scalar(db.select(Invitation.id).join(Nomination).where(
            Nomination.person_id == welsh.id))
        english_id, self_id = (db.session.scalar(db.select(Invitation.id).join(Nomination).where(
            Nomination.person_id == people[who].id)) for who in ("boss", "leader"))
        rubric = cycle.rubric_snapshot
        db.session.remove()
    client = app.test_client()
    own = client.get(f"/r/{tokens[self_id]}").get_data(as_text=True)  # the self kind first
    english = client.get(f"/r/{tokens[english_id]}").get_data(as_text=True)
    cymraeg = client.get(f"/r/{tokens[welsh_id]}").get_data(as_text=True)
    item = rubric["sections"][0]["items"][0]
    first = {lang: str(escape(text)) for lang, text in item["text"].items()}
    assert first["en"] in english and first["cy"] not in english
    assert first["cy"] in cymraeg
    # The leader's own form has fields of its own (first person), not the others' cached ones.
    assert str(escape(item["self_text"]["en"])) in own and first["en"] not in own
    assert str(escape(item["self_text"]["en"])) not in english
    # A saved draft is rendered afresh, with the same fields as the cached blank ones.
    url = f"/r/{tokens[english_id]}"
    post_form(client, url, {f"item-{rubric['sections'][0]['items'][0]['id']}": "2"}, "save")
    drafted = client.get(url).get_data(as_text=True)
    assert 'value="2" checked' in drafted
    assert _fields(drafted).replace(" checked", "") == _fields(english)


def _fields(page: str) -> str:
    return page.split('class="app-rating-form" data-step="1">')[1].split('nhsuk-button-group')[0]


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="PostgreSQL closes connections from the server side")
def test_a_connection_the_server_closed_is_replaced_before_use(make_app):
    import psycopg

    app = make_app()
    _, tokens = _tokens(app)
    client = app.test_client()
    assert client.get(f"/r/{tokens[0]}").status_code == 200
    with app.app_context(), db.engine.connect() as conn:  # the pooled one the page used
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    with psycopg.connect(_plain(app.config["DATABASE_URL"]), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", (pid,))
        for _ in range(100):
            if other.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s",
                             (pid,)).fetchone() == (0,):
                break
            time.sleep(0.05)
    assert client.get(f"/r/{tokens[1]}").status_code == 200


def test_the_blank_page_is_rendered_once_and_carries_each_raters_name_link_and_token(make_app):
    app = make_app()
    with app.app_context():
        cycle, tokens, people = launched_cycle()
        people["leader"].display_name = "Siân O'Brien <&>"
        db.session.commit()
        rubric = cycle.rubric_snapshot
        order = [tokens[i] for i in sorted(tokens)]
        db.session.remove()
    client = app.test_client()
    pages = {token: client.get(f"/r/{token}").get_data(as_text=True) for token in order[1:4]}
    for token, page in pages.items():
        # title, heading, intro and what the rater's group means (once or twice)
        assert page.count("Siân O&#39;Brien &lt;&amp;&gt;") >= 4
        assert "Siân O'Brien <&>" not in page
        assert f'href="/r/{token}/decline"' in page
        assert "zz-rater-token-slot" not in page and "\ue000" not in page
        others = [other for other in pages if other != token]
        assert not any(other in page for other in others)
    token = order[2]
    open_form(client, f"/r/{token}")
    assert post_form(client, f"/r/{token}", full_answers(rubric), "submit").status_code == 302


def test_a_step_save_costs_the_look_up_and_one_update(make_app):
    """Continue, Back, Save and the script's save on leaving: the look-up (which brings the
    sealed draft to merge the step into) and one UPDATE of the draft; on PostgreSQL two round
    trips, no transaction around them."""
    app = make_app()
    rubric, tokens = _tokens(app)
    client = app.test_client()
    postgres = app.config["DATABASE_URL"].startswith("postgresql")
    with app.app_context():
        engine = db.engine
    client.get(f"/r/{tokens[0]}")  # the frozen rubric, read once
    step = {f"item-{item['id']}": "3" for item in rubric["sections"][1]["items"]}
    for action, status in (("continue", 302), ("back", 302), ("save", 302), ("leave", 204)):
        with counting(engine) as write:
            page = post_form(client, f"/r/{tokens[1]}", {**step, "step": "2"}, action)
        assert page.status_code == status, action
        if postgres:
            assert write == {"statements": 2, "round_trips": 2}, action
        else:
            assert write["statements"] == 2, action
    with counting(engine) as read:  # the next step, drawn from the draft: still one
        assert client.get(f"/r/{tokens[1]}?step=3").status_code == 200
    assert read["statements"] == 1
