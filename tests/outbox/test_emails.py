"""Every email, as text and HTML, in English and Welsh, compared with reviewed snapshots.

After a deliberate wording change: UPDATE_SNAPSHOTS=1 make test, then review the diff."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from service.outbox.rendering import long_date, render_email

SNAPSHOTS = Path(__file__).parent / "snapshots"
BASE = {"cycle_name": "Leadership 360 — spring", "closes_on": "2026-12-06",
        "organisation": "Afon Valley NHS Trust", "contact": "od@afonvalley.example",
        "min_group_size": 3}
RATER = {**BASE, "rater_name": "Siân O'Brien", "leader_name": "Dafydd Llŷr",
         "link": "https://feedback.afonvalley.example/r/TOKEN-TOKEN-TOKEN-TOKEN-TOKEN-TOKEN-TOK"}
CASES = {
    "invitation-peer": ("invitation", {**RATER, "is_self": False, "group": "peer"}),
    "invitation-self": ("invitation", {**RATER, "is_self": True, "group": "self"}),
    "reminder-peer": ("reminder", {**RATER, "is_self": False, "group": "peer", "days_left": 2}),
    "reminder-self": ("reminder", {**RATER, "is_self": True, "group": "self", "days_left": 1}),
    "cycle_closed": ("cycle_closed", {**BASE, "rater_name": "Siân O'Brien",
                                      "leader_names": ["Dafydd Llŷr", "Gwen Ap Rhys"]}),
    "report_ready-leader": ("report_ready", {
        **BASE, "recipient_name": "Dafydd Llŷr", "leader_name": "Dafydd Llŷr",
        "is_leader": True, "is_update": False, "sign_in_url": "https://feedback.afonvalley.example/sign-in"}),
    "report_ready-facilitator": ("report_ready", {
        **BASE, "recipient_name": "Rhian Jones", "leader_name": "Dafydd Llŷr",
        "is_leader": False, "is_update": False, "sign_in_url": "https://feedback.afonvalley.example/sign-in"}),
    "report_ready-update": ("report_ready", {
        **BASE, "recipient_name": "Dafydd Llŷr", "leader_name": "Dafydd Llŷr",
        "is_leader": True, "is_update": True, "sign_in_url": "https://feedback.afonvalley.example/sign-in"}),
}
TEMPLATES_DIR = str(Path(__file__).resolve().parents[2] / "templates")


def _check(path: Path, rendered: str) -> None:
    if os.environ.get("UPDATE_SNAPSHOTS"):
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"no snapshot {path.name}: run with UPDATE_SNAPSHOTS=1 and review it"
    assert rendered == path.read_text(encoding="utf-8"), f"{path.name} changed"


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_email_matches_its_snapshot(case: str, language: str) -> None:
    template, context = CASES[case]
    subject, text, html = render_email(template, language, context, TEMPLATES_DIR)
    assert html is not None
    _check(SNAPSHOTS / f"{case}.{language}.txt", f"Subject: {subject}\n\n{text}")
    _check(SNAPSHOTS / f"{case}.{language}.html", html)

    # What every message must say, whatever the wording.
    assert "Afon Valley NHS Trust" in text and "od@afonvalley.example" in text
    assert f'lang="{language}"' in html
    if "link" in context:
        assert context["link"] in text and f'href="{context["link"]}"' in html
        assert long_date("2026-12-06", language) in subject
    # Renders in common mail clients: inline styles, no style sheets, scripts or images.
    assert not re.search(r"<(style|script|img|link)\b", html)
    assert re.findall(r"(?:src|href)=\"([^\"]+)\"", html) == [
        url for url in re.findall(r"href=\"([^\"]+)\"", html)
        if url.startswith(("https://", "mailto:"))]


def test_dates_read_as_people_write_them() -> None:
    assert long_date("2026-12-06", "en") == "6 December 2026"
    assert long_date("2026-03-01", "cy") == "1 Mawrth 2026"


def test_unknown_language_falls_back_to_english() -> None:
    subject, _, _ = render_email("reminder", "fr", CASES["reminder-peer"][1], TEMPLATES_DIR)
    assert subject == "Reminder: feedback on Dafydd Llŷr's leadership closes on 6 December 2026"
