"""Staff accounts and granted roles: each change is one operation with one audit row.

Operations never commit (the command or the page does)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from service.audit.operations import Actor, acting_as, record
from service.db import db, utcnow
from service.errors import InvalidInput, NotFound
from service.people.models import Person
from service.staff.models import ROLES, SessionGeneration, StaffAccount, StaffRole
from service.staff.passwords import check_new_password, generate_password, hash_password


def find_staff_person(email: str) -> Person:
    """The active person with this email address (any case)."""
    person = person_by_email(email)
    if person is None:
        raise NotFound(_l("nobody with the email address '%(email)s' is in the directory; "
                          "import or sync people first (a staff member must be a person)",
                          email=email))
    return person


def person_by_email(email: str) -> Person | None:
    email = email.strip().lower()
    if not email:
        return None
    return db.session.scalar(
        select(Person).where(func.lower(Person.email) == email, Person.active.is_(True))
        .order_by(Person.id).limit(1))


def _check_role(role: str) -> str:
    role = role.strip().lower()
    if role not in ROLES:
        raise InvalidInput(_l("unknown role '%(role)s': the granted roles are %(roles)s",
                              role=role, roles=", ".join(ROLES)))
    return role


def account_of(person: Person) -> StaffAccount | None:
    return db.session.scalar(select(StaffAccount).where(StaffAccount.person_id == person.id))


def roles_of(person_id: int) -> set[str]:
    return set(db.session.scalars(select(StaffRole.role).where(StaffRole.person_id == person_id)))


def _label(person: Person) -> str:
    return f"{person.display_name} <{person.email}>"


def _new_password(password: str | None) -> str:
    """The password given, once it passes the rules, or a generated one."""
    if password is None:
        return generate_password()
    try:
        check_new_password(password)
    except ValueError as exc:
        raise InvalidInput(*exc.args) from None  # a lazy message, read in the right language
    return password


def create_account(person: Person, roles: tuple[str, ...] = (),
                   password: str | None = None) -> str:
    """A local account with these roles; returns the password (generated when none is given,
    to be shown once and never stored in clear)."""
    wanted = sorted({_check_role(r) for r in roles})
    if account_of(person) is not None:
        raise InvalidInput(_l("%(email)s already has a local account; use `feedback360 user "
                              "set-password` or `user grant`", email=person.email))
    password = _new_password(password)
    db.session.add(StaffAccount(person_id=person.id, password_hash=hash_password(password)))
    have = roles_of(person.id)
    for role in wanted:
        if role not in have:
            db.session.add(StaffRole(person_id=person.id, role=role))
    with_roles = f" with roles {', '.join(wanted)}" if wanted else ""
    record("staff.account_create", "person", person.id,
           f"local account created for {_label(person)}{with_roles}")
    db.session.flush()
    return password


def set_password(person: Person, password: str | None = None) -> str:
    account = account_of(person)
    if account is None:
        raise NotFound(_l("%(email)s has no local account; create one with "
                          "`feedback360 user create`", email=person.email))
    password = _new_password(password)
    account.password_hash = hash_password(password)
    account.password_changed_at = utcnow()
    end_sessions(person)
    record("staff.password_set", "person", person.id, f"password set for {_label(person)}")
    db.session.flush()
    return password


def grant(person: Person, role: str) -> bool:
    """Grant a role; False (and no audit row) when the person already has it."""
    role = _check_role(role)
    if role in roles_of(person.id):
        return False
    db.session.add(StaffRole(person_id=person.id, role=role))
    record("staff.role_grant", "person", person.id, f"role {role} granted to {_label(person)}")
    db.session.flush()
    return True


def revoke(person: Person, role: str) -> bool:
    """Remove a granted role; False (and no audit row) when the person does not have it."""
    role = _check_role(role)
    row = db.session.scalar(select(StaffRole).where(StaffRole.person_id == person.id,
                                                    StaffRole.role == role))
    if row is None:
        return False
    db.session.delete(row)
    end_sessions(person)
    record("staff.role_revoke", "person", person.id,
           f"role {role} removed from {_label(person)}")
    db.session.flush()
    return True


@dataclass(frozen=True)
class StaffMember:
    person_id: int
    name: str
    email: str
    roles: tuple[str, ...]
    local_account: bool


def staff_members() -> list[StaffMember]:
    """Everyone with a local account or a granted role, by name."""
    roles: dict[int, list[str]] = {}
    for person_id, role in db.session.execute(select(StaffRole.person_id, StaffRole.role)):
        roles.setdefault(person_id, []).append(role)
    accounts = set(db.session.scalars(select(StaffAccount.person_id)))
    ids = accounts | set(roles)
    if not ids:
        return []
    people = db.session.scalars(select(Person).where(Person.id.in_(ids))
                                .order_by(Person.display_name, Person.id))
    return [StaffMember(p.id, p.display_name, p.email, tuple(sorted(roles.get(p.id, ()))),
                        p.id in accounts) for p in people]


def session_generation(person: Person) -> int:
    """The generation a new session of ``person`` starts under (the row made on first need;
    two sign-ins at once both read the one row)."""
    query = select(SessionGeneration.generation).where(SessionGeneration.person_id == person.id)
    generation = db.session.scalar(query)
    if generation is None:
        postgres = db.session.get_bind().dialect.name == "postgresql"
        insert = postgresql_insert if postgres else sqlite_insert
        db.session.execute(insert(SessionGeneration).values(person_id=person.id, generation=0)
                           .on_conflict_do_nothing())
        generation = db.session.scalar(query)
    return generation or 0


def end_sessions(person: Person) -> None:
    """Every outstanding session of ``person``, on any device, stops working (a conditional
    UPDATE: no row means no session was ever started)."""
    db.session.execute(update(SessionGeneration).where(SessionGeneration.person_id == person.id)
                       .values(generation=SessionGeneration.generation + 1))


#: Who a refused sign-in is recorded as: nobody in particular, whatever was typed.
SOMEONE_SIGNING_IN = "someone signing in"
#: Refused sign-ins, in the audit log's words; each the same whether or not the account exists.
REFUSALS = {
    "password": ("staff.sign_in_refused",
                 "sign-in refused: the email address or password was not right"),
    "throttled": ("staff.sign_in_throttled",
                  "sign-in refused: too many attempts (further ones from this address are not "
                  "recorded for a minute)"),
    "directory": ("staff.sign_in_refused",
                  "sign-in not checked: the directory could not be reached"),
    "oidc-unknown": ("staff.sign_in_refused",
                     "sign-in with OpenID Connect refused: the provider's account is not a "
                     "person of this service"),
    "oidc-failed": ("staff.sign_in_refused",
                    "sign-in with OpenID Connect failed: the provider's answer did not pass "
                    "its checks"),
}


def signed_in(person: Person, method: str, actor: Actor) -> int:
    """Audit a sign-in; returns the generation the new session starts under."""
    with acting_as(actor):
        record("staff.sign_in", "person", person.id, f"signed in ({method})")
    return session_generation(person)


def signed_out(person: Person) -> None:
    """Audit a sign-out, which ends every session of the person, not only this one."""
    end_sessions(person)
    record("staff.sign_out", "person", person.id, "signed out (every session ended)")


def sign_in_refused(reason: str, address: str, account_key: str | None = None) -> None:
    """Audit a refused sign-in without the address or password typed: ``account_key`` is the
    throttle's keyed hash of the address typed, made whether or not such an account exists,
    so entries about one account can be told apart without saying whose it is."""
    action, summary = REFUSALS[reason]
    with acting_as(Actor(SOMEONE_SIGNING_IN, None, address)):
        record(action, "sign-in", account_key, summary)
