"""Fixtures for the running half of the HR console's tests: an HR officer signed in through
the real sign-in page, a colleague without the hr role, and a launched cycle."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from service.audit.models import AuditEvent
from service.db import db
from service.people.models import Person
from service.staff.operations import create_account
from tests.factories import launched_cycle
from tests.staff_fixtures import CSRF, PASSWORD, add_person, sign_in


def csrf(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has a form with a CSRF token"
    return found.group(1)


def without_csrf(html: str) -> str:
    return CSRF.sub('name="csrf_token" value=""', html)


#: Rows of signing in and out, which the fixtures' own sign-in writes: not the page's action.
SESSION_ACTIONS = ("staff.sign_in", "staff.sign_out")


def audit_count(action: str | None = None) -> int:
    """Rows written by a signed-in person's requests (the fixtures' own set-up has none, its
    sign-in aside)."""
    db.session.expire_all()
    query = select(func.count(AuditEvent.id)).where(AuditEvent.actor_person_id.is_not(None),
                                                    AuditEvent.action.not_in(SESSION_ACTIONS))
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.scalar(query) or 0


def empty_queue(app: Flask) -> None:
    """The task queue lives in the tests' shared instance folder (or Redis): start from an
    empty one, so what a test runs or counts is its own."""
    app.extensions["huey"].flush()


@pytest.fixture
def hr(staff_app: Flask) -> FlaskClient:
    empty_queue(staff_app)
    person = add_person("emp-hr", "Hana Officer", "hana@example.org")
    create_account(person, ("hr",), PASSWORD)
    db.session.commit()
    client = staff_app.test_client()
    assert sign_in(client, "hana@example.org").status_code == 302
    return client


@pytest.fixture
def not_hr(staff_app: Flask) -> FlaskClient:
    person = add_person("emp-x", "Xavi Colleague", "xavi@example.org")
    create_account(person, (), PASSWORD)
    db.session.commit()
    client = staff_app.test_client()
    assert sign_in(client, "xavi@example.org").status_code == 302
    return client


@pytest.fixture
def running(staff_app: Flask) -> tuple[Any, dict[str, Any]]:
    cycle, _tokens, people = launched_cycle()
    return cycle, people


def post(client: FlaskClient, url: str, data: dict[str, Any] | None = None,
         page_url: str | None = None, **kwargs: Any) -> Any:
    """POST with the CSRF token of the page at ``page_url`` (the URL itself by default)."""
    page = client.get(page_url or url)
    token = csrf(page.get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **(data or {})}, **kwargs)


def people_named(*names: str) -> list[Person]:
    return list(db.session.scalars(select(Person).where(Person.display_name.in_(names))))
