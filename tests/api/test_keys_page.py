"""The admins' API keys page: a key shown once, errors by field, CSRF, revocation."""

from __future__ import annotations

import re

from sqlalchemy import select

from service.api.keys import hash_key
from service.api.models import ApiKey
from service.audit.models import AuditEvent
from service.db import db
from tests.staff_fixtures import sign_in, token


def _admin_client(staff_app, admin):
    client = staff_app.test_client()
    sign_in(client, admin.email)
    client.set_cookie("lang", "en")
    return client


def test_an_admin_creates_a_key_and_sees_it_once(staff_app, admin):
    client = _admin_client(staff_app, admin)
    page = client.post("/staff/api-keys", data={
        "csrf_token": token(client, "/staff/api-keys"), "name": "ESR appraisal",
        "scopes": ["people:read", "progress:read"], "days": "90"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    secret = re.search(r'id="new-key">(f360_[^<]+)<', html).group(1)
    key = db.session.scalar(select(ApiKey))
    assert key.key_hash == hash_key(secret) and key.scopes == ["people:read", "progress:read"]
    assert key.created_by.startswith("Ada Admin")
    assert page.headers["Cache-Control"] == "no-store"
    again = client.get("/staff/api-keys").get_data(as_text=True)
    assert "ESR appraisal" in again and secret not in again
    assert client.get("/api/v1/people", headers={
        "Authorization": f"Bearer {secret}"}).status_code == 200
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "apikey.create"))
    assert event.actor.startswith("Ada Admin")


def test_errors_are_named_by_field_and_nothing_is_made(staff_app, admin):
    client = _admin_client(staff_app, admin)
    page = client.post("/staff/api-keys", data={
        "csrf_token": token(client, "/staff/api-keys"), "name": "", "days": "0"})
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "There is a problem" in html
    for field in ("#name", "#scopes", "#days"):
        assert f'href="{field}"' in html
    assert db.session.scalar(select(ApiKey)) is None


def test_the_form_needs_its_csrf_token(staff_app, admin):
    client = _admin_client(staff_app, admin)
    staff_app.config["WTF_CSRF_ENABLED"] = True
    page = client.post("/staff/api-keys", data={"name": "x", "scopes": "people:read"})
    assert page.status_code == 400
    assert db.session.scalar(select(ApiKey)) is None


def test_an_admin_revokes_a_key(staff_app, admin):
    client = _admin_client(staff_app, admin)
    client.post("/staff/api-keys", data={"csrf_token": token(client, "/staff/api-keys"),
                                         "name": "Old", "scopes": "people:read"})
    key = db.session.scalar(select(ApiKey))
    answer = client.post(f"/staff/api-keys/{key.id}/revoke",
                         data={"csrf_token": token(client, "/staff/api-keys")})
    assert answer.status_code == 302
    db.session.refresh(key)
    assert key.revoked_at is not None
    page = client.get("/staff/api-keys?done=revoked").get_data(as_text=True)
    assert "Revoked" in page
    twice = client.post(f"/staff/api-keys/{key.id}/revoke",
                        data={"csrf_token": token(client, "/staff/api-keys")})
    assert twice.status_code == 409
    missing = client.post("/staff/api-keys/99999/revoke",
                          data={"csrf_token": token(client, "/staff/api-keys")})
    assert missing.status_code == 404


def test_the_page_speaks_welsh(staff_app, admin):
    client = staff_app.test_client()
    sign_in(client, admin.email)
    client.set_cookie("lang", "cy")
    html = client.get("/staff/api-keys").get_data(as_text=True)
    assert 'lang="cy"' in html
