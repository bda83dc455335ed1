"""A name that a spreadsheet would run as a formula goes out of the CSV export as text, and
the export still imports back unchanged."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from service.csv_cells import FORMULA_STARTS, read_cell, safe_cell
from service.db import db
from service.people.models import Person

DANGEROUS = {
    "display_name": '=HYPERLINK("http://x","y")',
    "given_name": "+44 1234",
    "family_name": "-Jones",
    "title": "@SUM(A1:A9)",
    "department": "\uff1dcmd|'/c calc'!A1",  # a full-width equals sign
}


@given(st.text() | st.tuples(st.text("'", max_size=3), st.sampled_from(FORMULA_STARTS),
                             st.text()).map("".join))
def test_a_cell_never_starts_a_formula_and_reads_back_as_it_was(text: str) -> None:
    cell = safe_cell(text)
    assert not cell.startswith(FORMULA_STARTS)
    assert read_cell(cell) == text


def test_formula_cells_are_exported_as_text_and_import_back_unchanged(
        app: Any, runner: Any, tmp_path: Path) -> None:
    db.session.add_all([
        Person(directory_id="=leader", email="=leader@test.example", **DANGEROUS),
        Person(directory_id="quoted", email="quoted@test.example",
               display_name="'=already quoted'"),
        Person(directory_id="plain", email="sian@test.example", display_name="Siân O'Brien",
               title="'Tis the season"),
    ])
    db.session.commit()
    before = {p.directory_id: _fields(p) for p in db.session.scalars(db.select(Person))}

    exported = runner.invoke(args=["people", "export", "--format", "csv"])
    assert exported.exit_code == 0, exported.output
    rows = list(csv.reader(io.StringIO(exported.output)))
    assert all(not cell.startswith(FORMULA_STARTS) for row in rows for cell in row)
    by_id = {row["directory_id"]: row for row in csv.DictReader(io.StringIO(exported.output))}
    assert by_id["'=leader"]["display_name"] == "'" + DANGEROUS["display_name"]
    assert by_id["quoted"]["display_name"] == "''=already quoted'"
    assert by_id["plain"]["display_name"] == "Siân O'Brien"
    assert by_id["plain"]["title"] == "'Tis the season"  # no formula: left alone

    path = tmp_path / "people.csv"
    path.write_text(exported.output, encoding="utf-8")
    imported = runner.invoke(args=["people", "import", str(path)])
    assert imported.exit_code == 0, imported.output
    assert "created 0, updated 0, unchanged 3" in imported.output
    db.session.expire_all()
    assert {p.directory_id: _fields(p) for p in db.session.scalars(db.select(Person))} == before


def _fields(record: Person) -> dict[str, Any]:
    return {name: getattr(record, name) for name in (
        "email", "given_name", "family_name", "display_name", "title", "department")}
