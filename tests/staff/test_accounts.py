"""`feedback360 user …`: accounts and roles, each change one operation with one audit row."""

from __future__ import annotations

from argon2 import PasswordHasher
from flask import Flask
from sqlalchemy import func, select

from service.audit.models import AuditEvent
from service.db import db
from service.staff.models import StaffAccount, StaffRole
from service.staff.operations import roles_of
from service.staff.passwords import generate_password, verify
from service.staff.signin import check
from tests.staff_fixtures import PASSWORD, add_person


def run(app: Flask, *args: str, input: str | None = None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_create_with_a_generated_password_prints_it_once(staff_app: Flask) -> None:
    person = add_person("emp-9", "Rhys Jones", "rhys@example.org")
    db.session.commit()
    result = run(staff_app, "user", "create", "RHYS@example.org", "--role", "hr",
                 "--role", "admin")
    assert result.exit_code == 0, result.output
    assert "http://feedback.test/sign-in" in result.output
    password = result.output.split("password (shown once): ")[1].strip()
    assert len(password) == 35 and result.output.count(password) == 1
    db.session.expire_all()
    account = db.session.scalar(select(StaffAccount))
    assert account.person_id == person.id and password not in account.password_hash
    assert account.password_hash.startswith("$argon2id$")
    assert verify(account.password_hash, password) == (True, False)
    assert roles_of(person.id) == {"hr", "admin"}
    assert audit_actions() == ["staff.account_create"]  # one operation, one row
    event = db.session.scalar(select(AuditEvent))
    assert event.actor.startswith("command line") and "admin, hr" in event.summary


def test_create_reads_the_password_from_stdin_and_refuses_a_short_one(staff_app: Flask) -> None:
    add_person("emp-9", "Rhys Jones", "rhys@example.org")
    db.session.commit()
    result = run(staff_app, "user", "create", "rhys@example.org", "--password-stdin",
                 input="short\n")
    assert result.exit_code == 1
    assert "at least 12 characters" in result.output and "Traceback" not in result.output
    assert db.session.scalar(select(func.count(StaffAccount.id))) == 0
    assert audit_actions() == []  # the rolled-back operation left no row
    result = run(staff_app, "user", "create", "rhys@example.org", "--password-stdin",
                 input=PASSWORD + "\n")
    assert result.exit_code == 0 and "shown once" not in result.output
    assert check("rhys@example.org", PASSWORD, "192.0.2.1").person is not None


def test_unknown_people_and_roles_get_one_readable_line(staff_app: Flask) -> None:
    result = run(staff_app, "user", "create", "nobody@example.org")
    assert result.exit_code == 1
    assert "nobody with the email address 'nobody@example.org'" in result.output
    assert "import or sync people first" in result.output
    add_person("emp-9", "Rhys Jones", "rhys@example.org")
    db.session.commit()
    result = run(staff_app, "user", "grant", "rhys@example.org", "superuser")
    assert result.exit_code == 2 and "'superuser' is not one of 'hr', 'admin'" in result.output
    result = run(staff_app, "user", "set-password", "rhys@example.org")
    assert result.exit_code == 1 and "has no local account" in result.output


def test_grant_revoke_list_and_set_password(staff_app: Flask) -> None:
    person = add_person("emp-9", "Rhys Jones", "rhys@example.org")
    add_person("emp-8", "Dai Directory", "dai@example.org")
    db.session.commit()
    assert run(staff_app, "user", "create", "rhys@example.org").exit_code == 0
    result = run(staff_app, "user", "grant", "dai@example.org", "hr")  # no local account
    assert result.exit_code == 0 and "granted hr to dai@example.org" in result.output
    result = run(staff_app, "user", "grant", "dai@example.org", "hr")
    assert "already has hr" in result.output
    listing = run(staff_app, "user", "list").output.splitlines()
    assert listing == ["dai@example.org\tDai Directory\thr\tno local account",
                       "rhys@example.org\tRhys Jones\t-\tlocal account"]
    assert run(staff_app, "user", "revoke", "dai@example.org", "hr").exit_code == 0
    assert "did not have hr" in run(staff_app, "user", "revoke", "dai@example.org", "hr").output
    result = run(staff_app, "user", "set-password", "rhys@example.org", "--password-stdin",
                 input="another long password\n")
    assert result.exit_code == 0
    assert check("rhys@example.org", "another long password", "192.0.2.1").person.id == person.id
    assert audit_actions() == ["staff.account_create", "staff.role_grant", "staff.role_revoke",
                               "staff.password_set"]
    assert db.session.scalar(select(func.count(StaffRole.id))) == 0


def test_a_hash_made_under_older_parameters_is_replaced_at_sign_in(staff_app: Flask) -> None:
    person = add_person("emp-9", "Rhys Jones", "rhys@example.org")
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    db.session.add(StaffAccount(person_id=person.id, password_hash=old))
    db.session.commit()
    assert check("rhys@example.org", PASSWORD, "192.0.2.1").person.id == person.id
    db.session.commit()
    stored = db.session.scalar(select(StaffAccount.password_hash))
    assert stored != old and "m=65536,t=3,p=4" in stored  # argon2-cffi's RFC 9106 profile
    assert verify(stored, PASSWORD) == (True, False)


def test_generated_passwords_are_long_and_distinct() -> None:
    passwords = {generate_password() for _ in range(200)}
    assert len(passwords) == 200
    assert all(len(p) == 35 and p.count("-") == 5 for p in passwords)


def test_refusals_are_in_the_catalogues_english_and_welsh(staff_app) -> None:
    """The same raise reads in English in a command and in Welsh on a Welsh page."""
    from flask_babel import force_locale

    from service.errors import DomainError
    from service.staff.operations import _check_role, find_staff_person
    from service.staff.passwords import check_new_password

    def refusal(call, *args) -> str:
        try:
            call(*args)
        except (DomainError, ValueError) as exc:
            return str(exc if isinstance(exc, DomainError) else exc.args[0])
        raise AssertionError("not refused")

    with staff_app.test_request_context():
        with force_locale("en"):
            assert refusal(find_staff_person, "x@example.org").startswith(
                "nobody with the email address 'x@example.org' is in the directory")
            assert refusal(check_new_password, "short") == (
                "the password must be at least 12 characters long; leave out "
                "--password-stdin to have one generated")
        with force_locale("cy"):
            assert refusal(find_staff_person, "x@example.org").startswith(
                "does neb â’r cyfeiriad e-bost 'x@example.org' yn y cyfeiriadur")
            assert refusal(check_new_password, "short").startswith(
                "rhaid i’r cyfrinair fod o leiaf 12 nod o hyd")
            assert refusal(check_new_password, "x" * 2000) == (
                "rhaid i’r cyfrinair fod yn 1024 nod o hyd ar y mwyaf")
            assert refusal(_check_role, "root") == (
                "rôl anhysbys 'root': y rolau y gellir eu rhoi yw hr, admin")
