"""Small builders for people and cycles, going through the same operations as the CLI."""

from __future__ import annotations

import datetime as dt
from typing import Any

from service.cycles import operations as cycles
from service.cycles.models import Cycle
from service.db import db
from service.nominations.models import RaterGroup
from service.nominations.operations import nominate
from service.people.models import Person


def person(directory_id: str, name: str, manager: Person | None = None,
           language: str | None = None, **extra: Any) -> Person:
    given, _, family = name.partition(" ")
    fields = {"email": f"{directory_id}@test.example", **extra}
    record = Person(
        directory_id=directory_id, given_name=given, family_name=family, display_name=name,
        manager=manager, language=language, **fields,
    )
    db.session.add(record)
    db.session.flush()
    return record


def team(size_reports: int = 4, size_peers: int = 3) -> dict[str, Any]:
    """A leader with a manager, direct reports and peers who share the manager."""
    boss = person("boss", "Morgan Boss")
    leader = person("leader", "Alex Leader", manager=boss)
    reports = [person(f"report{i}", f"Report Person{i}", manager=leader)
               for i in range(size_reports)]
    peers = [person(f"peer{i}", f"Peer Person{i}", manager=boss) for i in range(size_peers)]
    return {"boss": boss, "leader": leader, "reports": reports, "peers": peers}


def draft_cycle(people: dict[str, Any], **kwargs: Any) -> Cycle:
    today = dt.date.today()
    cycle = cycles.create_cycle("Test cycle", "compassionate-inclusive-leadership",
                                today - dt.timedelta(days=1), today + dt.timedelta(days=14),
                                **kwargs)
    subject = cycles.add_subject(cycle, people["leader"])
    nominate(subject, people["leader"], RaterGroup.SELF)
    nominate(subject, people["boss"], RaterGroup.MANAGER)
    for p in people["reports"]:
        nominate(subject, p, RaterGroup.DIRECT_REPORT)
    for p in people["peers"]:
        nominate(subject, p, RaterGroup.PEER)
    return cycle


def launched_cycle(**kwargs: Any) -> tuple[Cycle, dict[int, str], dict[str, Any]]:
    people = team()
    cycle = draft_cycle(people, **kwargs)
    tokens = cycles.launch(cycle)
    db.session.commit()
    return cycle, tokens, people
