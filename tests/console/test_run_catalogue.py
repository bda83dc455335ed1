"""Every sentence of the running half of the HR console (progress to hand-over, people, the
audit log) is in the Welsh catalogue, translated."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file

from tests.outbox.test_email_catalogues import _welsh

ROOT = Path(__file__).resolve().parents[2]
FILES = [
    *(f"templates/web/console/{name}.html" for name in (
        "progress", "remind", "extend", "link", "close", "reports", "release", "hand_over",
        "people", "import", "audit")),
    "service/cycles/running_views.py", "service/people/views.py", "service/audit/views.py",
]


@pytest.mark.parametrize("name", FILES)
def test_every_sentence_has_a_welsh_translation(name: str) -> None:
    method = "jinja2" if name.endswith(".html") else "python"
    extracted = [message for _, message, _, _ in extract_from_file(method, ROOT / name)]
    assert extracted, name
    welsh = _welsh()
    for message in extracted:
        msgid = message if isinstance(message, str) else message[0]
        entry = welsh.get(msgid)
        assert entry is not None, f"{msgid!r} ({name}) is not in the Welsh catalogue"
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        assert all(strings) and not entry.fuzzy, f"{msgid!r} has no Welsh translation"
