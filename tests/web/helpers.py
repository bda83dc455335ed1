"""Drive the rating form the way a browser without JavaScript would."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text


def open_form(client: FlaskClient, url: str) -> str:
    """Open the rating form as a rater would before answering: its page."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return page.get_data(as_text=True)


def full_answers(rubric: dict[str, Any], value: str = "4") -> dict[str, str]:
    form = {f"item-{item['id']}": value for s in rubric["sections"] for item in s["items"]}
    form[f"question-{rubric['questions'][0]['id']}"] = "Listens with real interest."
    return form


def post_form(client: FlaskClient, url: str, data: dict[str, str], action: str) -> Any:
    """Post the form as its page does: no CSRF token (the link is the secret,
    service/responses/views.py), from the service's own page."""
    return client.post(url, data={**data, "action": action},
                       headers={"Sec-Fetch-Site": "same-origin"})


def hold_write_lock(database_url: str, invitation_id: int) -> Callable[[], None]:
    """Lock what a draft save writes, from another connection; returns the release."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        holder = sqlite3.connect(url.database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # the one writer's lock; readers carry on (WAL)
        return lambda: (holder.rollback(), holder.close())  # type: ignore[func-returns-value]
    engine = create_engine(url)
    connection = engine.connect()
    connection.execute(text("SELECT id FROM invitations WHERE id = :id FOR UPDATE"),
                       {"id": invitation_id})

    def release() -> None:
        connection.rollback()
        connection.close()
        engine.dispose()

    return release
