"""A Welsh console page shows Welsh, dates and month names included (tests/web/test_catalogues.py
checks every sentence is in both catalogues)."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from babel.dates import format_date
from flask import Flask
from flask_babel import force_locale, get_translations, ngettext

from service.cycles.schemas import load_settings
from service.errors import InvalidInput
from tests.console.run_fixtures import post
from tests.console.test_people_pages import _upload
from tests.console.test_setup_pages import (  # noqa: F401 (org is a fixture)
    RUBRIC,
    _empty_draft,
    a_draft,
    org,
    settings_form,
    text,
)


def test_a_welsh_page_is_in_welsh(hr: object) -> None:
    cycle = a_draft()
    hr.get("/language/cy?next=/hr")
    page = text(hr.get(f"/hr/cycles/{cycle.id}"))
    assert "Gwirio a lansio" in page and "Maint lleiaf grŵp" in page
    assert format_date(cycle.closes_on, "d MMMM y", locale="cy") in page
    launch = text(hr.get(f"/hr/cycles/{cycle.id}/launch"))
    assert "Bydd 9 neges e-bost gwahodd yn mynd at 9 o bobl" in launch


# --- messages from schemas, refusals, the hidden "Error" prefix and counts, in Welsh ----------

HIDDEN = re.compile(r'<span class="nhsuk-u-visually-hidden">([^<]*)</span>')


def _hidden_prefixes(response: Any) -> set[str]:
    return {word.strip() for word in HIDDEN.findall(response.get_data(as_text=True))
            if word.strip().endswith(":")}


def test_an_import_problem_from_the_schema_is_in_welsh(hr: Any) -> None:
    """Marshmallow's field messages (service/validation.py) reach the import page in Welsh."""
    hr.set_cookie("lang", "cy")
    rows = ("directory_id,email,given_name,family_name,language\n"
            "w-1,not-an-address,Nia,Hughes,cy\n"
            "w-2,owen@example.org,Owen,Price,fr\n")
    page = text(_upload(hr, rows.encode()))
    assert "llinell 2: email: nid cyfeiriad e-bost mohono (fel enw@example.org)" in page
    assert "llinell 3: language: rhaid iddo fod yn un o: en, cy" in page
    assert "Not a valid email" not in page and "not an email address" not in page
    hr.set_cookie("lang", "en")
    english = text(_upload(hr, rows.encode()))
    assert "line 2: email: not an email address (such as name@example.org)" in english


def test_a_cohort_list_problem_is_in_welsh(hr: Any, org: Any) -> None:  # noqa: F811
    cycle = _empty_draft()
    hr.set_cookie("lang", "cy")
    refused = post(hr, f"/hr/cycles/{cycle.id}/leaders", {
        "action": "preview_list", "emails": (io.BytesIO(b"nobody@test.example\n"), "x.csv")},
        content_type="multipart/form-data")
    assert refused.status_code == 400
    assert "does gan neb y cyfeiriad(au) nobody@test.example" in text(refused)


def test_a_cycle_form_problem_and_its_hidden_prefix_are_in_welsh(hr: Any) -> None:
    early = dt.date.today() + dt.timedelta(days=2)  # the form opens in 3 days
    closing_first = settings_form(**{"closes_on[day]": str(early.day),
                                     "closes_on[month]": str(early.month),
                                     "closes_on[year]": str(early.year)})
    hr.set_cookie("lang", "cy")
    welsh = post(hr, "/hr/cycles/new", closing_first)
    assert welsh.status_code == 400
    assert "Mae problem" in text(welsh)
    assert "Rhaid i'r dyddiad cau fod ar ôl y dyddiad agor" in text(welsh)
    assert _hidden_prefixes(welsh) == {"Gwall:"}
    hr.set_cookie("lang", "en")
    english = post(hr, "/hr/cycles/new", closing_first)
    assert _hidden_prefixes(english) == {"Error:"}


def test_the_settings_schema_speaks_the_pages_language(app: Flask) -> None:
    """The schema's own messages (the rules and marshmallow's) in Welsh on a Welsh page; the
    command line reads the same raise in English (tests/cycles/test_console_operations.py)."""
    settings = {"name": "Gwanwyn", "rubric_id": RUBRIC, "opens_on": "2027-03-01",
                "closes_on": "2027-03-31", "min_group_size": 3, "manager_min": 0,
                "language": "cy", "reminder_days": [7], "auto_launch": False,
                "auto_close": True, "facilitated_release": False, "nominated_by": "hr"}
    with app.test_request_context(), force_locale("cy"):
        with pytest.raises(InvalidInput) as rule:
            load_settings(settings)
        assert str(rule.value) == "rhaid i manager_min fod o leiaf 1"
        with pytest.raises(InvalidInput) as field:
            load_settings({**settings, "manager_min": 1, "opens_on": "March",
                           "nominated_by": "anyone"})
        assert "opens_on: nid dyddiad mohono" in str(field.value)
        assert "nominated_by: rhaid iddo fod yn un o: hr, leader" in str(field.value)


def test_a_count_takes_the_welsh_plural_form(hr: Any, org: Any) -> None:  # noqa: F811
    """'Add these %(num)d leaders' through ngettext: one leader and three read differently in
    Welsh, as in English."""
    cycle = _empty_draft()
    hr.set_cookie("lang", "cy")

    def preview(*emails: str) -> str:
        listed = "".join(f"{email}\n" for email in emails).encode()
        return text(post(hr, f"/hr/cycles/{cycle.id}/leaders", {
            "action": "preview_list", "emails": (io.BytesIO(listed), "leaders.csv")},
            content_type="multipart/form-data"))

    assert "Ychwanegu 1 arweinydd" in preview("surgeon@test.example")
    three = preview("surgeon@test.example", "nurse@test.example", "chief@test.example")
    assert "Ychwanegu'r 3 arweinydd hyn" in three and "Ychwanegu 3" not in three


def test_the_welsh_plural_forms_are_cldrs_six(app: Flask) -> None:
    """Zero, one, two, few (3), many (6), other: each number picks its own msgstr."""
    with app.test_request_context(), force_locale("cy"):
        catalogue = get_translations()
        assert catalogue.plural(0) == 0 and catalogue.plural(1) == 1
        assert catalogue.plural(2) == 2 and catalogue.plural(3) == 3
        assert catalogue.plural(6) == 4 and {catalogue.plural(n) for n in (4, 5, 7, 100)} == {5}
        one = ngettext("Add %(num)d leader", "Add these %(num)d leaders", 1)
        three = ngettext("Add %(num)d leader", "Add these %(num)d leaders", 3)
    assert (one, three) == ("Ychwanegu 1 arweinydd", "Ychwanegu'r 3 arweinydd hyn")
