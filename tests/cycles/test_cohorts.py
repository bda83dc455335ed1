"""Choosing a cohort of leaders from the organisation chart, and starting their nominations."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from service.cycles import operations as cycles
from service.cycles.models import Subject
from service.db import db
from service.nominations.models import Nomination
from service.people.models import Person
from tests.factories import person


def org() -> dict:
    """A chief; two directors; under each, two ward managers with two staff each."""
    chief = person("chief", "Gwen Chief", department="Board")
    people = {"chief": chief}
    for d in range(2):
        director = person(f"dir{d}", f"Director {d}", manager=chief, department="Nursing")
        people[f"dir{d}"] = director
        for w in range(2):
            ward = person(f"ward{d}{w}", f"Ward Manager{d}{w}", manager=director,
                          department="Nursing" if d == 0 else "Surgery")
            people[f"ward{d}{w}"] = ward
            for s in range(2):
                people[f"staff{d}{w}{s}"] = person(f"staff{d}{w}{s}", f"Staff Nurse{d}{w}{s}",
                                                   manager=ward, department="Nursing")
    people["leaver"] = person("leaver", "Left Manager", manager=chief, department="Nursing",
                              active=False)
    person("leaver-report", "Still Here", manager=people["leaver"], department="Nursing")
    db.session.commit()
    return people


def new_cycle() -> int:
    today = dt.date.today()
    cycle = cycles.create_cycle("Cohort 1", "compassionate-inclusive-leadership", today,
                                today + dt.timedelta(days=14))
    db.session.commit()
    return cycle.id


def leaders(cycle_id: int) -> list[str]:
    subjects = db.session.scalars(select(Subject).where(Subject.cycle_id == cycle_id))
    return sorted(subject.person.directory_id for subject in subjects)


def test_by_department_takes_people_who_manage_someone(app, runner):
    org()
    cycle_id = new_cycle()
    result = runner.invoke(args=["cycle", "add-cohort", str(cycle_id), "--department", "nursing"])
    assert result.exit_code == 0, result.output
    # Directors 0 and 1 and ward managers 00, 01 are in Nursing and manage; staff do not;
    # the leaver is inactive.
    assert leaders(cycle_id) == ["dir0", "dir1", "ward00", "ward01"]

    again = runner.invoke(args=["cycle", "add-cohort", str(cycle_id), "--department", "Nursing"])
    assert again.exit_code == 0 and again.output.count("already a leader") == 4


def test_department_names_match_whatever_the_case_of_welsh_letters(app, runner):
    head = person("head", "Pennaeth Ŵyr", department="ŴYRCWS ÂR")
    person("member", "Aelod Un", manager=head, department="Ŵyrcws Âr")
    db.session.commit()
    cycle_id = new_cycle()
    result = runner.invoke(args=["cycle", "add-cohort", str(cycle_id), "--department",
                                 "ŵyrcws âr"])
    assert result.exit_code == 0, result.output
    assert leaders(cycle_id) == ["head"]


def test_under_a_manager_at_any_depth(app, runner):
    org()
    cycle_id = new_cycle()
    result = runner.invoke(args=["cycle", "add-cohort", str(cycle_id), "--under", "dir1"])
    assert result.exit_code == 0, result.output
    assert leaders(cycle_id) == ["ward10", "ward11"]
    everyone = runner.invoke(args=["cycle", "add-cohort", str(cycle_id), "--under",
                                   "chief@test.example", "--all-staff", "--dry-run"])
    assert "dry run, nothing saved: 14 leaders found" in everyone.output
    assert leaders(cycle_id) == ["ward10", "ward11"]


def test_by_emails_names_every_unknown_address_and_adds_nobody(app, runner, tmp_path):
    org()
    cycle_id = new_cycle()
    path = tmp_path / "leaders.txt"
    path.write_text("ward00@test.example\nnobody@test.example\n\nLEAVER@test.example\n")
    result = runner.invoke(args=["cycle", "add-cohort", str(cycle_id), "--emails", str(path)])
    assert result.exit_code == 1
    assert "nobody has the address(es) nobody@test.example" in result.output
    assert "not active in the directory: leaver@test.example" in result.output
    assert leaders(cycle_id) == []

    path.write_text("WARD00@test.example\nward11@test.example\nward00@test.example\n")
    result = runner.invoke(args=["cycle", "add-cohort", str(cycle_id), "--emails", str(path),
                                 "--suggest-raters"])
    assert result.exit_code == 0, result.output
    assert leaders(cycle_id) == ["ward00", "ward11"]
    assert "Ward Manager00: 1 self, 1 manager, 2 direct report, 1 peer" in result.output
    nominated = db.session.scalars(select(Nomination.group).join(Subject).join(
        Subject.person).where(Subject.cycle_id == cycle_id)).all()
    assert len(nominated) == 10


def test_exactly_one_way_of_choosing(app, runner):
    cycle_id = new_cycle()
    result = runner.invoke(args=["cycle", "add-cohort", str(cycle_id)])
    assert result.exit_code == 2 and "exactly one of --department, --under or --emails" in \
        result.output


def nominations_by_leader(cycle_id: int) -> dict[str, set[tuple[str, str]]]:
    """Leader's directory id -> {(rater's directory id, group)} as nominated."""
    rows = db.session.execute(select(Subject.id, Nomination.person_id, Nomination.group).join(
        Nomination, Nomination.subject_id == Subject.id).where(Subject.cycle_id == cycle_id))
    found: dict[str, set[tuple[str, str]]] = {}
    for subject_id, person_id, group in rows:
        leader = db.session.get(Subject, subject_id).person.directory_id
        rater = db.session.get(Person, person_id).directory_id
        found.setdefault(leader, set()).add((rater, group.value))
    return found


def test_each_leader_of_a_cohort_gets_their_own_org_chart_as_raters(app, runner):
    org()
    cycle_id = new_cycle()
    result = runner.invoke(args=["cycle", "add-cohort", str(cycle_id), "--department", "Nursing",
                                 "--suggest-raters"])
    assert result.exit_code == 0, result.output

    def expected(leader: str, manager: str, reports: list[str],
                 peers: list[str]) -> set[tuple[str, str]]:
        return {(leader, "self"), (manager, "manager"),
                *((r, "direct_report") for r in reports), *((p, "peer") for p in peers)}

    # Peers share the leader's manager; the inactive leaver (also under the chief) is left out,
    # and so is anyone from elsewhere in the tree.
    assert nominations_by_leader(cycle_id) == {
        "dir0": expected("dir0", "chief", ["ward00", "ward01"], ["dir1"]),
        "dir1": expected("dir1", "chief", ["ward10", "ward11"], ["dir0"]),
        "ward00": expected("ward00", "dir0", ["staff000", "staff001"], ["ward01"]),
        "ward01": expected("ward01", "dir0", ["staff010", "staff011"], ["ward00"]),
    }
    assert "Director 0: 1 self, 1 manager, 2 direct report, 1 peer" in result.output
