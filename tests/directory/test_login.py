"""Staff login: the service account finds the user, then the user's own bind checks the password."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from integrations.ldap.client import DirectoryError
from integrations.ldap.settings import settings_from_config
from service.directory.login import authenticate
from tests.directory.conftest import Org, run
from tests.ldap_server import Person, Slapd, free_port

PASSWORD = "correct horse, battery (staple)*"


@pytest.fixture
def users(directory: Slapd, org: Org) -> dict[str, Person]:
    plain = Person("rhian", "Rhian", "Jones", email="rhian@example.org", manager=org.chief)
    tricky = Person("o(brien)*\\", "Siôn", "O'Brien, Jr", email="sion@example.org")
    gone = Person("gone", "Dai", "Disabled", email="dai@example.org", disabled=True)
    for person in (plain, tricky, gone):
        directory.add(person, password=PASSWORD)
    return {"plain": plain, "tricky": tricky, "gone": gone}


def test_right_password_gives_the_directory_id(ldap_app: Flask, directory: Slapd,
                                               users: dict[str, Person]) -> None:
    settings = settings_from_config(ldap_app.config)
    found = authenticate(settings, "rhian", PASSWORD)
    assert found is not None and len(found) == 36  # a UUID or GUID string
    if directory.flavour == "ad":
        assert found == str(users["plain"].guid)
    assert authenticate(settings, "RHIAN ", PASSWORD) == found  # as the directory compares
    assert authenticate(settings, "o(brien)*\\", PASSWORD) is not None


@pytest.mark.parametrize("username, password", [
    ("rhian", "wrong"),
    ("rhian", ""),  # LDAP would call a bind without a password anonymous, and let it in
    ("nobody", PASSWORD),
    ("gone", PASSWORD),  # disabled
    ("*", PASSWORD),  # a wildcard must not match everyone
    ("rhian)(uid=*", PASSWORD),  # nor may a username add to the filter
    ("o(brien)*", PASSWORD),
    ("", PASSWORD),
])
def test_anything_else_is_refused(ldap_app: Flask, users: dict[str, Person], username: str,
                                  password: str) -> None:
    assert authenticate(settings_from_config(ldap_app.config), username, password) is None


def test_an_unreachable_directory_is_an_error_not_a_refusal(ldap_app: Flask) -> None:
    config: dict[str, Any] = {**ldap_app.config, "LDAP_URL": f"ldap://127.0.0.1:{free_port()}"}
    with pytest.raises(DirectoryError, match="cannot reach the directory"):
        authenticate(settings_from_config(config), "rhian", PASSWORD)


def test_failover_to_the_next_url(ldap_app: Flask, directory: Slapd,
                                  users: dict[str, Person]) -> None:
    config = {**ldap_app.config,
              "LDAP_URL": f"ldap://127.0.0.1:{free_port()} {directory.url}"}
    assert authenticate(settings_from_config(config), "rhian", PASSWORD) is not None


def test_check_login_command(ldap_app: Flask, users: dict[str, Person]) -> None:
    result = run(ldap_app, "directory", "check-login", "rhian", input=PASSWORD + "\n")
    assert result.exit_code == 0 and "accepted: directory id" in result.output
    result = run(ldap_app, "directory", "check-login", "rhian", input="nope\n")
    assert result.exit_code == 1 and "not accepted" in result.output
