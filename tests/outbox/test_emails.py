"""Every email, as text and HTML, in English and Welsh, compared with reviewed snapshots.

One template per kind, its sentences from the gettext catalogues: an app context is pushed so
the catalogues load (outside one, Flask-Babel answers in English).

After a deliberate wording change: UPDATE_SNAPSHOTS=1 make test, then review the diff."""

from __future__ import annotations

import os
import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from integrations.mail.sender import build_message
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
    # (a reminder queued before `has_draft` existed has none: the templates default it)
    "reminder-draft": ("reminder", {**RATER, "is_self": False, "group": "peer", "days_left": 2,
                                    "has_draft": True}),
    "invitation-manager": ("invitation", {**RATER, "is_self": False, "group": "manager"}),
    "reminder-manager": ("reminder", {**RATER, "is_self": False, "group": "manager",
                                      "days_left": 2}),
    "cycle_closed": ("cycle_closed", {**BASE, "rater_name": "Siân O'Brien",
                                      "leader_names": ["Dafydd Llŷr", "Gwen Ap Rhys"],
                                      "managed_names": [],
                                      "combined_names": ["Dafydd Llŷr", "Gwen Ap Rhys"]}),
    "cycle_closed-manager": ("cycle_closed", {**BASE, "rater_name": "Siân O'Brien",
                                              "leader_names": ["Dafydd Llŷr", "Gwen Ap Rhys"],
                                              "managed_names": ["Gwen Ap Rhys"],
                                              "combined_names": ["Dafydd Llŷr"]}),
    "report_ready-leader": ("report_ready", {
        **BASE, "recipient_name": "Dafydd Llŷr", "leader_name": "Dafydd Llŷr",
        "is_leader": True, "is_update": False, "sign_in_url": "https://feedback.afonvalley.example/sign-in"}),
    "report_ready-facilitator": ("report_ready", {
        **BASE, "recipient_name": "Rhian Jones", "leader_name": "Dafydd Llŷr",
        "is_leader": False, "is_update": False, "sign_in_url": "https://feedback.afonvalley.example/sign-in"}),
    "report_ready-update": ("report_ready", {
        **BASE, "recipient_name": "Dafydd Llŷr", "leader_name": "Dafydd Llŷr",
        "is_leader": True, "is_update": True, "sign_in_url": "https://feedback.afonvalley.example/sign-in"}),
    "nominations_to_approve": ("nominations_to_approve", {
        **BASE, "recipient_name": "Rhian Jones", "leader_name": "Dafydd Llŷr", "is_leader": False,
        "approval_url": "https://feedback.afonvalley.example/team/approvals/7",
        "leader_url": "https://feedback.afonvalley.example/me/cycles/7/raters"}),
    **{f"nominations_decided-{outcome}-{who}": ("nominations_decided", {
        **BASE, "recipient_name": "Dafydd Llŷr" if who == "leader" else "Rhian Jones",
        "leader_name": "Dafydd Llŷr", "manager_name": "Rhian Jones",
        "is_leader": who == "leader", "outcome": outcome,
        "note": "I added Gwen: she chairs the\nboard you report to." if outcome == "approved"
        else "Please add two more peers.",
        "approval_url": "https://feedback.afonvalley.example/team/approvals/7",
        "leader_url": "https://feedback.afonvalley.example/me/cycles/7/raters"})
       for outcome in ("approved", "returned") for who in ("leader", "manager")},
    "report_shared": ("report_shared", {
        **BASE, "recipient_name": "Rhian Jones", "leader_name": "Dafydd Llŷr", "role": "mentor",
        "withdrawn": False, "shared_url": "https://feedback.afonvalley.example/shared"}),
    "report_shared-withdrawn": ("report_shared", {
        **BASE, "recipient_name": "Rhian Jones", "leader_name": "Dafydd Llŷr",
        "role": "appraiser", "withdrawn": True,
        "shared_url": "https://feedback.afonvalley.example/shared"}),
}
TEMPLATES_DIR = str(Path(__file__).resolve().parents[2] / "templates")


@pytest.fixture(autouse=True)
def _catalogues(app):
    """The app fixture pushes an application context: Flask-Babel finds the catalogues."""


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


@pytest.mark.parametrize("language", ["en", "cy"])
def test_invitation_and_reminder_say_who_sees_the_answers_in_the_same_words(language) -> None:
    for group in ("peer", "manager"):
        said = []
        for template in ("invitation", "reminder"):
            _, text, _ = render_email(template, language, CASES[f"{template}-{group}"][1],
                                      TEMPLATES_DIR)
            [paragraph] = [p for p in text.split("\n\n") if "anonym" in p or "ddienw" in p]
            said.append(" ".join(paragraph.split()))
        assert said[0] == said[1]
        promise = {"en": ("at least 3 people of that group", "not anonymous"),
                   "cy": ("o leiaf 3 o bobl yn y grŵp hwnnw", "nid ydynt yn ddienw")}[language]
        assert promise[0 if group == "peer" else 1] in said[0]
        assert promise[1 if group == "peer" else 0] not in said[0]


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_thank_you_tells_each_group_what_is_true_for_it(language) -> None:
    anonymous, manager = ("not anonymous", "at least 3 people") if language == "en" else (
        "nid ydynt yn ddienw", "o leiaf 3 o bobl")
    _, peer_text, _ = render_email("cycle_closed", language, CASES["cycle_closed"][1],
                                   TEMPLATES_DIR)
    assert manager in " ".join(peer_text.split()) and anonymous not in peer_text
    _, both, _ = render_email("cycle_closed", language, CASES["cycle_closed-manager"][1],
                              TEMPLATES_DIR)
    both = " ".join(both.split())
    assert anonymous in both and manager in both
    # Nothing promises that individual answers are never shown: the manager's are.
    assert "never shown" not in both and "Ni ddangosir" not in both


@pytest.mark.parametrize("case", sorted(CASES))
def test_html_emails_are_fluid_on_a_phone(case: str) -> None:
    template, context = CASES[case]
    _, _, html = render_email(template, "en", context, TEMPLATES_DIR)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert not re.search(r'width="\d+"|(?<!max-)width:\s*\d+px', html)
    assert "max-width:600px" in html


LONG_NAMES = ["Dafydd Llŷr ap Gruffydd-Llewellyn Hughes-Prydderch", "A" * 60,
              "Gwenllian Angharad Prydderch-Williams", "Siôn Ŵyn", "Alexandra Montgomery-Smythe"]


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_subjects_never_fold_onto_an_empty_line(case: str, language: str) -> None:
    template, context = CASES[case]
    for name in LONG_NAMES:
        for cut in range(4, len(name) + 1, 3):  # every length, so each folding point is met
            leader = name[:cut].strip()
            subject, _, _ = render_email(template, language, {
                **context, "leader_name": leader, "cycle_name": f"Leadership 360 {leader}",
                "leader_names": [leader]}, TEMPLATES_DIR)
            encoded = bytes(build_message("od@trust.example", "a@trust.example", subject,
                                          "text", None)).decode("ascii")
            header = encoded[encoded.index("Subject:"):].split("\nDate:")[0]
            lines = header.split("\n")
            assert lines[0].strip() != "Subject:", header
            assert all(line.strip() for line in lines), header
            assert all(len(line) <= 78 for line in lines if " " in line.strip()), header
            parsed = message_from_bytes(encoded.encode(), policy=policy.default)
            assert parsed["Subject"] == subject
