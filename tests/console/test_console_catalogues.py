"""Every sentence of the HR console's setting-up pages is in both catalogues, translated into
Welsh, and a Welsh page shows Welsh (dates and month names included)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.dates import format_date
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.console.test_setup_pages import a_draft, text

ROOT = Path(__file__).resolve().parents[2]


def _catalogue(language: str) -> dict[str, object]:
    path = ROOT / "service" / "translations" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return {(m.id if isinstance(m.id, str) else m.id[0]): m for m in read_po(handle) if m.id}


def _extracted() -> list[str]:
    found = [message for _, _, message, _, _ in extract_from_dir(
        ROOT / "templates" / "web" / "console", method_map=[("**.html", "jinja2")])]
    found += [message for path in ("views.py", "forms.py", "cohort_views.py")
              for _, _, message, _, _ in extract_from_dir(
                  ROOT / "service" / "cycles", method_map=[(path, "python")])]
    return [m if isinstance(m, str) else m[0] for m in found]


@pytest.mark.parametrize("language", ["en", "cy"])
def test_every_console_sentence_is_in_the_catalogue(language: str) -> None:
    extracted = _extracted()
    assert len(extracted) > 150
    catalogue = _catalogue(language)
    for msgid in extracted:
        entry = catalogue.get(msgid)
        assert entry is not None, f"{msgid!r} is not in the {language} catalogue"
        if language == "cy":
            assert entry.string and not entry.fuzzy, f"{msgid!r} has no Welsh translation"


def test_a_welsh_page_is_in_welsh(hr: object) -> None:
    cycle = a_draft()
    hr.get("/language/cy?next=/hr")
    page = text(hr.get(f"/hr/cycles/{cycle.id}"))
    assert "Gwirio a lansio" in page and "Maint lleiaf grŵp" in page
    assert format_date(cycle.closes_on, "d MMMM y", locale="cy") in page
    launch = text(hr.get(f"/hr/cycles/{cycle.id}/launch"))
    assert "Bydd 9 neges e-bost gwahodd yn mynd at 9 o bobl" in launch
