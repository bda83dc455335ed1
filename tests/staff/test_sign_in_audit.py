"""Sign-in, sign-out and refused sign-ins in the audit log: a refusal names neither the account
nor the password, and reads the same whether or not the account exists."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from service.audit.models import AuditEvent
from service.db import db
from service.people.models import Person
from tests.staff_fixtures import PASSWORD, sign_in, token

WRONG = "correct horse battery staple, wrong"


def _events(action_prefix: str = "staff.sign") -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action.startswith(action_prefix)).order_by(AuditEvent.id)))


def _row(event: AuditEvent) -> dict[str, Any]:
    return {column: getattr(event, column) for column in (
        "actor", "actor_person_id", "action", "object_type", "object_id", "summary", "address")}


def test_sign_in_and_sign_out_are_recorded_with_the_person(staff_app: Flask,
                                                           officer: Person) -> None:
    client = staff_app.test_client()
    sign_in(client, "hana.officer@example.org", address="192.0.2.10")
    client.post("/sign-out", data={"csrf_token": token(client, "/staff")},
                environ_base={"REMOTE_ADDR": "192.0.2.11"})
    signed_in, signed_out = _events()
    assert _row(signed_in) == {
        "actor": "Hana Officer <Hana.Officer@example.org>", "actor_person_id": officer.id,
        "action": "staff.sign_in", "object_type": "person", "object_id": str(officer.id),
        "summary": "signed in (local account)", "address": "192.0.2.10"}
    assert _row(signed_out) == {
        "actor": "Hana Officer <Hana.Officer@example.org>", "actor_person_id": officer.id,
        "action": "staff.sign_out", "object_type": "person", "object_id": str(officer.id),
        "summary": "signed out (every session ended)", "address": "192.0.2.11"}


def test_a_refusal_is_recorded_the_same_whether_or_not_the_account_exists(
        staff_app: Flask, officer: Person) -> None:
    client = staff_app.test_client()
    sign_in(client, "hana.officer@example.org", WRONG, address="192.0.2.20")
    sign_in(client, "nobody@example.org", WRONG, address="192.0.2.20")
    sign_in(client, " HANA.officer@example.org", WRONG, address="192.0.2.21")
    existing, unknown, again = _events()
    assert existing.actor_person_id is None and existing.actor == "someone signing in"
    assert existing.action == "staff.sign_in_refused" and existing.object_type == "sign-in"
    assert existing.summary == "sign-in refused: the email address or password was not right"
    assert existing.address == "192.0.2.20"
    # Apart from the keyed hash that tells accounts apart, the two rows are the same.
    assert {**_row(existing), "object_id": None} == {**_row(unknown), "object_id": None}
    assert len(existing.object_id) == 32 and existing.object_id != unknown.object_id
    assert again.object_id == existing.object_id  # the same account, however it was typed
    # Neither the address typed, nor the person's id or name, nor the password is kept.
    for event in (existing, unknown, again):
        text = " ".join(str(value) for value in _row(event).values()).lower()
        assert not any(typed in text for typed in ("hana", "nobody", "example.org",
                                                   WRONG.lower(), "officer"))
        assert event.object_id != str(officer.id)

def test_a_refusal_commits_its_row_and_nothing_else(staff_app: Flask, officer: Person) -> None:
    before = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    response = sign_in(staff_app.test_client(), "hana.officer@example.org", WRONG)
    assert response.status_code == 400
    assert [e.action for e in _events("staff.")
            if before is None or e.id > before] == ["staff.sign_in_refused"]


def test_throttled_refusals_are_recorded_once_per_address_and_minute(staff_make: Any,
                                                                     officer: Person) -> None:
    app = staff_make(SIGNIN_ACCOUNT_LIMIT="2 per minute")
    client = app.test_client()
    with app.app_context():
        for _ in range(2):
            sign_in(client, "hana.officer@example.org", WRONG, address="192.0.2.30")
        for _ in range(3):  # a guessing run goes on: one row, not three
            assert sign_in(client, "hana.officer@example.org", PASSWORD,
                           address="192.0.2.30").status_code == 429
        assert sign_in(client, "hana.officer@example.org", PASSWORD,
                       address="192.0.2.31").status_code == 429  # another address: its own row
        events = _events()
        assert [e.action for e in events] == ["staff.sign_in_refused"] * 2 + [
            "staff.sign_in_throttled"] * 2
        throttled = events[2]
        assert (throttled.actor, throttled.actor_person_id, throttled.address) == (
            "someone signing in", None, "192.0.2.30")
        assert throttled.object_id == events[0].object_id
        assert throttled.summary.startswith("sign-in refused: too many attempts")
        assert events[3].address == "192.0.2.31"


def test_an_empty_form_is_not_a_sign_in_attempt(staff_app: Flask) -> None:
    client = staff_app.test_client()
    assert client.post("/sign-in", data={"csrf_token": token(client)}).status_code == 400
    assert _events() == []
