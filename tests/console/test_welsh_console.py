"""A Welsh console page shows Welsh, dates and month names included (tests/web/test_catalogues.py
checks every sentence is in both catalogues)."""

from __future__ import annotations

from babel.dates import format_date

from tests.console.test_setup_pages import a_draft, text


def test_a_welsh_page_is_in_welsh(hr: object) -> None:
    cycle = a_draft()
    hr.get("/language/cy?next=/hr")
    page = text(hr.get(f"/hr/cycles/{cycle.id}"))
    assert "Gwirio a lansio" in page and "Maint lleiaf grŵp" in page
    assert format_date(cycle.closes_on, "d MMMM y", locale="cy") in page
    launch = text(hr.get(f"/hr/cycles/{cycle.id}/launch"))
    assert "Bydd 9 neges e-bost gwahodd yn mynd at 9 o bobl" in launch
