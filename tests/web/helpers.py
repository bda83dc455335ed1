"""Drive the rating form the way a browser without JavaScript would."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client: FlaskClient, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    match = CSRF.search(page.get_data(as_text=True))
    assert match, "the form carries a CSRF token"
    return match.group(1)


def full_answers(rubric: dict[str, Any], value: str = "4") -> dict[str, str]:
    form = {f"item-{item['id']}": value for s in rubric["sections"] for item in s["items"]}
    form[f"question-{rubric['questions'][0]['id']}"] = "Listens with real interest."
    return form


def post_form(client: FlaskClient, url: str, data: dict[str, str], action: str,
              token: str | None = None) -> Any:
    return client.post(url, data={**data, "action": action,
                                  "csrf_token": token or csrf_token(client, url)})


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
