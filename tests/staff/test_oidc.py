"""Sign-in with OpenID Connect against a provider the test runs on loopback: the ID token's
signature, issuer, audience, expiry and nonce, and the state, are checked; the email claim must
be a known person's; nothing is ever created."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select

from service.audit.models import AuditEvent
from service.db import db
from service.people.models import Person
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, running
from tests.staff_fixtures import add_person, token

CALLBACK = "http://feedback.test/sign-in/oidc/callback"


@pytest.fixture
def provider() -> Iterator[Provider]:
    with running(CALLBACK) as server:
        yield server


@pytest.fixture
def oidc_app(staff_make: Any, provider: Provider) -> Iterator[Flask]:
    app = staff_make(OIDC_METADATA_URL=f"{provider.url}/.well-known/openid-configuration",
                     OIDC_CLIENT_ID=CLIENT_ID, OIDC_CLIENT_SECRET=CLIENT_SECRET,
                     OIDC_PROVIDER_NAME="Microsoft")
    with app.app_context():
        add_person("emp-3", "Olu Officer", "Olu.Officer@example.org")
        db.session.commit()
        yield app


def _go(client: Any, provider: Provider, next_path: str | None = None,
        state: str | None = None) -> Any:
    """The browser's trip: our button, the provider (who signs the person in), back to us."""
    page = client.get("/sign-in").get_data(as_text=True)
    assert "Sign in with Microsoft" in page
    data = {"csrf_token": token(client)}
    if next_path:
        data["next"] = next_path
    start = client.post("/sign-in/oidc", data=data)
    assert start.status_code == 302
    authorize = start.headers["Location"]
    assert authorize.startswith(f"{provider.url}/authorize?")
    query = parse_qs(urlsplit(authorize).query)
    assert query["redirect_uri"] == [CALLBACK] and query["nonce"] and query["state"]
    back = requests.get(authorize, allow_redirects=False, timeout=10)
    assert back.status_code == 302
    location = urlsplit(back.headers["Location"])
    callback = f"{location.path}?{location.query}"
    if state is not None:
        callback = callback.replace(f"state={query['state'][0]}", f"state={state}")
    return client.get(callback)


def test_a_known_person_signs_in(oidc_app: Flask, provider: Provider) -> None:
    provider.user = {"email": "olu.officer@EXAMPLE.org", "email_verified": True}
    client = oidc_app.test_client()
    response = _go(client, provider, next_path="/staff?from=oidc")
    assert response.status_code == 302 and response.headers["Location"] == "/staff?from=oidc"
    assert "Signed in as Olu Officer" in client.get("/staff").get_data(as_text=True)
    assert _audited() == [("staff.sign_in", "Olu Officer <Olu.Officer@example.org>",
                           "signed in (OpenID Connect, Microsoft)")]


def _audited() -> list[tuple[str, str, str]]:
    db.session.expire_all()
    return [(e.action, e.actor, e.summary) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.startswith("staff.sign"))
        .order_by(AuditEvent.id))]


def test_the_email_claim_is_a_setting(staff_make: Any, provider: Provider) -> None:
    app = staff_make(OIDC_METADATA_URL=f"{provider.url}/.well-known/openid-configuration",
                     OIDC_CLIENT_ID=CLIENT_ID, OIDC_CLIENT_SECRET=CLIENT_SECRET,
                     OIDC_PROVIDER_NAME="Microsoft", OIDC_EMAIL_CLAIM="preferred_username")
    with app.app_context():
        add_person("emp-3", "Olu Officer", "olu@example.org")
        db.session.commit()
        provider.user = {"preferred_username": "olu@example.org", "email": "other@example.org"}
        client = app.test_client()
        assert _go(client, provider).status_code == 302
        assert "Signed in as Olu Officer" in client.get("/staff").get_data(as_text=True)


@pytest.mark.parametrize("user", [
    {"email": "stranger@example.org", "email_verified": True},
    {"email": "olu.officer@example.org", "email_verified": False},
    {"name": "No Email"},
])
def test_anyone_else_is_refused_and_nothing_is_created(oidc_app: Flask, provider: Provider,
                                                      user: dict[str, Any]) -> None:
    provider.user = user
    people = db.session.scalar(select(func.count(Person.id)))
    client = oidc_app.test_client()
    response = _go(client, provider)
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "You cannot sign in to this service" in page
    assert "Microsoft confirmed who you are" in page
    assert db.session.scalar(select(func.count(Person.id))) == people
    assert client.get("/staff").status_code == 302
    assert _audited() == [("staff.sign_in_refused", "someone signing in",
                           "sign-in with OpenID Connect refused: the provider's account is not "
                           "a person of this service")]


@pytest.mark.parametrize("fault", ["nonce", "audience", "issuer", "key", "expired"])
def test_a_token_that_fails_its_checks_signs_nobody_in(oidc_app: Flask, provider: Provider,
                                                      fault: str) -> None:
    provider.user = {"email": "olu.officer@example.org"}
    provider.fault = fault
    client = oidc_app.test_client()
    response = _go(client, provider)
    assert response.status_code == 400
    assert "Signing in with Microsoft did not work" in response.get_data(as_text=True)
    assert provider.token_requests == 1  # it was the token that was refused
    assert client.get("/staff").status_code == 302
    assert [(action, summary.split(":")[0]) for action, _, summary in _audited()] == [
        ("staff.sign_in_refused", "sign-in with OpenID Connect failed")]


def test_a_state_that_does_not_match_is_refused_before_the_token_is_asked_for(
        oidc_app: Flask, provider: Provider) -> None:
    provider.user = {"email": "olu.officer@example.org"}
    client = oidc_app.test_client()
    response = _go(client, provider, state="forged-state")
    assert response.status_code == 400 and provider.token_requests == 0
    assert client.get("/staff").status_code == 302


def test_off_by_default(staff_app: Flask) -> None:
    client = staff_app.test_client()
    assert "Sign in with" not in client.get("/sign-in").get_data(as_text=True)
    assert client.post("/sign-in/oidc", data={"csrf_token": token(client)}).status_code == 404
    assert client.get("/sign-in/oidc/callback?code=x&state=y").status_code == 404


def test_the_start_needs_the_csrf_token(oidc_app: Flask) -> None:
    assert oidc_app.test_client().post("/sign-in/oidc").status_code == 400


def test_the_sign_in_page_lets_its_provider_form_lead_to_the_provider(
        oidc_app: Flask, provider: Provider) -> None:
    """form-action covers the redirect that answers the button's POST: the provider's origin
    is allowed on the sign-in page, and only there."""
    client = oidc_app.test_client()
    policy = client.get("/sign-in").headers["Content-Security-Policy"]
    assert f"form-action 'self' {provider.url};" in policy + ";"
    assert "form-action 'self';" in client.get("/").headers["Content-Security-Policy"] + ";"


def test_without_oidc_the_sign_in_page_forms_post_only_here(staff_app: Flask) -> None:
    policy = staff_app.test_client().get("/sign-in").headers["Content-Security-Policy"]
    assert "form-action 'self';" in policy + ";"
