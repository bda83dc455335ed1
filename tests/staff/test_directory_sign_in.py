"""Sign-in by directory bind against a real slapd (OpenLDAP and AD flavours), with the hr and
admin roles from directory groups."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from service.audit.models import AuditEvent
from service.db import db
from service.staff.operations import grant
from tests.directory.conftest import Org, build_org
from tests.ldap_server import Person as Entry
from tests.ldap_server import Slapd, free_port
from tests.staff_fixtures import (
    ADMIN_GROUP,
    HR_GROUP,
    sign_in,
    staff_client_for,
    synced_directory_app,
    token,
)

PASSWORD = "directory password, with spaces"


@pytest.fixture
def org() -> Org:
    return build_org(staff=4)


@pytest.fixture
def staff(directory: Slapd, org: Org) -> dict[str, Entry]:
    """Two people with directory passwords; Nia is in the HR group. Groups as AD and OpenLDAP
    both keep them: an entry listing its members' DNs."""
    nia = Entry("nia", "Nia", "Hughes", email="nia.hughes@example.org", manager=org.chief)
    bob = Entry("bob", "Bob", "Builder", email="bob@example.org", manager=org.chief)
    for person in (nia, bob):
        directory.add(person, password=PASSWORD)
    with directory.connection() as conn:
        conn.add(HR_GROUP, attributes={"objectClass": ["groupOfNames"],
                                       "cn": "feedback360 hr", "member": [nia.dn]})
        conn.add(ADMIN_GROUP, attributes={"objectClass": ["groupOfNames"],
                                          "cn": "feedback360 admins",
                                          "member": [org.chief.dn]})
    return {"nia": nia, "bob": bob}


@pytest.fixture
def directory_app(make_app: Any, directory: Slapd, staff: dict[str, Entry],
                  tmp_path: Any) -> Iterator[Flask]:
    with synced_directory_app(make_app, directory, tmp_path) as (app, summary):
        assert summary["created"] == 4 + 14 + 2  # less the contractor
        yield app


def _roles(client) -> str:
    page = client.get("/staff").get_data(as_text=True)
    return page.split('id="roles">')[1].split("</span>")[0].strip()


@pytest.mark.parametrize("typed", ["nia", "NIA.Hughes@example.org"])
def test_a_directory_user_signs_in_by_username_or_email(directory_app: Flask,
                                                       typed: str) -> None:
    client = directory_app.test_client()
    response = sign_in(client, typed, PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/staff"
    assert "Signed in as Nia Hughes" in client.get("/staff").get_data(as_text=True)
    assert db.session.scalars(select(AuditEvent.summary).where(
        AuditEvent.action == "staff.sign_in")).all() == ["signed in (directory)"]
    assert _roles(client) == "HR"  # from the group
    assert client.get("/staff/accounts").status_code == 403


def test_roles_from_groups_and_granted_roles_add_up(directory_app: Flask, org: Org) -> None:
    from service.staff.operations import person_by_email

    grant(person_by_email("bob@example.org"), "hr")
    db.session.commit()
    client = directory_app.test_client()
    assert sign_in(client, "bob", PASSWORD).status_code == 302
    assert _roles(client) == "HR"
    client.post("/sign-out", data={"csrf_token": token(client, "/staff")})
    directory_password = "chief's password 1"
    # The chief is in the admin group only.
    _set_password(directory_app, org.chief, directory_password)
    assert sign_in(client, "chief", directory_password).status_code == 302
    assert _roles(client) == "Gweinyddwr"  # "Admin", in the chief's directory language
    assert client.get("/staff/accounts").status_code == 200


def _set_password(app: Flask, entry: Entry, password: str) -> None:
    import ldap3

    from tests.ldap_server import ROOT_DN, ROOT_PASSWORD

    with ldap3.Connection(ldap3.Server(app.config["LDAP_URL"]), ROOT_DN, ROOT_PASSWORD,
                          auto_bind=True) as conn:
        conn.modify(entry.dn, {"userPassword": [(ldap3.MODIFY_REPLACE, [password])]})


def test_wrong_directory_password_and_unknown_user_are_one_refusal(directory_app: Flask) -> None:
    client = directory_app.test_client()
    wrong = sign_in(client, "nia", "wrong password")
    unknown = sign_in(client, "nobody", "wrong password")
    assert wrong.status_code == unknown.status_code == 400
    for response in (wrong, unknown):
        assert "The email address or password is not right" in response.get_data(as_text=True)
    assert client.get("/staff").status_code == 302


def test_a_directory_user_who_is_not_a_synced_person_is_refused(
        directory_app: Flask, directory: Slapd) -> None:
    newcomer = Entry("newbie", "New", "Starter", email="new@example.org")
    directory.add(newcomer, password=PASSWORD)  # added after the sync
    response = sign_in(directory_app.test_client(), "newbie", PASSWORD)
    assert response.status_code == 400
    assert "The email address or password is not right" in response.get_data(as_text=True)


def test_a_directory_that_cannot_be_reached_says_try_later(make_app: Any,
                                                          directory_app: Flask) -> None:
    app = make_app(**{**{k: v for k, v in directory_app.config.items() if k.startswith("LDAP")},
                      "LDAP_URL": f"ldap://127.0.0.1:{free_port()}"})
    staff_client_for(app)
    with app.app_context():
        response = sign_in(app.test_client(), "nia", PASSWORD, address="192.0.2.77")
        assert response.status_code == 503
        assert "Try again in a few minutes" in response.get_data(as_text=True)
        db.session.expire_all()
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert (event.action, event.actor, event.summary, event.address) == (
            "staff.sign_in_refused", "someone signing in",
            "sign-in not checked: the directory could not be reached", "192.0.2.77")
