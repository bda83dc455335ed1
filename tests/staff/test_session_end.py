"""Signing out, a new password and a removed role end every session of the person on the
server: a copy of the cookie taken before is refused, though its signature and times are good."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from service.db import db
from service.people.models import Person
from service.staff.sessions import GENERATION
from tests.staff_fixtures import sign_in, token


def _copy(client: FlaskClient, app: Flask) -> FlaskClient:
    """Another browser holding a copy of ``client``'s session cookie."""
    thief = app.test_client()
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief.set_cookie("session", cookie.value)
    return thief


def _signed_in(client: FlaskClient) -> bool:
    return client.get("/staff").status_code == 200


def test_a_cookie_copied_before_sign_out_is_refused_after_it(staff_app: Flask,
                                                             officer: Person) -> None:
    client = staff_app.test_client()
    sign_in(client, "hana.officer@example.org")
    copy = _copy(client, staff_app)
    assert _signed_in(copy)  # the copy works while the session lasts
    client.post("/sign-out", data={"csrf_token": token(client, "/staff")})
    assert not _signed_in(client)
    response = copy.get("/staff")  # the replayed cookie
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    assert copy.post("/staff/accounts", data={"csrf_token": "x"}).status_code in (302, 400)


def test_signing_out_on_one_device_ends_the_others(staff_app: Flask, officer: Person) -> None:
    laptop, phone = staff_app.test_client(), staff_app.test_client()
    sign_in(laptop, "hana.officer@example.org")
    sign_in(phone, "hana.officer@example.org")
    assert _signed_in(laptop) and _signed_in(phone)
    phone.post("/sign-out", data={"csrf_token": token(phone, "/staff")})
    assert not _signed_in(laptop)
    sign_in(laptop, "hana.officer@example.org")  # signing in again works, as a new session
    assert _signed_in(laptop) and not _signed_in(phone)


def test_another_person_signing_out_ends_nothing_of_yours(staff_app: Flask, officer: Person,
                                                          admin: Person) -> None:
    hana, ada = staff_app.test_client(), staff_app.test_client()
    sign_in(hana, "hana.officer@example.org")
    sign_in(ada, "ada@example.org")
    ada.post("/sign-out", data={"csrf_token": token(ada, "/staff")})
    assert _signed_in(hana) and not _signed_in(ada)


def test_a_new_password_ends_every_session(staff_app: Flask, officer: Person) -> None:
    client = staff_app.test_client()
    sign_in(client, "hana.officer@example.org")
    result = staff_app.test_cli_runner().invoke(
        args=["user", "set-password", "hana.officer@example.org", "--password-stdin"],
        input="another long enough password\n")
    assert result.exit_code == 0, result.output
    assert not _signed_in(client)
    assert sign_in(client, "hana.officer@example.org",
                   "another long enough password").status_code == 302
    assert _signed_in(client)


def test_a_removed_role_ends_every_session_and_a_failed_command_nothing(
        staff_app: Flask, officer: Person) -> None:
    client = staff_app.test_client()
    sign_in(client, "hana.officer@example.org")
    runner = staff_app.test_cli_runner()
    assert runner.invoke(args=["user", "revoke", "hana.officer@example.org", "admin"]).output \
        == "hana.officer@example.org did not have admin\n"
    assert _signed_in(client)  # nothing was removed, nothing ends
    result = runner.invoke(args=["user", "revoke", "hana.officer@example.org", "hr"])
    assert result.exit_code == 0, result.output
    assert not _signed_in(client)


def test_an_admin_removing_a_role_on_the_page_signs_that_person_out(
        staff_app: Flask, officer: Person, admin: Person) -> None:
    hana, ada = staff_app.test_client(), staff_app.test_client()
    sign_in(hana, "hana.officer@example.org")
    sign_in(ada, "ada@example.org")
    response = ada.post("/staff/accounts", data={
        "person": officer.id, "role": "hr", "action": "revoke",
        "csrf_token": token(ada, "/staff/accounts")})
    assert response.status_code == 302
    assert not _signed_in(hana) and _signed_in(ada)


def test_a_session_without_a_generation_is_signed_out(staff_app: Flask,
                                                      officer: Person) -> None:
    """A cookie made before sessions had generations (or by anyone but the sign-in)."""
    client = staff_app.test_client()
    sign_in(client, "hana.officer@example.org")
    with client.session_transaction() as session:
        del session[GENERATION]
    assert not _signed_in(client)


def test_a_cookie_for_an_id_that_is_not_a_number_is_signed_out(staff_app: Flask,
                                                              officer: Person) -> None:
    client = staff_app.test_client()
    sign_in(client, "hana.officer@example.org")
    with client.session_transaction() as session:
        session["_user_id"] = "not-a-number"
    assert not _signed_in(client)
    db.session.rollback()
