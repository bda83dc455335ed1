"""Keys: made and revoked from the command line, refused when unknown, expired or revoked,
limited to their scopes, rate limited, and every call in the audit log under the key's name."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from service.api.keys import SCOPES, authenticate, hash_key
from service.api.models import ApiKey
from service.audit.models import AuditEvent
from service.db import db
from tests import factories


def test_cli_creates_a_key_shown_once_and_stored_hashed(app, runner, client):
    result = runner.invoke(args=["apikey", "create", "--name", "ESR appraisal",
                                 "--scope", "people:read", "--scope", "cycles:read",
                                 "--expires-in-days", "30"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[0]
    assert secret.startswith("f360_") and len(secret) == 48
    key = db.session.scalar(select(ApiKey))
    assert key.key_hash == hash_key(secret) and secret not in str(vars(key))
    assert key.scopes == ["people:read", "cycles:read"]
    assert key.created_by.startswith("command line")
    assert dt.timedelta(days=29) < key.expires_at - key.created_at <= dt.timedelta(days=30)
    listed = runner.invoke(args=["apikey", "list"])
    assert "ESR appraisal" in listed.output and "active" in listed.output
    assert secret not in listed.output
    response = client.get("/api/v1/people", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200


def test_cli_help_lists_the_scopes(runner):
    result = runner.invoke(args=["apikey", "create", "--help"])
    for scope in SCOPES:
        assert scope in result.output


@pytest.mark.parametrize("args, message", [
    (["--name", "x", "--scope", "people:write"], "'people:write' is not one of"),
    (["--name", "x"], "Missing option '--scope'"),
    (["--name", "!bad", "--scope", "people:read"], "a key's name is 1 to 100"),
    (["--name", "x", "--scope", "people:read", "--expires-in-days", "0"], "0 is not in the"),
])
def test_cli_refuses_bad_keys(runner, args, message):
    result = runner.invoke(args=["apikey", "create", *args])
    assert result.exit_code != 0 and message in result.output
    assert db.session.scalar(select(ApiKey)) is None


def test_cli_refuses_a_second_key_with_the_same_name(runner, make_key):
    make_key("people:read", name="Twin")
    result = runner.invoke(args=["apikey", "create", "--name", "Twin", "--scope", "people:read"])
    assert result.exit_code == 1 and "already a key named 'Twin'" in result.output


def test_a_revoked_key_gets_401(runner, client, make_key):
    secret = make_key("people:read", name="Gone")
    key_id = db.session.scalar(select(ApiKey.id))
    result = runner.invoke(args=["apikey", "revoke", str(key_id)])
    assert result.exit_code == 0 and "revoked Gone" in result.output
    response = client.get("/api/v1/people", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401 and response.get_json()["code"] == "unauthorised"
    assert "revoked" in runner.invoke(args=["apikey", "list"]).output
    again = runner.invoke(args=["apikey", "revoke", str(key_id)])
    assert again.exit_code == 1 and "already revoked" in again.output
    missing = runner.invoke(args=["apikey", "revoke", "99999"])
    assert missing.exit_code == 1 and "no API key with id 99999" in missing.output


def test_an_expired_key_gets_401(client, make_key):
    secret = make_key("people:read", days=1)
    key = db.session.scalar(select(ApiKey))
    key.expires_at = dt.datetime(2000, 1, 1)
    db.session.commit()
    assert authenticate(secret) is None
    response = client.get("/api/v1/people", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401


@pytest.mark.parametrize("header", [
    None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer f360_" + "A" * 43,
    "Bearer not-a-key", "Bearer " + "x" * 5000,
])
def test_unknown_or_missing_keys_get_401_json(client, make_key, header):
    make_key()
    headers = {"Authorization": header} if header is not None else {}
    response = client.get("/api/v1/people", headers=headers)
    assert response.status_code == 401
    assert response.mimetype == "application/json"
    assert response.get_json()["code"] == "unauthorised"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


SCOPED = [
    ("GET", "/people", "people:read"),
    ("GET", "/people/1", "people:read"),
    ("GET", "/rubrics", "rubrics:read"),
    ("GET", "/rubrics/compassionate-inclusive-leadership", "rubrics:read"),
    ("POST", "/rubrics/validate", "rubrics:read"),
    ("GET", "/cycles", "cycles:read"),
    ("GET", "/cycles/1", "cycles:read"),
    ("POST", "/cycles", "cycles:write"),
    ("PATCH", "/cycles/1", "cycles:write"),
    ("POST", "/cycles/1/leaders", "cycles:write"),
    ("POST", "/cycles/1/nominations", "cycles:write"),
    ("POST", "/cycles/1/launch", "cycles:write"),
    ("POST", "/cycles/1/extend", "cycles:write"),
    ("POST", "/cycles/1/close", "cycles:write"),
    ("POST", "/cycles/1/release", "cycles:write"),
    ("GET", "/cycles/1/progress", "progress:read"),
    ("GET", "/cycles/1/reports", "reports:read"),
    ("GET", "/cycles/1/reports/1", "reports:read"),
    ("GET", "/cycles/1/summaries", "reports:read"),
    ("GET", "/cycles/1/reports/1/summary", "reports:read"),
    ("GET", "/cycles/1/reports/1/pdf", "reports:read"),
    ("GET", "/cycles/1/reports/1/action-plan", "reports:read"),
    ("GET", "/cycles/1/reports/1/evidence-pack", "reports:read"),
    ("GET", "/cycles/1/reports/1/evidence-pack/pdf", "reports:read"),
    ("GET", "/audit", "audit:read"),
]


def test_every_endpoint_has_a_row_here(app):
    """A new endpoint must say its scope in SCOPED (and so be tested for its refusal)."""
    rules = {(method, rule.rule.replace("/api/v1", ""))
             for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
             and rule.endpoint.startswith("api_") and not rule.endpoint.startswith("api_docs")
             for method in rule.methods - {"HEAD", "OPTIONS"}}
    listed = {(method, path.replace("/1", "/<id:cycle_id>", 1).replace("/1", "/<id:person_id>")
               if path.startswith("/cycles") else path.replace("/1", "/<id:person_id>"))
              for method, path, _ in SCOPED}
    listed = {(m, p.replace("/compassionate-inclusive-leadership", "/<string:rubric_id>"))
              for m, p in listed}
    assert rules == listed


@pytest.mark.parametrize("method, path, scope", SCOPED)
def test_a_key_without_the_scope_gets_403_and_an_audit_row(client, api_with, method, path,
                                                          scope):
    others = [s for s in SCOPES if s != scope]
    api = api_with(*others)
    response = api(method, path, json={})
    assert response.status_code == 403
    body = response.get_json()
    assert body["code"] == "missing_scope" and scope in body["message"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api.refused"))
    assert event.actor.startswith("API key ") and f"lacks scope {scope}" in event.summary


@pytest.mark.parametrize("method, path, scope", SCOPED)
def test_without_a_key_every_endpoint_is_401(client, method, path, scope):
    response = client.open("/api/v1" + path, method=method, json={})
    assert response.status_code == 401 and response.get_json()["code"] == "unauthorised"


def test_every_call_is_audited_under_the_keys_name(client, make_key):
    secret = make_key("people:read", "cycles:write", name="ESR")
    headers = {"Authorization": f"Bearer {secret}"}
    client.get("/api/v1/people?page=2", headers=headers)
    client.post("/api/v1/cycles", headers=headers, json={
        "name": "Spring", "opens_on": "2030-01-01", "closes_on": "2030-02-01"})
    client.post("/api/v1/cycles", headers=headers, json={"name": "No dates"})
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.actor, e.action) for e in events if e.action != "apikey.create"] == [
        ("API key ESR", "api.read"), ("API key ESR", "cycle.create"),
        ("API key ESR", "api.refused")]
    assert "GET /api/v1/people?page=2" in events[1].summary
    key = db.session.scalar(select(ApiKey))
    db.session.refresh(key)
    assert key.last_used_at is not None


def test_calls_past_the_rate_limit_get_429_with_retry_after(make_app, make_key):
    app = make_app(API_RATE_LIMIT="3 per minute", RATELIMIT_STORAGE_URI="memory://")
    with app.app_context():
        from service.api.keys import create_key

        first = create_key("one", ["people:read"]).secret
        second = create_key("two", ["people:read"]).secret
        db.session.commit()
        client = app.test_client()
        answers = [client.get("/api/v1/people", headers={"Authorization": f"Bearer {first}"})
                   for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert answers[-1].get_json()["code"] == "rate_limited"
        assert int(answers[-1].headers["Retry-After"]) >= 1
        other = client.get("/api/v1/people", headers={"Authorization": f"Bearer {second}"})
        assert other.status_code == 200  # per key


def test_the_api_takes_no_csrf_token_and_sets_no_cookie(api):
    factories.person("p1", "Pat One")
    db.session.commit()
    response = api("POST", "/cycles", json={
        "name": "Spring", "opens_on": "2030-01-01", "closes_on": "2030-02-01"})
    assert response.status_code == 201
    assert "Set-Cookie" not in response.headers
