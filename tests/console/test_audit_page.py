"""The audit log page and its CSV: filters, pages of entries, spreadsheet-safe cells through
the export's own code, 400s for dates that are not dates, HR only."""

from __future__ import annotations

import csv
import datetime as dt
import io

from service.audit.models import AuditEvent
from service.db import db
from tests.console import run_fixtures

hr, not_hr = run_fixtures.hr, run_fixtures.not_hr


def _entries(count: int, action: str = "cycle.extend", object_id: str = "7",
             at: dt.datetime | None = None, summary: str = "closing date moved") -> None:
    for i in range(count):
        db.session.add(AuditEvent(actor="Hana Officer", action=action, object_type="cycle",
                                  object_id=object_id, summary=f"{summary} {i}",
                                  address="192.0.2.1",
                                  at=at or dt.datetime(2026, 3, 10, 9, 0) + dt.timedelta(
                                      minutes=i)))
    db.session.commit()


def test_audit_pages_are_for_hr_only(staff_app, not_hr):
    anonymous = staff_app.test_client()
    for url in ("/hr/audit", "/hr/audit.csv"):
        assert anonymous.get(url).status_code == 302
        assert not_hr.get(url).status_code == 403


def test_filters_and_pages(hr):
    _entries(60)
    _entries(2, action="cycle.launch", object_id="8", at=dt.datetime(2026, 4, 2, 12, 0))
    first = hr.get("/hr/audit?action=cycle.extend")
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    assert html.count("closing date moved") == 50 and "cycle.launch" not in html.split(
        "<tbody")[1]
    assert "closing date moved 59" in html  # newest first
    assert "Older entries" in html and "Newer entries" not in html
    second = hr.get("/hr/audit?action=cycle.extend&page=2").get_data(as_text=True)
    assert second.count("closing date moved") == 10 and "closing date moved 0" in second
    assert "Newer entries" in second and "Older entries" not in second
    by_id = hr.get("/hr/audit?object_type=cycle&object_id=8").get_data(as_text=True)
    assert by_id.count("closing date moved") == 2  # the two launch rows reuse the summary
    dated = hr.get("/hr/audit?since-day=1&since-month=4&since-year=2026"
                   "&until-day=2&until-month=4&until-year=2026").get_data(as_text=True)
    assert "cycle.launch" in dated and "cycle.extend" not in dated.split("<tbody")[1]
    empty = hr.get("/hr/audit?action=nothing.like.this").get_data(as_text=True)
    assert "No entries match this filter." in empty


def test_dates_that_are_not_dates_are_a_400_with_the_fix(hr):
    bad = hr.get("/hr/audit?since-day=31&since-month=2&since-year=2026")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "There is a problem" in html
    assert "Enter a real date, for example 27 3 2027" in html and 'value="31"' in html
    backwards = hr.get("/hr/audit?since-day=2&since-month=4&since-year=2026"
                       "&until-day=1&until-month=4&until-year=2026")
    assert backwards.status_code == 400
    assert "must be the same as or after the start date" in backwards.get_data(as_text=True)
    assert hr.get("/hr/audit.csv?until-day=x&until-month=1&until-year=2026").status_code == 400


def test_the_csv_has_the_same_filter_and_safe_cells(hr):
    _entries(3)
    _entries(1, action="cycle.launch", object_id="8", summary="=HYPERLINK(\"x\")")
    export = hr.get("/hr/audit.csv?action=cycle.launch")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert "attachment" in export.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert [row["action"] for row in rows] == ["cycle.launch"]
    assert rows[0]["summary"] == "'=HYPERLINK(\"x\") 0"  # not a formula in a spreadsheet
    assert list(rows[0]) == ["at", "actor", "action", "object_type", "object_id", "summary",
                             "address"]
    page = hr.get("/hr/audit?action=cycle.launch").get_data(as_text=True)
    assert 'href="/hr/audit.csv?action=cycle.launch"' in page


def test_on_the_welsh_page_the_english_summaries_are_marked_as_english(hr):
    """Summaries are kept in English (an audit record does not change with the reader); a
    Welsh page marks them so a screen reader reads them as English (WCAG 3.1.2)."""
    _entries(1, summary="closing date <moved>")
    english = hr.get("/hr/audit").get_data(as_text=True)
    assert "</span>closing date &lt;moved&gt; 0</td>" in english
    hr.set_cookie("lang", "cy")
    welsh = hr.get("/hr/audit").get_data(as_text=True)
    assert '<html lang="cy">' in welsh
    assert '<span lang="en">closing date &lt;moved&gt; 0</span></td>' in welsh
