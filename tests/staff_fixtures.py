"""Staff sign-in fixtures (a plugin of tests/conftest.py, for tests/staff and tests/browser): an
app whose sign-in throttle counts in its own file, a client with a context per request, people,
and the directory fixtures of tests/directory for the directory sign-in."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.db import db
from service.people.models import Person
from service.staff.operations import create_account, grant
from tests.directory.conftest import directory, flavour, run  # noqa: F401 (fixtures, with `org`)
from tests.ldap_server import SUFFIX, Slapd, app_settings

PASSWORD = "a long and correct password"
#: The directory groups whose members are HR and admins, in the tests' slapd.
HR_GROUP = f"cn=feedback360 hr,ou=services,{SUFFIX}"
ADMIN_GROUP = f"cn=feedback360 admins,ou=services,{SUFFIX}"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class FreshContextClient(FlaskClient):
    """Each request in its own application context, as in a server. The tests hold one open
    (for the database), which a request would otherwise share, and with it `g`: the signed-in
    user and the CSRF token Flask-Login and Flask-WTF keep there for one request."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        with self.application.app_context():
            return super().open(*args, **kwargs)


def staff_client_for(application: Flask) -> None:
    application.test_client_class = FreshContextClient


@contextmanager
def synced_directory_app(make_app: Any, server: Slapd, tmp_path: Path
                         ) -> Iterator[tuple[Flask, dict[str, Any]]]:
    """An app signing staff in against the test directory, with HR_GROUP and ADMIN_GROUP as
    its role groups, after one directory sync: (the app, in its context; the sync's summary)."""
    app = make_app(**app_settings(server, LDAP_HR_GROUP=HR_GROUP,
                                  LDAP_ADMIN_GROUP=ADMIN_GROUP),
                   RATELIMIT_STORAGE_URI=f"sqlite:///{tmp_path / 'throttle.sqlite'}")
    staff_client_for(app)
    with app.app_context():
        result = run(app, "directory", "sync", "--json")
        assert result.exit_code == 0, result.output
        yield app, json.loads(result.output)


@pytest.fixture
def staff_make(make_app: Any, tmp_path: Path) -> Any:
    """An app with its own sign-in throttle file and a client with a context per request."""

    def build(**overrides: Any) -> Flask:
        overrides.setdefault("RATELIMIT_STORAGE_URI", f"sqlite:///{tmp_path / 'throttle.sqlite'}")
        application = make_app(**overrides)
        staff_client_for(application)
        return application

    return build


@pytest.fixture
def staff_app(staff_make: Any) -> Iterator[Flask]:
    application = staff_make()
    with application.app_context():
        yield application


def add_person(directory_id: str, name: str, email: str, language: str | None = None,
               **extra: Any) -> Person:
    given, _, family = name.partition(" ")
    person = Person(directory_id=directory_id, email=email, display_name=name,
                    given_name=given, family_name=family, language=language, **extra)
    db.session.add(person)
    db.session.flush()
    return person


@pytest.fixture
def officer(staff_app: Flask) -> Person:
    """An HR officer with a local account."""
    person = add_person("emp-1", "Hana Officer", "Hana.Officer@example.org")
    create_account(person, ("hr",), PASSWORD)
    db.session.commit()
    return person


@pytest.fixture
def admin(staff_app: Flask) -> Person:
    person = add_person("emp-2", "Ada Admin", "ada@example.org", language="cy")
    create_account(person, ("admin",), PASSWORD)
    db.session.commit()
    return person


def token(client: FlaskClient, url: str = "/sign-in") -> str:
    page = client.get(url)
    match = CSRF.search(page.get_data(as_text=True))
    assert match, f"{url} carries a CSRF token"
    return match.group(1)


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD,
            next_url: str | None = None, address: str = "192.0.2.1") -> Any:
    data = {"email": email, "password": password, "csrf_token": token(client)}
    if next_url:
        data["next"] = next_url
    return client.post("/sign-in", data=data, environ_base={"REMOTE_ADDR": address})


def granted(person: Person, role: str) -> None:
    grant(person, role)
    db.session.commit()
