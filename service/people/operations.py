"""Bring people in from a CSV or LDIF file. Upserts on the directory id; flushes, never commits."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import func, or_, select

from service.audit.operations import record
from service.csv_cells import read_cell, write_csv
from service.db import db
from service.errors import InvalidInput, NotFound
from service.people.models import Person
from service.people.schemas import PersonImportSchema

CSV_COLUMNS = (
    "directory_id", "email", "given_name", "family_name", "display_name", "title",
    "department", "manager_directory_id", "language",
)
REQUIRED_COLUMNS = ("directory_id", "email")
EXPORT_COLUMNS = (*CSV_COLUMNS, "username", "active", "source")

# LDIF attribute -> person field (inetOrgPerson and Active Directory names).
LDIF_ATTRIBUTES = {
    "entryuuid": "directory_id", "objectguid": "directory_id", "uid": "directory_id",
    "mail": "email", "givenname": "given_name", "sn": "family_name",
    "displayname": "display_name", "cn": "display_name", "title": "title",
    "department": "department", "departmentnumber": "department", "ou": "department",
    "manager": "manager", "preferredlanguage": "language",
}
_LDIF_PRIORITY = ("entryuuid", "objectguid", "uid")


class PeopleImportError(Exception):
    """A file that cannot be imported; lists every problem with its line, and nothing is saved."""

    def __init__(self, path: str, problems: list[Any]):  # str or lazy strings
        self.problems = problems
        super().__init__("\n".join(f"{path}: {problem}" for problem in problems))


@dataclass
class ImportCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    unknown_managers: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}"
        if self.unknown_managers:
            text += f"; {len(self.unknown_managers)} manager ids not found (left empty)"
        return text


def read_csv(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise PeopleImportError("csv", [_l("missing column(s): %(missing)s (expected "
                                           "columns: %(expected)s)", missing=", ".join(missing),
                                           expected=", ".join(CSV_COLUMNS))])
    unknown = [c for c in reader.fieldnames or [] if c not in EXPORT_COLUMNS]
    if unknown:
        raise PeopleImportError("csv", [_l("unknown column(s): %(unknown)s (expected "
                                           "columns: %(expected)s)", unknown=", ".join(unknown),
                                           expected=", ".join(CSV_COLUMNS))])
    for row in reader:  # an export reads back in; where it came from is not the file's to say
        yield reader.line_num, {k: read_cell((v or "").strip()) for k, v in row.items()
                                if k and k != "source"}


def read_ldif(data: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    from ldif import LDIFParser

    parser = LDIFParser(io.BytesIO(data), strict=False)
    dn_to_id: dict[str, str] = {}
    rows: list[tuple[int, dict[str, str]]] = []
    for number, (dn, entry) in enumerate(parser.parse(), start=1):
        attrs = {key.lower(): values for key, values in entry.items()}
        row: dict[str, str] = {}
        for attr in _LDIF_PRIORITY:
            if attrs.get(attr):
                row["directory_id"] = _text(attrs[attr][0])
                break
        for attr, name in LDIF_ATTRIBUTES.items():
            if name != "directory_id" and attrs.get(attr) and name not in row:
                row[name] = _text(attrs[attr][0])
        row.setdefault("directory_id", dn)
        dn_to_id[dn.lower()] = row["directory_id"]
        rows.append((number, row))
    for number, row in rows:
        manager_dn = row.pop("manager", "")
        row["manager_directory_id"] = dn_to_id.get(manager_dn.lower(), manager_dn)
        yield number, row


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def parse_people_file(path: Path) -> list[dict[str, Any]]:
    """Validate every row first so that a bad file changes nobody."""
    data = path.read_bytes()
    try:
        if path.suffix.lower() == ".ldif":
            rows: Iterable[tuple[int, dict[str, str]]] = list(read_ldif(data))
            ldif = True
        else:
            rows = list(read_csv(data.decode("utf-8-sig")))
            ldif = False
    except PeopleImportError as exc:
        raise PeopleImportError(str(path), exc.problems) from None
    except UnicodeDecodeError:
        raise PeopleImportError(str(path), [_l("not UTF-8 text")]) from None
    except ValueError as exc:
        problem = _l("not valid LDIF (%(reason)s)", reason=exc)
        raise PeopleImportError(str(path), [problem]) from None

    schema = PersonImportSchema()
    people: list[dict[str, Any]] = []
    problems: list[Any] = []
    seen: dict[str, int] = {}
    for number, row in rows:
        key = row.get("directory_id", "")
        if key and key in seen:
            repeats = (_l("entry %(number)s: directory_id '%(key)s' repeats entry %(first)s",
                          number=number, key=key, first=seen[key]) if ldif else
                       _l("line %(number)s: directory_id '%(key)s' repeats line %(first)s",
                          number=number, key=key, first=seen[key]))
            problems.append(repeats)
            continue
        seen[key] = number
        try:
            people.append(schema.load({k: v for k, v in row.items() if v != ""}))
        except ValidationError as exc:
            for name, messages in exc.messages.items():
                said = " ".join(map(str, messages))  # marshmallow's own words
                problems.append(_l("entry %(number)s: %(field)s: %(problem)s", number=number,
                                   field=name, problem=said) if ldif else
                                _l("line %(number)s: %(field)s: %(problem)s", number=number,
                                   field=name, problem=said))
    if problems:
        raise PeopleImportError(str(path), problems)
    if not people:
        raise PeopleImportError(str(path), [_l("no people found")])
    return people


def upsert_people(rows: list[dict[str, Any]]) -> ImportCounts:
    counts = ImportCounts()
    existing = {
        p.directory_id: p
        for p in db.session.scalars(
            select(Person).where(Person.directory_id.in_([r["directory_id"] for r in rows]))
        )
    }
    for row in rows:
        person = existing.get(row["directory_id"])
        if person is None:
            person = Person(**row)
            db.session.add(person)
            existing[row["directory_id"]] = person
            counts.created += 1
            continue
        changed = False
        for key, value in row.items():
            if getattr(person, key) != value:
                setattr(person, key, value)
                changed = True
        if "active" not in row and not person.active:
            person.active = True
            changed = True
        counts.updated += changed
        counts.unchanged += not changed
    db.session.flush()
    _link_managers(counts)
    record("people.import", "people", None, f"people imported: {counts}")
    return counts


def _link_managers(counts: ImportCounts) -> None:
    """Resolve manager directory ids after every row is in, so order in the file does not matter."""
    ids = dict(db.session.execute(select(Person.directory_id, Person.id)).all())
    for person in db.session.scalars(select(Person).where(
            Person.manager_directory_id.is_not(None))):
        manager_id = ids.get(person.manager_directory_id)
        if manager_id is None:
            counts.unknown_managers.append(person.manager_directory_id)
        if person.manager_id != manager_id:
            person.manager_id = manager_id
    db.session.flush()


def export_people() -> list[dict[str, Any]]:
    """Every person, active or not, in directory-id order, as the import reads them back."""
    columns = [getattr(Person, name) for name in EXPORT_COLUMNS]
    return [dict(zip(EXPORT_COLUMNS, row, strict=True))
            for row in db.session.execute(select(*columns).order_by(Person.directory_id))]


def write_people_csv(rows: list[dict[str, Any]], stream: Any) -> None:
    """Cells a spreadsheet would run as a formula are marked as text (`service.csv_cells`);
    `read_csv` takes the mark away, so the file imports back unchanged."""
    write_csv(stream, EXPORT_COLUMNS, (
        {**row, "active": "true" if row["active"] else "false"} for row in rows))


def find_person(key: str) -> Person:
    """A person by directory id or email address (any case): how HR names someone."""
    person = db.session.scalar(select(Person).where(
        or_(Person.directory_id == key, func.lower(Person.email) == key.lower())))
    if person is None:
        raise InvalidInput(_l("nobody with directory id or email '%(key)s'; import people first",
                              key=key))
    return person


def search_people(text: str, limit: int = 20) -> list[Person]:
    """Active people whose name, email, directory id or department contains ``text`` (any
    case): how HR finds a leader or a rater to add."""
    wanted = text.strip().lower()
    if len(wanted) < 2:
        raise InvalidInput(_l("give at least two characters to search for"))
    pattern = "%" + wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    fields = (Person.display_name, Person.email, Person.directory_id, Person.department)
    return list(db.session.scalars(
        select(Person).where(Person.active.is_(True),
                             or_(*(func.lower(f).like(pattern, escape="\\") for f in fields)))
        .order_by(Person.display_name, Person.id).limit(limit)))


def list_people(offset: int, limit: int, active: bool | None = None) -> tuple[list[Person], int]:
    """A page of people in id order, and how many there are (the API's people list)."""
    query = select(Person)
    if active is not None:
        query = query.where(Person.active.is_(active))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    return list(db.session.scalars(query.order_by(Person.id).offset(offset).limit(limit))), total


def get_person(person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound(_l("no person with id %(id)s", id=person_id))
    return person
