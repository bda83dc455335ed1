"""From the directory to a cycle: a cohort picked from the synced org chart, raters suggested."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from flask import Flask
from sqlalchemy import select

from service.cycles import operations as cycles
from service.cycles.models import Subject
from service.db import db
from service.nominations.models import Nomination
from tests.directory.conftest import Org, run
from tests.directory.test_sync import person, sync
from tests.ldap_server import Slapd


def test_a_cohort_under_the_chief_with_raters_from_the_directory(ldap_app: Flask,
                                                                  directory: Slapd,
                                                                  org: Org) -> None:
    sync(ldap_app)
    directory.set_disabled(org.staff[3], True)  # lead3's report, now disabled
    sync(ldap_app)
    today = dt.date.today()
    cycle = cycles.create_cycle("Leaders 2026", "compassionate-inclusive-leadership", today,
                                today + dt.timedelta(days=14))
    db.session.commit()

    result = run(ldap_app, "cycle", "add-cohort", str(cycle.id), "--under",
                 "gwen.aprhys@example.org", "--suggest-raters")
    assert result.exit_code == 0, result.output
    subjects = {s.person.username: s for s in db.session.scalars(
        select(Subject).where(Subject.cycle_id == cycle.id))}
    # Everyone below the chief who manages someone: the ten ward leads and Siân (Ŵyn's manager).
    assert sorted(subjects) == sorted([lead.uid for lead in org.leads] + ["sian"])

    def nominated(username: str) -> dict[str, list[str]]:
        rows = db.session.execute(select(Nomination).where(
            Nomination.subject_id == subjects[username].id)).scalars()
        groups: dict[str, list[str]] = {}
        for row in rows:
            groups.setdefault(row.group.value, []).append(row.person.username)
        return {group: sorted(names) for group, names in groups.items()}

    lead3 = nominated("lead3")
    assert lead3["self"] == ["lead3"] and lead3["manager"] == ["chief"]
    assert lead3["peer"] == sorted([f"lead{i}" for i in range(10) if i != 3] + ["sian"])
    reports = sorted(s.uid for s in org.staff[3::10] if s is not org.staff[3])
    assert lead3["direct_report"] == reports  # the disabled one is not suggested
    sian = nominated("sian")
    assert sian["direct_report"] == [org.odd.uid]  # found through an escaped DN
    assert Counter(len(nominated(name)["peer"]) for name in subjects) == {10: 11}
    assert person(directory, org.sian).manager.username == "chief"
