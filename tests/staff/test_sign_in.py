"""Signing in and out through the pages: sessions, expiry, fixation, the audit actor, roles."""

from __future__ import annotations

import re
import time

import pytest
from argon2 import PasswordHasher
from flask import Flask, g
from sqlalchemy import select

from service.audit.models import AuditEvent
from service.db import db
from service.people.models import Person
from service.staff.access import safe_next
from service.staff.operations import account_of
from service.staff.sessions import SEEN, SINCE
from service.staff.signin import check
from tests.staff_fixtures import PASSWORD, add_person, sign_in, token

REFUSED = "The email address or password is not right"


def test_sign_in_reaches_the_staff_page_and_sign_out_ends_it(staff_app: Flask,
                                                              officer: Person) -> None:
    client = staff_app.test_client()
    assert client.get("/staff").status_code == 302
    response = sign_in(client, "hana.officer@EXAMPLE.org ")  # any case, stray space
    assert response.status_code == 302 and response.headers["Location"] == "/staff"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert "Expires=" in cookie  # the cookie itself ends with STAFF_SESSION_MAX_HOURS
    page = client.get("/staff").get_data(as_text=True)
    assert "Signed in as Hana Officer" in page and ">HR<" in page.replace("\n", "").replace(
        " ", "")
    assert client.get("/staff/accounts").status_code == 403  # hr is not admin

    assert client.post("/sign-out").status_code == 400  # no CSRF token: refused
    assert client.get("/staff").status_code == 200
    response = client.post("/sign-out", data={"csrf_token": token(client, "/staff")})
    assert response.status_code == 302
    assert client.get("/staff").status_code == 302
    with client.session_transaction() as session:
        assert "_user_id" not in session and SINCE not in session


def test_a_secure_cookie_when_served_over_https(staff_make, officer) -> None:
    app = staff_make(BASE_URL="https://feedback.test")
    client = app.test_client()
    with app.app_context():
        response = sign_in(client, "hana.officer@example.org")
    assert "Secure" in response.headers["Set-Cookie"]


def test_wrong_password_and_unknown_account_get_the_same_answer_and_work(
        staff_app: Flask, officer: Person, monkeypatch: pytest.MonkeyPatch) -> None:
    verified = []
    real = PasswordHasher.verify
    monkeypatch.setattr(PasswordHasher, "verify", lambda self, stored, password: (
        verified.append(stored) or real(self, stored, password)))
    client = staff_app.test_client()
    wrong = sign_in(client, "hana.officer@example.org", "not the password")
    unknown = sign_in(client, "nobody@example.org", "not the password")
    assert wrong.status_code == unknown.status_code == 400
    assert REFUSED in wrong.get_data(as_text=True)
    # The same page apart from the address typed back into the field.
    def page(response, email):
        return re.sub(r'name="csrf_token" value="[^"]+"', "",
                      response.get_data(as_text=True).replace(email, "X"))

    assert page(wrong, "hana.officer@example.org") == page(unknown, "nobody@example.org")
    assert len(verified) == 2 and all(v.startswith("$argon2id$v=19$m=65536,t=3,p=4")
                                      for v in verified)  # one argon2 verify each
    assert verified[0] == account_of(officer).password_hash != verified[1]


def test_throttled_per_account_whatever_the_address(staff_make, officer) -> None:
    app = staff_make(SIGNIN_ACCOUNT_LIMIT="3 per minute; 5 per hour")
    client = app.test_client()
    with app.app_context():
        for n in range(3):
            assert sign_in(client, "hana.officer@example.org", "wrong",
                           address=f"198.51.100.{n}").status_code == 400
        refused = sign_in(client, "hana.officer@example.org", PASSWORD, address="203.0.113.9")
        assert refused.status_code == 429  # even the right password, from a new address
        assert 0 < int(refused.headers["Retry-After"]) <= 60
        page = refused.get_data(as_text=True)
        assert "Too many attempts to sign in. Try again in 1 minute." in page
        # An unknown account is throttled in the same way: a 429 says nothing about existence.
        for n in range(3):
            sign_in(client, "nobody@example.org", "wrong", address=f"198.51.100.{n}")
        assert sign_in(client, "nobody@example.org", "x").status_code == 429
        # Another account from those addresses is not held up by them.
        assert sign_in(client, "someone@example.org", "x").status_code == 400


def test_backoff_the_next_tier_holds_for_longer(staff_make, officer) -> None:
    app = staff_make(SIGNIN_ACCOUNT_LIMIT="100 per minute; 2 per hour")
    client = app.test_client()
    with app.app_context():
        for _ in range(2):
            sign_in(client, "hana.officer@example.org", "wrong")
        refused = sign_in(client, "hana.officer@example.org", PASSWORD)
        assert refused.status_code == 429 and 60 < int(refused.headers["Retry-After"]) <= 3600


def test_throttled_per_address_whatever_the_account(staff_make, officer) -> None:
    app = staff_make(SIGNIN_ADDRESS_LIMIT="4 per minute")
    client = app.test_client()
    with app.app_context():
        for n in range(4):
            assert sign_in(client, f"guess{n}@example.org", "x").status_code == 400
        assert sign_in(client, "hana.officer@example.org", PASSWORD).status_code == 429
        response = sign_in(client, "hana.officer@example.org", PASSWORD, address="192.0.2.99")
        assert response.status_code == 302


def test_a_right_password_clears_the_account_count(staff_make, officer) -> None:
    app = staff_make(SIGNIN_ACCOUNT_LIMIT="3 per minute")
    with app.app_context():
        for _ in range(2):
            assert check("hana.officer@example.org", "wrong", "192.0.2.1").person is None
        assert check("hana.officer@example.org", PASSWORD, "192.0.2.1").person is not None
        for _ in range(2):
            assert check("hana.officer@example.org", "wrong", "192.0.2.1").wait == 0


def _age_session(client, since: float = 0, seen: float = 0) -> None:
    with client.session_transaction() as session:
        session[SINCE] -= since
        session[SEEN] -= seen


def test_idle_expiry(staff_app: Flask, officer: Person) -> None:
    client = staff_app.test_client()
    sign_in(client, "hana.officer@example.org")
    _age_session(client, seen=29 * 60)
    assert client.get("/staff").status_code == 200  # and that request counts as activity
    _age_session(client, seen=29 * 60)
    assert client.get("/staff").status_code == 200
    _age_session(client, seen=31 * 60)
    response = client.get("/staff")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You were signed out because your session ended" in page


def test_absolute_expiry_however_active(staff_app: Flask, officer: Person) -> None:
    client = staff_app.test_client()
    sign_in(client, "hana.officer@example.org")
    _age_session(client, since=9 * 3600 + 59 * 60)
    assert client.get("/staff").status_code == 200
    _age_session(client, since=2 * 60)
    assert client.get("/staff").status_code == 302


def test_settings_change_the_limits(staff_make, officer) -> None:
    app = staff_make(STAFF_SESSION_IDLE_MINUTES=5)
    client = app.test_client()
    with app.app_context():
        sign_in(client, "hana.officer@example.org")
        _age_session(client, seen=6 * 60)
        assert client.get("/staff").status_code == 302


def test_sign_in_starts_a_new_session(staff_app: Flask, officer: Person) -> None:
    """Session fixation: whatever the session held before, nothing survives the sign-in."""
    client = staff_app.test_client()
    before = token(client)
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    sign_in(client, "hana.officer@example.org")
    with client.session_transaction() as session:
        assert "planted" not in session
    assert token(client, "/staff") != before  # a new CSRF token too


def test_a_person_who_left_is_signed_out(staff_app: Flask, officer: Person) -> None:
    client = staff_app.test_client()
    sign_in(client, "hana.officer@example.org")
    officer.active = False
    db.session.commit()
    assert client.get("/staff").status_code == 302
    assert REFUSED in sign_in(client, "hana.officer@example.org").get_data(as_text=True)


@pytest.mark.parametrize("target, expected", [
    ("/staff/accounts?x=1", "/staff/accounts?x=1"),
    ("https://evil.example/", None), ("//evil.example/", None), ("/\\evil.example", None),
    ("javascript:alert(1)", None), ("staff", None), ("/\tevil", None), ("", None),
])
def test_next_must_be_a_local_path(target: str, expected: str | None) -> None:
    assert safe_next(target) == expected


def test_anonymous_people_are_sent_to_sign_in_and_brought_back(staff_app: Flask,
                                                                admin: Person) -> None:
    client = staff_app.test_client()
    response = client.get("/staff/accounts")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=/staff/accounts"
    back = sign_in(client, "ada@example.org", next_url="/staff/accounts")
    assert back.headers["Location"] == "/staff/accounts"
    client.post("/sign-out", data={"csrf_token": token(client, "/staff")})
    away = sign_in(client, "ada@example.org", next_url="https://evil.example/")
    assert away.headers["Location"] == "/staff"


def test_a_signed_in_request_names_the_person_in_the_audit_log(staff_app: Flask,
                                                                admin: Person) -> None:
    target = add_person("emp-7", "Tom Target", "tom@example.org")
    db.session.commit()
    client = staff_app.test_client()
    sign_in(client, "ada@example.org", address="192.0.2.44")
    response = client.post("/staff/accounts", environ_base={"REMOTE_ADDR": "192.0.2.44"},
                           data={"email": "TOM@example.org", "role": "hr", "action": "grant",
                                 "csrf_token": token(client, "/staff/accounts")})
    assert response.status_code == 302
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "staff.role_grant"))
    assert (event.actor, event.actor_person_id, event.address) == (
        "Ada Admin <ada@example.org>", admin.id, "192.0.2.44")
    assert event.object_id == str(target.id)
    page = client.get("/staff/accounts").get_data(as_text=True)
    # Ada's directory language is Welsh: "Remove HR from Tom Target".
    assert "Tom Target" in page and "Dileu rôl AD Tom Target" in page
    # Removing it again through the row's own form.
    client.post("/staff/accounts", data={"person": target.id, "role": "hr", "action": "revoke",
                                         "csrf_token": token(client, "/staff/accounts")})
    assert db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()[-1] == (
        "staff.role_revoke")


def test_accounts_page_refuses_bad_input_clearly(staff_app: Flask, admin: Person) -> None:
    client = staff_app.test_client()
    sign_in(client, "ada@example.org")
    csrf = token(client, "/staff/accounts")
    response = client.post("/staff/accounts", data={"email": "nobody@example.org", "role": "hr",
                                                    "action": "grant", "csrf_token": csrf})
    assert response.status_code == 400
    assert "Does neb â&#39;r cyfeiriad e-bost hwnnw yn y cyfeiriadur" in response.get_data(
        as_text=True)  # in Ada's language
    response = client.post("/staff/accounts", data={"email": "ada@example.org", "role": "root",
                                                    "action": "grant", "csrf_token": csrf})
    assert response.status_code == 400
    response = client.post("/staff/accounts", data={"person": admin.id, "role": "admin",
                                                    "action": "revoke", "csrf_token": csrf})
    assert response.status_code == 409
    assert "gofynnwch i weinyddwr arall" in response.get_data(as_text=True)
    assert client.post("/staff/accounts", data={"email": "ada@example.org", "role": "hr",
                                                "action": "grant"}).status_code == 400  # CSRF


def test_the_person_language_and_actor_are_set_for_signed_in_requests(
        staff_make, admin: Person) -> None:
    app = staff_make()
    seen = {}

    @app.after_request
    def capture(response):
        seen["language"] = g.get("person_language")
        seen["actor"] = g.get("audit_actor")
        return response

    client = app.test_client()
    with app.app_context():
        sign_in(client, "ada@example.org")
        client.get("/staff")
        assert seen["language"] == "cy" and seen["actor"].person_id == admin.id
        client.post("/sign-out", data={"csrf_token": token(client, "/staff")})
        client.get("/sign-in")
        assert seen["actor"] is None and seen["language"] is None


def test_an_empty_form_names_both_fields(staff_app: Flask) -> None:
    response = staff_app.test_client().post("/sign-in", data={})
    assert response.status_code == 400  # no CSRF token: refused before anything else
    client = staff_app.test_client()
    response = client.post("/sign-in", data={"csrf_token": token(client)})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter your email address" in page and "Enter your password" in page


def test_a_session_lasts_no_longer_than_its_time(staff_app: Flask, officer: Person) -> None:
    client = staff_app.test_client()
    before = time.time()
    sign_in(client, "hana.officer@example.org")
    with client.session_transaction() as session:
        assert before <= session[SINCE] <= time.time()


def test_the_report_ready_email_leads_to_the_sign_in_page(staff_app: Flask) -> None:
    """The link in "your report is ready" is /sign-in, and / leads there too."""
    from service.outbox.rendering import render_email

    _, text, html = render_email("report_ready", "en", {
        "cycle_name": "Spring", "organisation": "Trust", "contact": "", "recipient_name": "A",
        "leader_name": "A", "is_leader": True, "is_update": False,
        "sign_in_url": "http://feedback.test/sign-in"}, staff_app.config["TEMPLATES_DIR"])
    assert "Sign in at http://feedback.test/sign-in " in text
    assert 'href="http://feedback.test/sign-in"' in html
    assert staff_app.test_client().get("/sign-in").status_code == 200
    assert 'href="/sign-in"' in staff_app.test_client().get("/").get_data(as_text=True)


def test_the_403_page_is_in_the_person_language(staff_app: Flask) -> None:
    from service.staff.operations import create_account

    welsh = add_person("emp-5", "Siân Staff", "sian@example.org", language="cy")
    create_account(welsh, (), PASSWORD)
    db.session.commit()
    client = staff_app.test_client()
    sign_in(client, "sian@example.org")
    response = client.get("/staff/accounts")
    page = response.get_data(as_text=True)
    assert response.status_code == 403 and 'lang="cy"' in page
    assert "Allwch chi ddim defnyddio&#39;r dudalen hon" in page
    assert "Mae&#39;r dudalen hon ar gyfer pobl â rôl Gweinyddwr" in page
    client.get("/language/en?next=/staff/accounts")  # the person's own choice wins
    page = client.get("/staff/accounts").get_data(as_text=True)
    assert "This page is for people with the Admin role" in page
