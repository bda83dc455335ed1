"""Pick a cohort of leaders from the organisation chart the directory sync keeps."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from service.db import db
from service.errors import InvalidInput
from service.people.models import Person


def _active_reports() -> dict[int, list[int]]:
    """Manager id -> ids of their active direct reports."""
    reports: dict[int, list[int]] = defaultdict(list)
    for person_id, manager_id in db.session.execute(select(Person.id, Person.manager_id).where(
            Person.active.is_(True), Person.manager_id.is_not(None))):
        reports[manager_id].append(person_id)
    return reports


def _people(ids: Iterable[int]) -> list[Person]:
    wanted = set(ids)
    if not wanted:
        return []
    return list(db.session.scalars(select(Person).where(
        Person.id.in_(wanted), Person.active.is_(True)).order_by(Person.display_name, Person.id)))


def by_department(department: str, leaders_only: bool = True) -> list[Person]:
    """Active people in a department (any case); by default only those who manage someone."""
    # Compared in Python: SQLite's lower() leaves Ŵ, Â and other non-ASCII capitals alone.
    wanted = department.strip().casefold()
    ids = [person_id for person_id, name in db.session.execute(
        select(Person.id, Person.department).where(Person.active.is_(True)))
        if name.strip().casefold() == wanted]
    reports = _active_reports()
    chosen = [i for i in ids if not leaders_only or reports.get(i)]
    if not chosen:
        if leaders_only:
            raise InvalidInput(_l("nobody active with direct reports in department "
                                  "'%(department)s'; check the spelling with `feedback360 "
                                  "people export`", department=department))
        raise InvalidInput(_l("nobody active in department '%(department)s'; check the "
                              "spelling with `feedback360 people export`",
                              department=department))
    return _people(chosen)


def under_manager(manager: Person, leaders_only: bool = True) -> list[Person]:
    """Everyone below a manager at any depth; by default only those with direct reports."""
    reports = _active_reports()
    found: set[int] = set()
    queue = list(reports.get(manager.id, []))
    while queue:
        person_id = queue.pop()
        if person_id in found or person_id == manager.id:  # a loop in the data ends here
            continue
        found.add(person_id)
        queue += reports.get(person_id, [])
    chosen = [i for i in found if not leaders_only or reports.get(i)]
    if not chosen:
        if leaders_only:
            raise InvalidInput(_l("nobody with direct reports works under %(name)s",
                                  name=manager.display_name))
        raise InvalidInput(_l("nobody works under %(name)s", name=manager.display_name))
    return _people(chosen)


def by_emails(emails: Iterable[str]) -> list[Person]:
    """The people with these addresses; every unknown or inactive one is named at once."""
    wanted = list(dict.fromkeys(e.strip().lower() for e in emails if e.strip()))
    if not wanted:
        raise InvalidInput(_l("the list of emails is empty"))
    people = db.session.scalars(select(Person).where(func.lower(Person.email).in_(wanted)))
    by_email = {p.email.lower(): p for p in people}
    unknown = [e for e in wanted if e not in by_email]
    inactive = [e for e in wanted if e in by_email and not by_email[e].active]
    if unknown and inactive:
        raise InvalidInput(_l("nobody has the address(es) %(unknown)s; not active in the "
                              "directory: %(inactive)s; nothing was added",
                              unknown=", ".join(unknown), inactive=", ".join(inactive)))
    if unknown:
        raise InvalidInput(_l("nobody has the address(es) %(unknown)s; nothing was added",
                              unknown=", ".join(unknown)))
    if inactive:
        raise InvalidInput(_l("not active in the directory: %(inactive)s; nothing was added",
                              inactive=", ".join(inactive)))
    return [by_email[e] for e in wanted]
