"""Directory sync against a real slapd, in OpenLDAP and Active Directory flavour."""

from __future__ import annotations

import contextlib
import json
import uuid
from typing import Any

import ldap3
import pytest
from flask import Flask
from sqlalchemy import select

from service.db import db
from service.people.models import Person
from tests.directory.conftest import Org, run, synced_people
from tests.ldap_proxy import FaultProxy
from tests.ldap_server import (
    CAPPED_DN,
    PEOPLE_BASE,
    SYNC_DN,
    SYNC_PASSWORD,
    Slapd,
    free_port,
)
from tests.ldap_server import Person as Entry


def sync(app: Flask, *args: str) -> dict[str, Any]:
    result = run(app, "directory", "sync", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def person(directory: Slapd, entry: Entry) -> Person:
    return db.session.scalars(select(Person).where(
        Person.directory_id == directory_id(directory, entry))).one()


def directory_id(directory: Slapd, entry: Entry) -> str:
    if directory.flavour == "ad":
        return str(entry.guid)
    with directory.connection() as conn:
        conn.search(entry.dn, "(objectClass=*)", ldap3.BASE, attributes=["entryUUID"])
        return str(conn.entries[0].entryUUID)


def snapshot() -> list[tuple[Any, ...]]:
    db.session.expire_all()
    return [tuple(row) for row in db.session.execute(select(
        Person.id, Person.directory_id, Person.directory_dn, Person.display_name, Person.title,
        Person.active, Person.manager_id).order_by(Person.id))]


def test_full_sync_pages_past_the_size_limit(ldap_app: Flask, directory: Slapd,
                                             org: Org) -> None:
    # The sync account really is capped: an unpaged search stops at 1000.
    conn = ldap3.Connection(directory.url, SYNC_DN, SYNC_PASSWORD, auto_bind=True)
    conn.search(PEOPLE_BASE, "(sn=*)", attributes=["cn"])
    assert conn.result["description"] == "sizeLimitExceeded" and len(conn.entries) == 1000

    counts = sync(ldap_app)
    assert counts["mode"] == "full" and counts["reason"] == "no full sync has run yet"
    assert counts["created"] == synced_people() == db.session.query(Person).count()
    assert counts["managers_unknown"] == 1  # Oli, managed from outside the base

    sian = person(directory, org.sian)
    assert (sian.given_name, sian.family_name, sian.display_name) == (
        "Siân", "O'Brien", "Siân O'Brien")
    assert (sian.title, sian.department, sian.language, sian.source) == (
        "Matron, Surgery", "Surgery", "cy", "ldap")
    assert sian.manager is not None and sian.manager.username == "chief"
    assert sian.manager.language == "cy"  # from preferredLanguage cy-GB
    odd = person(directory, org.odd)
    assert (odd.given_name, odd.family_name, odd.title) == ("Ŵyn (Bob)*", "Back\\slash, Jr",
                                                            "Nurse (band 6)")
    assert odd.manager_id == sian.id  # found through a DN with an escaped comma
    assert odd.username == "odd(1)*"
    staff = person(directory, org.staff[7])
    assert staff.manager is not None and staff.manager.username == "lead7"
    outsider = person(directory, org.managed_from_outside)
    assert outsider.manager_id is None and outsider.active
    if directory.flavour == "ad":  # the GUID as AD shows it, from little-endian bytes
        assert sian.directory_id == str(org.sian.guid)
    else:
        uuid.UUID(sian.directory_id)

    again = sync(ldap_app, "--full")
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, synced_people())


def test_a_move_is_the_same_person(ldap_app: Flask, directory: Slapd, org: Org) -> None:
    sync(ldap_app)
    before = person(directory, org.sian)
    reports = db.session.scalars(select(Person.id).where(Person.manager_id == before.id)).all()
    directory.add_unit(f"ou=surgery,{PEOPLE_BASE}")
    directory.move(org.sian, f"ou=surgery,{PEOPLE_BASE}")

    counts = sync(ldap_app, "--full")
    assert (counts["created"], counts["updated"], counts["deactivated"]) == (0, 1, 0)
    db.session.expire_all()
    after = person(directory, org.sian)
    assert after.id == before.id and after.directory_dn.startswith("cn=o'brien\\, siân,ou=surgery")
    assert db.session.scalars(select(Person.id).where(
        Person.manager_id == after.id)).all() == reports


def test_leavers_and_disabled_accounts_become_inactive_never_deleted(
        ldap_app: Flask, directory: Slapd, org: Org) -> None:
    sync(ldap_app)
    leaver, disabled = org.staff[0], org.staff[1]
    directory.delete(leaver)
    directory.set_disabled(disabled, True)

    counts = sync(ldap_app, "--full")
    assert (counts["deactivated"], counts["created"], counts["updated"]) == (2, 0, 0)
    db.session.expire_all()
    assert not person(directory, disabled).active
    gone = db.session.scalars(select(Person).where(Person.username == leaver.uid)).one()
    assert not gone.active  # still there for past cycles
    assert db.session.query(Person).count() == synced_people()

    directory.set_disabled(disabled, False)
    counts = sync(ldap_app, "--full")
    assert (counts["reactivated"], counts["deactivated"]) == (1, 0)


def test_incremental_sync_reads_exactly_the_changed_entries(
        ldap_app: Flask, directory: Slapd, org: Org) -> None:
    sync(ldap_app)
    for entry in org.staff[10:13]:
        directory.modify(entry, title="Senior Staff Nurse")
    directory.set_disabled(org.staff[20], True)
    newcomer = Entry("new1", "Newydd", "Person", email="new1@example.org", manager=org.leads[2])
    directory.add(newcomer)

    counts = sync(ldap_app)
    assert counts["mode"] == "incremental"
    assert (counts["created"], counts["updated"], counts["deactivated"]) == (1, 3, 1)
    # OpenLDAP timestamps are whole seconds and the filter is >=, so the newest entry of the
    # previous run is read again; AD's update counter has no such overlap.
    assert counts["unchanged"] == (0 if directory.flavour == "ad" else 1)
    assert person(directory, org.staff[10]).title == "Senior Staff Nurse"
    new = person(directory, newcomer)
    assert new.manager is not None and new.manager.username == "lead2"

    # Deletions need a full sync: an incremental one cannot see an entry that is gone.
    directory.delete(org.staff[30])
    assert sync(ldap_app)["deactivated"] == 0
    assert sync(ldap_app, "--full")["deactivated"] == 1


def test_untrusted_watermark_means_a_full_sync(make_app: Any, ldap_app: Flask,
                                               directory: Slapd) -> None:
    sync(ldap_app)
    assert sync(ldap_app)["mode"] == "incremental"
    changed = make_app(**{**_settings(ldap_app), "LDAP_USER_FILTER": "(sn=*)"})
    with changed.app_context():
        counts = sync(changed)
    assert counts["mode"] == "full"
    assert counts["reason"] == "the directory settings changed since the last sync"
    if directory.flavour == "ad":  # another server's counter cannot be compared
        other = make_app(**{**_settings(changed), "LDAP_URL": f"ldap://localhost:{directory.port}"})
        with other.app_context():
            assert sync(other)["mode"] == "full"


def _settings(app: Flask) -> dict[str, Any]:
    return {key: value for key, value in app.config.items() if key.startswith("LDAP_")}


@pytest.mark.parametrize("problem", ["unreachable", "password", "cut_short", "base_dn",
                                     "referral", "lost_connection", "time_limit", "no_answer"])
def test_a_failed_sync_changes_nothing(make_app: Any, ldap_app: Flask, directory: Slapd,
                                       org: Org, problem: str) -> None:
    sync(ldap_app)
    before = snapshot()
    for entry in org.staff[:50]:  # changes a working sync would make
        directory.modify(entry, title="Changed")
    directory.delete(org.staff[60])
    broken: dict[str, Any] = {
        "unreachable": {"LDAP_URL": f"ldap://127.0.0.1:{free_port()}"},
        "password": {"LDAP_BIND_PASSWORD": "wrong"},
        "cut_short": {"LDAP_BIND_DN": CAPPED_DN},
        "base_dn": {"LDAP_BASE_DN": "ou=nowhere,dc=example,dc=org"},
        "no_answer": {"LDAP_TIMEOUT": 1},
    }.get(problem, {})
    if problem == "referral":  # part of the tree lives on another server
        with directory.connection() as conn:
            conn.add(f"ou=elsewhere,{PEOPLE_BASE}", ["referral", "extensibleObject"],
                     {"ou": "elsewhere", "ref": "ldap://other.example.org/ou=elsewhere"})
    # The server goes away, ends a page at its time limit, or stops answering, after 600
    # entries: past the first page, so a sync that kept what it had read would change people.
    fault = {"lost_connection": "drop", "time_limit": "time_limit",
             "no_answer": "stall"}.get(problem)
    with contextlib.ExitStack() as stack:
        if fault:
            proxy = stack.enter_context(FaultProxy(directory.port, fault, after=600))
            broken["LDAP_URL"] = proxy.url
        app = make_app(**{**_settings(ldap_app), **broken})
        with app.app_context():
            result = run(app, "directory", "sync", "--full")
        if fault:
            assert proxy.faults == 1
    assert result.exit_code == 1
    expected = {"unreachable": "cannot reach the directory",
                "password": "refused the password for the sync account",
                "cut_short": "ended with sizeLimitExceeded after",
                "base_dn": "LDAP_BASE_DN does not exist",
                "referral": "met a referral to ldap://other.example.org/ou=elsewhere",
                "lost_connection": "was lost",
                "time_limit": "ended with timeLimitExceeded after 500 entries",
                "no_answer": "did not answer within LDAP_TIMEOUT=1 s"}[problem]
    assert expected in result.output, result.output
    assert result.output.count("\n") == 1  # one readable line, no traceback
    assert snapshot() == before


def test_mass_deactivation_stops_unless_allowed(ldap_app: Flask, directory: Slapd,
                                                org: Org) -> None:
    sync(ldap_app)
    before = snapshot()
    for entry in org.staff[:70]:  # 70 of 1164 is 6%, over the default 5%
        directory.delete(entry)
    result = run(ldap_app, "directory", "sync", "--full")
    assert result.exit_code == 1
    assert "would deactivate 70 of 1164 active people (6.0%" in result.output
    assert "--allow-mass-deactivation" in result.output
    assert snapshot() == before
    counts = sync(ldap_app, "--full", "--allow-mass-deactivation")
    assert counts["deactivated"] == 70


def test_dry_run_reports_and_writes_nothing(ldap_app: Flask, directory: Slapd) -> None:
    result = run(ldap_app, "directory", "sync", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "dry run, nothing saved: would have created 1164" in result.output
    assert "create Gwen Ap Rhys" in result.output
    assert db.session.query(Person).count() == 0
    assert run(ldap_app, "directory", "status").output.strip() == (
        "the directory has never been synced")
    report = sync(ldap_app, "--dry-run")
    assert report["dry_run"] and report["created"] == 1164 and len(report["changes"]) == 20


def test_missing_settings_say_what_to_set(make_app: Any) -> None:
    app = make_app(LDAP_URL="", LDAP_BASE_DN="dc=x")
    with app.app_context():
        result = run(app, "directory", "sync")
    assert result.exit_code == 1 and "LDAP_URL is not set" in result.output
    app = make_app(LDAP_URL="ldap://127.0.0.1:1", LDAP_BASE_DN="dc=x", LDAP_PRESET="novell")
    with app.app_context():
        result = run(app, "directory", "sync")
    assert "LDAP_PRESET must be one of ad, openldap" in result.output


def test_a_reused_dn_belongs_to_its_new_holder(ldap_app: Flask, directory: Slapd,
                                               org: Org) -> None:
    sync(ldap_app)
    old = org.leads[3]
    directory.delete(old)
    assert sync(ldap_app, "--full")["deactivated"] == 1
    successor = Entry("lead3-new", old.given_name, old.family_name, email="new3@example.org",
                      manager=org.chief)
    assert successor.dn == old.dn
    directory.add(successor)
    assert sync(ldap_app)["created"] == 1
    directory.modify(org.staff[3], manager=successor.dn)  # later, in another run

    assert sync(ldap_app)["updated"] == 1
    staff = person(directory, org.staff[3])
    assert staff.manager is not None and staff.manager.username == "lead3-new"
    assert staff.manager.active


def test_dry_run_shows_a_mass_deactivation_instead_of_stopping(ldap_app: Flask,
                                                               directory: Slapd,
                                                               org: Org) -> None:
    sync(ldap_app)
    for entry in org.staff[:70]:
        directory.delete(entry)
    result = run(ldap_app, "directory", "sync", "--full", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would have created 0, updated 0, deactivated 70" in result.output
    assert "a real run would stop: this sync would deactivate 70 of 1164" in result.output
    assert "deactivate Staff0 Member" in result.output


def test_a_bad_ca_file_is_one_readable_line(make_app: Any, ldap_app: Flask,
                                            directory: Slapd, tmp_path) -> None:
    app = make_app(**{**_settings(ldap_app),
                      "LDAP_URL": f"ldaps://127.0.0.1:{directory.port}",
                      "LDAP_CA_FILE": str(tmp_path / "missing-ca.pem")})
    with app.app_context():
        result = run(app, "directory", "sync")
    assert result.exit_code == 1
    assert "LDAP_CA_FILE" in result.output and result.output.count("\n") == 1


def test_a_large_incremental_sync_and_its_dry_run(ldap_app: Flask, directory: Slapd,
                                                  org: Org) -> None:
    sync(ldap_app)
    state = run(ldap_app, "directory", "status").output
    changed = org.staff[:600]  # more than one IN (...) list of the people it touches
    with directory.connection() as conn:
        for entry in changed:
            if directory.flavour == "ad":
                directory.usn += 1
                conn.modify(entry.dn, {"uSNChanged": [(ldap3.MODIFY_REPLACE, [directory.usn])]})
            conn.modify(entry.dn, {"title": [(ldap3.MODIFY_REPLACE, ["Band 6 Nurse"])]})
    directory.modify(org.staff[700], manager=org.sian.dn)  # a new manager, by an escaped DN

    result = run(ldap_app, "directory", "sync", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "incremental sync (changes since" in result.output
    assert "would have created 0, updated 601, deactivated 0" in result.output
    assert f"  update Staff0 Member ({directory_id(directory, org.staff[0])}): title" in \
        result.output
    assert run(ldap_app, "directory", "status").output == state  # the watermark did not move

    counts = sync(ldap_app)
    assert counts["mode"] == "incremental" and counts["updated"] == 601
    assert (counts["created"], counts["deactivated"], counts["managers_unknown"]) == (0, 0, 0)
    moved = person(directory, org.staff[700])
    assert moved.manager is not None and moved.manager.username == "sian"
    assert {person(directory, e).title for e in changed[::50]} == {"Band 6 Nurse"}
