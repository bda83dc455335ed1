"""Checking a sign-in: the throttle, then the local account, then the directory.

Every refusal is the same refusal: an unknown address costs the same argon2 verify as a wrong
password (`passwords.burn`), is counted by the same throttle, and gets the same words. Only a
directory that cannot be reached is told apart ("try again later"), and only when no local
account answered first."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask import current_app

from integrations.ldap.client import DirectoryError
from integrations.ldap.settings import DirectoryConfigError, settings_from_config
from service.db import db
from service.people.models import Person
from service.staff.operations import account_of, person_by_email
from service.staff.passwords import burn, hash_password, verify
from service.staff.throttle import SignInThrottle

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    person: Person | None = None
    #: roles from directory groups, for this session only
    directory_roles: frozenset[str] = frozenset()
    method: str = ""
    #: seconds to wait before trying again (throttled)
    wait: int = 0
    directory_down: bool = False
    extra: dict[str, str] = field(default_factory=dict)


def throttle() -> SignInThrottle:
    return current_app.extensions["signin_throttle"]


def check(email: str, password: str, address: str) -> Outcome:
    """Who these credentials belong to, or why not. Commits nothing; a rehashed password is
    left in the session for the caller's commit."""
    email = email.strip()
    wait = throttle().wait(email, address)
    if wait:
        return Outcome(wait=wait)
    person = _local(email, password)
    if person is not None:
        throttle().succeeded(email, address)
        return Outcome(person=person, method="local account")
    directory = _directory(email, password)
    if isinstance(directory, Outcome):
        if directory.person is not None:
            throttle().succeeded(email, address)
        else:
            throttle().failed(email, address)
        return directory
    throttle().failed(email, address)
    return Outcome()


def _local(email: str, password: str) -> Person | None:
    person = person_by_email(email)
    account = account_of(person) if person is not None else None
    if account is None:
        burn(password)
        return None
    matches, stale = verify(account.password_hash, password)
    if not matches:
        return None
    if stale:  # made under older parameters: replace it while the password is at hand
        account.password_hash = hash_password(password)
        db.session.flush()
    return person


def directory_configured() -> bool:
    return bool(current_app.config.get("LDAP_URL"))


def _directory(email: str, password: str) -> Outcome | None:
    """The directory's answer, or None when there is no directory to ask."""
    if not directory_configured():
        return None
    from service.directory.login import sign_in

    config = current_app.config
    try:
        settings = settings_from_config(config)
    except DirectoryConfigError as exc:
        log.warning("sign-in: the directory is misconfigured: %s", exc)
        return None
    # The directory knows people by username; a person types their email address. A synced
    # person's username is on their record; otherwise what they typed is tried as a username.
    known = person_by_email(email)
    username = known.username if known is not None and known.username else email
    groups = {"hr": config.get("LDAP_HR_GROUP", ""), "admin": config.get("LDAP_ADMIN_GROUP", "")}
    try:
        login = sign_in(settings, username, password, groups,
                        config.get("LDAP_NESTED_GROUPS", "auto"))
    except DirectoryError as exc:
        log.warning("sign-in: the directory could not be asked (%s)", type(exc).__name__)
        return Outcome(directory_down=True)
    if login is None:
        return Outcome()
    person = db.session.scalar(db.select(Person).where(
        Person.directory_id == login.directory_id, Person.active.is_(True)))
    if person is None:  # in the directory, not (yet) synced: nobody to sign in as
        log.info("sign-in: a directory user who is not a synced person was refused")
        return Outcome()
    return Outcome(person=person, directory_roles=login.roles, method="directory")
