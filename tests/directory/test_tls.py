"""TLS to the directory: ldaps:// and StartTLS with a private CA, and every way it must fail.

The slapd here refuses any operation without TLS (`security tls=1`), so a sync that succeeds
really did run over TLS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from service.db import db
from service.people.models import Person
from tests.directory.conftest import build_org, run
from tests.ldap_server import CertificateAuthority, Slapd, app_settings, slapd_missing

PEOPLE = 40


@pytest.fixture
def ca(tmp_path: Path) -> CertificateAuthority:
    return CertificateAuthority(tmp_path / "ca", names=["localhost"])


@pytest.fixture
def tls_directory(tmp_path: Path, ca: CertificateAuthority) -> Iterator[Slapd]:
    problem = slapd_missing()
    if problem:
        pytest.fail(problem)
    server = Slapd(tmp_path / "slapd", "openldap", tls=ca).start(build_org(PEOPLE).everyone)
    yield server
    server.stop()


def sync_with(make_app: Any, server: Slapd, **settings: Any) -> tuple[int, str]:
    app: Flask = make_app(**app_settings(server, **settings))
    with app.app_context():
        result = run(app, "directory", "sync")
        return result.exit_code, result.output


def people() -> int:
    db.session.remove()
    return db.session.query(Person).count()


@pytest.mark.parametrize("how", ["ldaps", "starttls"])
def test_a_private_ca_is_trusted_when_given(make_app: Any, tls_directory: Slapd,
                                            ca: CertificateAuthority, how: str) -> None:
    url = {"ldaps": tls_directory.ldaps_url, "starttls": tls_directory.starttls_url}[how]
    code, output = sync_with(make_app, tls_directory, LDAP_URL=url,
                             LDAP_STARTTLS=how == "starttls", LDAP_CA_FILE=str(ca.ca_file))
    assert code == 0, output
    assert "created 54" in output  # the 40 staff and the 14 others of the small trust
    with make_app().app_context():
        assert people() == 54


@pytest.mark.parametrize("problem", ["system_cas", "other_ca", "wrong_name", "starttls_other_ca",
                                     "no_starttls"])
def test_tls_that_cannot_be_verified_fails_and_changes_nothing(
        make_app: Any, tls_directory: Slapd, ca: CertificateAuthority, tmp_path: Path,
        problem: str) -> None:
    other = CertificateAuthority(tmp_path / "other-ca")
    settings = {
        # No LDAP_CA_FILE: the system's CAs, which never signed this certificate.
        "system_cas": {"LDAP_URL": tls_directory.ldaps_url},
        "other_ca": {"LDAP_URL": tls_directory.ldaps_url, "LDAP_CA_FILE": str(other.ca_file)},
        # The right CA, but the certificate names localhost, not 127.0.0.1.
        "wrong_name": {"LDAP_URL": f"ldaps://127.0.0.1:{tls_directory.tls_port}",
                       "LDAP_CA_FILE": str(ca.ca_file)},
        "starttls_other_ca": {"LDAP_URL": tls_directory.starttls_url, "LDAP_STARTTLS": True,
                              "LDAP_CA_FILE": str(other.ca_file)},
        "no_starttls": {"LDAP_URL": tls_directory.starttls_url, "LDAP_CA_FILE": str(ca.ca_file)},
    }[problem]
    code, output = sync_with(make_app, tls_directory, **settings)
    assert code == 1
    assert output.count("\n") == 1, output
    if problem == "no_starttls":  # the server wants TLS; the message points at the setting
        assert "confidentialityRequired" in output and "LDAP_STARTTLS" in output
    else:
        assert "TLS with the directory at" in output and "LDAP_CA_FILE" in output, output
    if problem == "wrong_name":
        assert "doesn't match any name in ['127.0.0.1']" in output
    with make_app().app_context():
        assert people() == 0
