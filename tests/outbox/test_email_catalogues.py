"""The emails' and the report's sentences are all in the Welsh catalogue, translated, and no
email template exists per language any more (one template per kind, through gettext)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "service" / "translations" / "cy" / "LC_MESSAGES" / "messages.po"


def _welsh() -> dict[str, object]:
    with CATALOGUE.open("rb") as handle:
        return {(m.id if isinstance(m.id, str) else m.id[0]): m for m in read_po(handle) if m.id}


@pytest.mark.parametrize(("folder", "method"), [("templates/email", "jinja2"),
                                                ("service/reports", "python")])
def test_every_sentence_has_a_welsh_translation(folder: str, method: str) -> None:
    extracted = [message for _, _, message, _, _ in extract_from_dir(
        ROOT / folder, method_map=[("**.txt", method), ("**.html", method), ("**.py", method)])]
    assert len(extracted) > 30
    welsh = _welsh()
    for message in extracted:
        msgid = message if isinstance(message, str) else message[0]
        entry = welsh.get(msgid)
        assert entry is not None, f"{msgid!r} is not in the Welsh catalogue"
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        assert all(strings) and not entry.fuzzy, f"{msgid!r} has no Welsh translation"


def test_one_template_per_email_kind() -> None:
    names = [path.name for path in (ROOT / "templates" / "email").iterdir()]
    assert not [name for name in names if ".en." in name or ".cy." in name]
    for kind in ("invitation", "reminder", "cycle_closed", "report_ready"):
        assert f"{kind}.txt" in names and f"{kind}.html" in names
