"""A fresh slapd per test, in OpenLDAP and in Active Directory flavour, holding a small trust."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask

from tests.ldap_server import OUTSIDE_BASE, Person, Slapd, app_settings, slapd_missing

STAFF = 1150  # past the sync account's size limit of 1000, and the capped account's 1100


@dataclass
class Org:
    chief: Person
    leads: list[Person]
    staff: list[Person]
    sian: Person  # O'Brien, Siân: apostrophe, comma in the cn, a Welsh letter; a manager
    odd: Person  # every character that needs escaping in a DN or a filter
    contractor: Person  # outside the synced base
    managed_from_outside: Person
    everyone: list[Person] = field(default_factory=list)


def build_org(staff: int = STAFF) -> Org:
    chief = Person("chief", "Gwen", "Ap Rhys", email="gwen.aprhys@example.org",
                   title="Chief Executive", department="Board", language="cy-GB")
    leads = [Person(f"lead{i}", f"Lead{i}", "Person", email=f"lead{i}@example.org",
                    title="Ward Manager", department=f"Ward {i}", manager=chief)
             for i in range(10)]
    sian = Person("sian", "Siân", "O'Brien", email="sian.obrien@example.org",
                  title="Matron, Surgery", department="Surgery", manager=chief, language="cy")
    odd = Person("odd(1)*", "Ŵyn (Bob)*", "Back\\slash, Jr", email="wyn@example.org",
                 title="Nurse (band 6)", department="Surgery", manager=sian)
    contractor = Person("contractor", "Con", "Tractor", email="con@example.org",
                        base=OUTSIDE_BASE)
    managed_from_outside = Person("outsider", "Oli", "Outside", email="oli@example.org",
                                  manager=contractor, department="Estates")
    people = [Person(f"s{i:04d}", f"Staff{i}", "Member", email=f"s{i:04d}@example.org",
                     title="Staff Nurse", department=f"Ward {i % 10}", manager=leads[i % 10])
              for i in range(staff)]
    org = Org(chief, leads, people, sian, odd, contractor, managed_from_outside)
    org.everyone = [chief, *leads, sian, odd, contractor, managed_from_outside, *people]
    return org


@pytest.fixture(params=["openldap", "ad"])
def flavour(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def org() -> Org:
    return build_org()


@pytest.fixture
def directory(tmp_path: Path, flavour: str, org: Org) -> Iterator[Slapd]:
    problem = slapd_missing()
    if problem:
        pytest.fail(problem)
    server = Slapd(tmp_path / "slapd", flavour).start(org.everyone)
    yield server
    server.stop()


@pytest.fixture
def ldap_app(make_app: Any, directory: Slapd) -> Iterator[Flask]:
    application = make_app(**app_settings(directory))
    with application.app_context():
        yield application


def run(app: Flask, *args: str, input: str | None = None) -> Result:
    return app.test_cli_runner().invoke(args=list(args), input=input)


def synced_people() -> int:
    """How many people the directory has in the synced base (everyone but the contractor)."""
    return STAFF + 14
