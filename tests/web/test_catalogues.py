"""The gettext catalogues hold every message the code and templates use, in English and Welsh:
the extraction runs here, as `make messages` runs it, into a temporary file. It reads everything
babel.cfg names (pages, emails, the report, the console), so this is the one completeness check
for all of them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from service.i18n import SUPPORTED, TRANSLATIONS

ROOT = Path(__file__).resolve().parents[2]
PYBABEL = Path(sys.executable).parent / "pybabel"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    pot = tmp_path_factory.mktemp("messages") / "messages.pot"
    subprocess.run([str(PYBABEL), "extract", "-F", "babel.cfg", "-k", "_l", "--no-location",
                    "-o", str(pot), "."], cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as source:
        return read_po(source)


def _catalogue(language: str) -> Catalog:
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return read_po(source, locale=language)


def _ids(catalog: Catalog) -> set[str | tuple[str, ...]]:
    return {message.id for message in catalog if message.id}


def test_the_extraction_finds_the_pages_words(extracted):
    ids = _ids(extracted)
    assert "Leadership 360 feedback" in ids  # templates
    assert "This form has expired" in ids  # code
    # Every part people read: emails (text templates), the report, the console's pages and code.
    assert "It takes about 15 minutes. If you have started, your saved answers are waiting for " \
           "you. If you would rather not take part, you can say so through the same link." in ids
    assert "Leadership 360 feedback report" in ids  # service/reports
    assert "A reminder is on its way to everyone who has not answered or declined." in ids
    assert "There is no directory to sync" in ids  # service/people/views.py
    assert "The end date must be the same as or after the start date" in ids  # audit views
    assert len(ids) > 600


@pytest.mark.parametrize("language", SUPPORTED)
def test_every_message_is_in_each_catalogue_and_nothing_else(extracted, language):
    catalogue = _catalogue(language)
    in_code = {m.id if isinstance(m.id, str) else m.id[0] for m in extracted if m.id}
    in_catalogue = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue if m.id}
    assert sorted(in_code - in_catalogue) == [], "run `make messages` and translate"
    assert sorted(in_catalogue - in_code) == [], "no longer used: run `make messages`"


def test_every_welsh_message_is_translated_and_checked():
    catalogue = _catalogue("cy")
    untranslated, fuzzy = [], []
    for message in catalogue:
        if not message.id:
            continue
        strings = [message.string] if isinstance(message.string, str) else message.string
        if not all(strings):
            untranslated.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    assert untranslated == [] and fuzzy == []
    # Placeholders (%(name)s...) the same in the Welsh as in the English.
    problems = [(message.id, [str(e) for e in errors]) for message, errors in catalogue.check()]
    assert problems == []
    assert catalogue.num_plurals > 1 and catalogue.plural_forms  # the header survived updates
    # CLDR's Welsh plurals (docs/decisions.md): zero, one, two, few, many, other; check() above
    # has already found any plural entry without a msgstr for each.
    assert (catalogue.num_plurals, catalogue.plural_expr) == (
        6, "(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n==3 ? 3 : n==6 ? 4 : 5)")
