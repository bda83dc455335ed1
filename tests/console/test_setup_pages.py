"""The HR console, setting a cycle up: every page and action through a signed-in client,
the one audit row per action (none when the action is refused), 403 and sign-in redirects,
and bad input answered with a 400 page that names the problem and keeps the form."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, func, select

from service.audit.models import AuditEvent
from service.cycles import operations as cycles
from service.cycles.models import Cycle, CycleState, Subject
from service.db import db
from service.nominations.models import Nomination, RaterGroup
from service.staff.operations import create_account
from tests.console.run_fixtures import post
from tests.factories import draft_cycle, person, team
from tests.staff_fixtures import PASSWORD, add_person, sign_in, token

RUBRIC = "compassionate-inclusive-leadership"


def audit() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.not_like("staff.%")).order_by(AuditEvent.id)))


def text(response: Any) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
                    .split())


def settings_form(**changes: Any) -> dict[str, str]:
    opens = dt.date.today() + dt.timedelta(days=3)
    closes = opens + dt.timedelta(days=21)
    form = {"name": "Ward managers 2027", "rubric_id": RUBRIC,
            "opens_on[day]": str(opens.day), "opens_on[month]": str(opens.month),
            "opens_on[year]": str(opens.year), "closes_on[day]": str(closes.day),
            "closes_on[month]": str(closes.month), "closes_on[year]": str(closes.year),
            "auto_close": "yes", "reminder_days": "7, 2", "min_group_size": "3",
            "manager_min": "1", "facilitated_release": "yes",
            "nominated_by": "leader_with_manager_approval", "language": "cy"}
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def a_draft() -> Cycle:
    cycle = draft_cycle(team())
    db.session.commit()
    return cycle


# --- who may see the pages -------------------------------------------------------------------

def _urls(cycle: Cycle) -> list[str]:
    subject = cycle.subjects[0]
    base = f"/hr/cycles/{cycle.id}"
    return ["/hr", "/hr/cycles/new", base, f"{base}/edit", f"{base}/cancel", f"{base}/leaders",
            f"{base}/leaders/{subject.id}/raters", f"{base}/launch"]


def test_anonymous_people_are_sent_to_sign_in_and_staff_without_hr_get_403(
        staff_app: Flask) -> None:
    cycle = a_draft()
    before = audit()
    nobody = add_person("emp-7", "Nora Noroles", "nora@example.org")
    create_account(nobody, (), PASSWORD)
    db.session.commit()
    anonymous = staff_app.test_client()
    signed_in = staff_app.test_client()
    sign_in(signed_in, "nora@example.org")
    for url in _urls(cycle):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/sign-in?next=" in response.headers["Location"]
        refused = signed_in.get(url)
        assert refused.status_code == 403, url
        assert "This page is for people with the HR role" in text(refused)
        assert anonymous.post(url).status_code in (302, 400, 405)  # never a change
    assert signed_in.post(f"/hr/cycles/{cycle.id}/launch",
                          data={"csrf_token": token(signed_in, "/staff")}).status_code == 403
    assert cycles.get_cycle(cycle.id).state == CycleState.DRAFT
    assert audit() == before


def test_every_page_answers_with_the_header_and_no_store(hr: Any) -> None:
    cycle = a_draft()
    for url in _urls(cycle):
        response = hr.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store"
        html = response.get_data(as_text=True)
        assert "Hana Officer" in html and 'class="app-console-nav"' in html
    assert hr.get("/hr/cycles/999").status_code == 404


def test_the_staff_page_leads_hr_to_the_console(hr: Any) -> None:
    html = hr.get("/staff").get_data(as_text=True)
    assert 'href="/hr"' in html and "Go to the HR console" in html


# --- home ------------------------------------------------------------------------------------

def _count_queries(client: Any, url: str) -> int:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_home_lists_cycles_with_state_dates_and_response_rate_in_few_queries(hr: Any) -> None:
    people = team()
    cycle = draft_cycle(people)
    cycles.launch(cycle)
    cycles.create_cycle("First draft", RUBRIC, dt.date.today(),
                        dt.date.today() + dt.timedelta(days=20))
    db.session.commit()
    invitations = db.session.scalars(select(Nomination)).all()
    from service.nominations.models import Invitation, InvitationStatus
    first = db.session.scalar(select(Invitation).where(
        Invitation.nomination_id == invitations[0].id))
    first.status = InvitationStatus.SUBMITTED
    db.session.commit()
    page = text(hr.get("/hr"))
    assert "Test cycle" in page and "Open" in page
    assert "11% (1 of 9)" in page
    assert cycle.closes_on.strftime("%-d %B %Y") in page
    few = _count_queries(hr, "/hr")
    for n in range(4):
        other = cycles.create_cycle(f"Draft {n}", RUBRIC, dt.date.today(),
                                    dt.date.today() + dt.timedelta(days=20))
        cycles.add_subject(other, person(f"lead{n}", f"Lead {n}"))
    db.session.commit()
    assert _count_queries(hr, "/hr") == few
    assert "leaders with nobody nominated to rate them: 1" in text(hr.get("/hr"))


def test_home_says_what_needs_attention(hr: Any) -> None:
    cycles.create_cycle("Empty draft", RUBRIC, dt.date.today(),
                        dt.date.today() + dt.timedelta(days=20))
    people = team(size_reports=4, size_peers=2)
    draft_cycle(people)
    db.session.commit()
    page = text(hr.get("/hr"))
    assert "What needs attention" in page
    assert "Empty draft : no leaders yet; add a cohort" in page
    assert "Test cycle : leaders with a group nominated below its threshold: 1" in page


# --- new cycle and edit ----------------------------------------------------------------------

def test_new_cycle_form_offers_the_rubrics_with_their_summary(hr: Any) -> None:
    page = text(hr.get("/hr/cycles/new"))
    assert "Compassionate and inclusive leadership (version 3)" in page
    assert "Compassionate and inclusive leadership (short form) (version 1)" in page
    assert "9 sections, 40 statements." in page and "9 sections, 16 statements." in page
    assert "Who nominates the raters?" in page


def test_creating_a_cycle_saves_every_setting_with_one_audit_row(hr: Any) -> None:
    response = post(hr, "/hr/cycles/new", settings_form())
    assert response.status_code == 302
    cycle = db.session.scalar(select(Cycle))
    assert response.headers["Location"] == f"/hr/cycles/{cycle.id}?done=created"
    assert (cycle.name, cycle.rubric_id, cycle.reminder_days) == ("Ward managers 2027", RUBRIC,
                                                                  [7, 2])
    assert cycle.facilitated_release and cycle.auto_close and not cycle.auto_launch
    assert cycle.nominated_by.value == "leader_with_manager_approval" and cycle.language == "cy"
    assert audit() == ["cycle.create"]
    page = text(hr.get(response.headers["Location"]))
    assert "The cycle is created as a draft" in page and "Ward managers 2027" in page


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"name": ""}, "name", "Enter a name for the cycle"),
    ({"closes_on[day]": "31", "closes_on[month]": "2"}, "closes_on-day",
     "Enter a real closing date"),
    ({"min_group_size": "1"}, "min_group_size", "The smallest group size must be at least 2"),
    ({"min_group_size": "three"}, "min_group_size", "Enter the smallest group size as a whole"),
    ({"reminder_days": "40"}, "reminder_days", "Reminder days count back from the closing date"),
    ({"reminder_days": "seven"}, "reminder_days", "Enter the reminder days as numbers"),
    ({"rubric_id": "no-such-rubric"}, "name", "no rubric with id 'no-such-rubric'"),
    ({"nominated_by": "anyone"}, "nominated_by", "Choose who nominates the raters"),
])
def test_bad_settings_are_a_400_with_the_message_and_the_form_kept(
        hr: Any, changes: dict[str, str], field: str, message: str) -> None:
    response = post(hr, "/hr/cycles/new", settings_form(name="Kept name", **changes)
                    if "name" not in changes else settings_form(**changes))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and message in text(response)
    assert f'href="#{field}"' in html
    assert 'value="7, 2"' in html or "reminder_days" in changes
    if "name" not in changes:
        assert 'value="Kept name"' in html
    assert db.session.scalar(select(func.count(Cycle.id))) == 0 and audit() == []


def test_closing_before_opening_is_refused_with_the_date_field_named(hr: Any) -> None:
    early = dt.date.today() + dt.timedelta(days=2)  # the form opens in 3 days
    response = post(hr, "/hr/cycles/new", settings_form(**{
        "closes_on[day]": str(early.day), "closes_on[month]": str(early.month),
        "closes_on[year]": str(early.year)}))
    assert response.status_code == 400
    assert "The closing date must be after the opening date" in text(response)
    assert audit() == []


def test_editing_a_draft_changes_what_was_changed_with_one_audit_row(hr: Any) -> None:
    post(hr, "/hr/cycles/new", settings_form())
    cycle = db.session.scalar(select(Cycle))
    url = f"/hr/cycles/{cycle.id}/edit"
    assert 'value="Ward managers 2027"' in hr.get(url).get_data(as_text=True)
    unchanged = post(hr, url, settings_form())
    assert unchanged.headers["Location"].endswith("done=unchanged")
    response = post(hr, url, settings_form(name="Ward managers, spring", reminder_days="5"))
    assert response.status_code == 302 and response.headers["Location"].endswith("done=edited")
    db.session.expire_all()
    assert cycle.name == "Ward managers, spring" and cycle.reminder_days == [5]
    assert audit() == ["cycle.create", "cycle.edit"]
    bad = post(hr, url, settings_form(manager_min="0"))
    assert bad.status_code == 400 and "The manager threshold must be at least 1" in text(bad)
    assert audit() == ["cycle.create", "cycle.edit"]


def test_a_launched_cycle_cannot_be_edited_or_cancelled(hr: Any) -> None:
    cycle = a_draft()
    cycles.launch(cycle)
    db.session.commit()
    for url in (f"/hr/cycles/{cycle.id}/edit", f"/hr/cycles/{cycle.id}/cancel"):
        assert hr.get(url).status_code == 409
    csrf_token = token(hr, f"/hr/cycles/{cycle.id}")
    assert hr.post(f"/hr/cycles/{cycle.id}/cancel",
                   data={"csrf_token": csrf_token}).status_code == 409
    assert audit()[-1] == "cycle.launch"


def test_cancelling_a_draft_asks_first_then_deletes_it(hr: Any) -> None:
    cycle = a_draft()
    page = text(hr.get(f"/hr/cycles/{cycle.id}/cancel"))
    assert "1 leader and all their nominations will be deleted" in page
    response = post(hr, f"/hr/cycles/{cycle.id}/cancel", {})
    assert response.status_code == 302 and response.headers["Location"] == "/hr?done=cancelled"
    assert db.session.scalar(select(func.count(Cycle.id))) == 0
    assert audit()[-1] == "cycle.cancel" and audit().count("cycle.cancel") == 1
    assert "The draft cycle is cancelled." in text(hr.get("/hr?done=cancelled"))


# --- overview --------------------------------------------------------------------------------

def test_the_overview_shows_settings_state_and_the_next_step(hr: Any) -> None:
    cycle = a_draft()
    page = hr.get(f"/hr/cycles/{cycle.id}")
    html, words = page.get_data(as_text=True), text(page)
    assert "Draft" in words and "Check and launch" in words
    assert f'href="/hr/cycles/{cycle.id}/leaders"' in html
    assert f'href="/hr/cycles/{cycle.id}/launch"' in html
    assert f'href="/hr/cycles/{cycle.id}/edit"' in html
    assert "Smallest group size 3" in words and "Reminder days 7, 2" in words


# --- cohort ----------------------------------------------------------------------------------

@pytest.fixture
def org() -> dict[str, Any]:
    chief = person("chief", "Cara Chief", department="Board")
    surgeon = person("surgeon", "Sam Surgeon", manager=chief, department="Surgery")
    nurse = person("nurse", "Nell Nurse", manager=chief, department="Surgery")
    junior = [person(f"jun{i}", f"Junior Doctor{i}", manager=surgeon, department="Surgery")
              for i in range(3)]
    ward = [person(f"ward{i}", f"Ward Staff{i}", manager=nurse, department="Surgery")
            for i in range(2)]
    db.session.commit()
    return {"chief": chief, "surgeon": surgeon, "nurse": nurse, "junior": junior, "ward": ward}


def _empty_draft() -> Cycle:
    cycle = cycles.create_cycle("Surgery 2027", RUBRIC, dt.date.today(),
                                dt.date.today() + dt.timedelta(days=21))
    db.session.commit()
    return cycle


def _leaders(cycle: Cycle) -> list[str]:
    db.session.expire_all()
    return sorted(s.person.display_name for s in db.session.get(Cycle, cycle.id).subjects)


def test_a_department_is_previewed_then_added_as_one_action(hr: Any, org: Any) -> None:
    cycle = _empty_draft()
    url = f"/hr/cycles/{cycle.id}/leaders"
    preview = hr.get(f"{url}?department=surgery")
    assert preview.status_code == 200
    words = text(preview)
    assert "Check who will be added" in words and "Add these 2 leaders" in words
    assert "Sam Surgeon" in words and "Nell Nurse" in words and "Junior Doctor0" not in words
    assert _leaders(cycle) == [] and audit() == ["cycle.create"]
    response = post(hr, url, {"action": "add_department", "department": "surgery"})
    assert response.status_code == 302 and response.headers["Location"].endswith("done=added")
    assert _leaders(cycle) == ["Nell Nurse", "Sam Surgeon"]
    assert audit() == ["cycle.create", "cycle.add_leaders"]


def test_an_unknown_department_is_a_400_naming_it(hr: Any, org: Any) -> None:
    cycle = _empty_draft()
    response = hr.get(f"/hr/cycles/{cycle.id}/leaders?department=Radiology")
    assert response.status_code == 400
    assert "Nobody with direct reports works in department “Radiology”" in text(response)
    assert 'value="Radiology"' in response.get_data(as_text=True)
    refused = post(hr, f"/hr/cycles/{cycle.id}/leaders",
                   {"action": "add_department", "department": "Radiology"})
    assert refused.status_code == 400 and "Radiology" in text(refused)
    assert _leaders(cycle) == [] and audit() == ["cycle.create"]


def test_leaders_by_search_and_below_a_manager(hr: Any, org: Any) -> None:
    cycle = _empty_draft()
    url = f"/hr/cycles/{cycle.id}/leaders"
    found = hr.get(f"{url}?q=junior")
    assert "Junior Doctor0" in text(found) and "Junior Doctor2" in text(found)
    post(hr, url, {"action": "add_selected", "q": "junior",
                   "person": [str(org["junior"][0].id), str(org["junior"][1].id)]})
    assert _leaders(cycle) == ["Junior Doctor0", "Junior Doctor1"]
    nothing = post(hr, url, {"action": "add_selected", "q": "junior"})
    assert nothing.status_code == 400 and "Select at least one person to add" in text(nothing)
    below = hr.get(f"{url}?manager=chief@test.example")
    assert "Add these 2 leaders" in text(below)
    post(hr, url, {"action": "add_manager", "boss": str(org["chief"].id)})
    assert _leaders(cycle) == ["Junior Doctor0", "Junior Doctor1", "Nell Nurse", "Sam Surgeon"]
    assert audit() == ["cycle.create", "cycle.add_leaders", "cycle.add_leaders"]
    ambiguous = hr.get(f"{url}?manager=Ward")
    assert ambiguous.status_code == 400 and "More than one person matches" in text(ambiguous)


def test_an_uploaded_list_is_previewed_and_unknown_addresses_named(hr: Any, org: Any) -> None:
    cycle = _empty_draft()
    url = f"/hr/cycles/{cycle.id}/leaders"
    csv = b"email\nsurgeon@test.example\nNURSE@test.example\n"
    preview = post(hr, url, {"action": "preview_list",
                             "emails": (io.BytesIO(csv), "leaders.csv")},
                   content_type="multipart/form-data")
    assert preview.status_code == 200 and "Add these 2 leaders" in text(preview)
    assert _leaders(cycle) == [] and audit() == ["cycle.create"]
    emails = re.search(r'name="emails" value="([^"]*)"', preview.get_data(as_text=True))
    post(hr, url, {"action": "add_list", "emails": emails.group(1)})
    assert _leaders(cycle) == ["Nell Nurse", "Sam Surgeon"]
    bad = post(hr, url, {"action": "preview_list",
                         "emails": (io.BytesIO(b"nobody@test.example\n"), "x.csv")},
               content_type="multipart/form-data")
    assert bad.status_code == 400 and "nobody@test.example" in text(bad)
    empty = post(hr, url, {"action": "preview_list"}, content_type="multipart/form-data")
    assert empty.status_code == 400 and "Choose a CSV file of email addresses" in text(empty)
    assert audit() == ["cycle.create", "cycle.add_leaders"]


def test_removing_a_leader_and_assigning_a_facilitator(hr: Any, org: Any) -> None:
    cycle = _empty_draft()
    sam = cycles.add_subject(cycle, org["surgeon"])
    nell = cycles.add_subject(cycle, org["nurse"])
    db.session.commit()
    url = f"/hr/cycles/{cycle.id}/leaders"
    response = post(hr, url, {"action": "facilitator", "subject": str(sam.id),
                              f"facilitator-{sam.id}": "Cara Chief"})
    assert response.headers["Location"].endswith("done=facilitator")
    db.session.expire_all()
    assert db.session.get(Subject, sam.id).facilitator.display_name == "Cara Chief"
    bad = post(hr, url, {"action": "facilitator", "subject": str(sam.id),
                         f"facilitator-{sam.id}": "Junior"})
    assert bad.status_code == 400 and "More than one person matches “Junior”" in text(bad)
    assert 'value="Junior"' in bad.get_data(as_text=True)  # what was typed is kept
    post(hr, url, {"action": "remove", "subject": str(nell.id)})
    assert _leaders(cycle) == ["Sam Surgeon"]
    assert audit() == ["cycle.create", "cycle.add_leader", "cycle.add_leader",
                       "cycle.assign_facilitator", "cycle.remove_leader"]
    stranger = post(hr, url, {"action": "remove", "subject": "99999"})
    assert stranger.status_code == 400 and audit()[-1] == "cycle.remove_leader"


# --- nominations -----------------------------------------------------------------------------

def test_suggested_raters_counts_and_the_threshold_warning(hr: Any) -> None:
    people = team(size_reports=4, size_peers=2)
    cycle = cycles.create_cycle("Small team", RUBRIC, dt.date.today(),
                                dt.date.today() + dt.timedelta(days=21))
    subject = cycles.add_subject(cycle, people["leader"])
    db.session.commit()
    url = f"/hr/cycles/{cycle.id}/leaders/{subject.id}/raters"
    assert "Nobody is nominated yet." in text(hr.get(url))
    response = post(hr, url, {"action": "suggest"})
    assert response.headers["Location"].endswith("done=suggested")
    page = hr.get(response.headers["Location"])
    words = text(page)
    assert "peer scores will not be shown unless at least 3 of these 2 respond" in words
    assert 'class="nhsuk-card nhsuk-card--warning' in page.get_data(as_text=True)
    assert "Peer Person0" in words and "Morgan Boss" in words
    assert db.session.scalar(select(func.count(Nomination.id))) == 8
    assert audit() == ["cycle.create", "cycle.add_leader", "nomination.suggested"]


def test_a_rater_is_added_by_search_and_removed(hr: Any) -> None:
    people = team(size_reports=0, size_peers=0)
    extra = person("extra", "Elin Extra")
    cycle = cycles.create_cycle("Search", RUBRIC, dt.date.today(),
                                dt.date.today() + dt.timedelta(days=21))
    subject = cycles.add_subject(cycle, people["leader"])
    db.session.commit()
    url = f"/hr/cycles/{cycle.id}/leaders/{subject.id}/raters"
    assert "Elin Extra" in text(hr.get(f"{url}?q=elin"))
    assert hr.get(f"{url}?q=e").status_code == 400
    post(hr, url, {"action": "nominate", "person": str(extra.id), f"group-{extra.id}": "other"})
    nomination = db.session.scalar(select(Nomination))
    assert nomination.group == RaterGroup.OTHER
    bad = post(hr, url, {"action": "nominate", "person": str(extra.id),
                         f"group-{extra.id}": "other"})
    assert bad.status_code == 409 and "already nominated" in text(bad)
    wrong = post(hr, url, {"action": "nominate", "person": str(people["boss"].id),
                           f"group-{people['boss'].id}": "boss"})
    assert wrong.status_code == 400 and "Choose the rater's group" in text(wrong)
    post(hr, url, {"action": "remove", "nomination": str(nomination.id)})
    assert db.session.scalar(select(func.count(Nomination.id))) == 0
    assert audit() == ["cycle.create", "cycle.add_leader", "nomination.add",
                       "nomination.remove"]


# --- launch ----------------------------------------------------------------------------------

def test_launch_states_what_will_happen_then_launches_with_one_audit_row(hr: Any) -> None:
    cycle = a_draft()
    url = f"/hr/cycles/{cycle.id}/launch"
    page = hr.get(url)
    words = text(page)
    assert "9 invitation emails go to 9 people" in words
    assert "Launch and send 9 invitations" in words
    assert "Peers 3 Direct reports 4" in words
    response = post(hr, url, {})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/hr/cycles/{cycle.id}?done=launched"
    assert "The cycle is launched" in text(hr.get(response.headers["Location"]))
    db.session.expire_all()
    assert db.session.get(Cycle, cycle.id).state == CycleState.OPEN
    assert audit().count("cycle.launch") == 1
    again = post(hr, url, {})
    assert again.status_code == 409 and audit().count("cycle.launch") == 1


def test_a_blocked_launch_shows_why_and_has_no_button(hr: Any) -> None:
    cycle = _empty_draft()
    page = hr.get(f"/hr/cycles/{cycle.id}/launch")
    assert "The cycle has no leaders: add a cohort first." in text(page)
    assert "Launch and send" not in text(page)
    leader = person("solo", "Solo Leader")
    cycles.add_subject(cycle, leader)
    db.session.commit()
    page = hr.get(f"/hr/cycles/{cycle.id}/launch")
    assert "Nobody is nominated to rate Solo Leader" in text(page)
    refused = post(hr, f"/hr/cycles/{cycle.id}/launch", {})
    assert refused.status_code == 409 and "nobody nominated" in text(refused)
    assert "cycle.launch" not in audit()
    db.session.expire_all()
    assert db.session.get(Cycle, cycle.id).state == CycleState.DRAFT


def test_the_launch_page_warns_per_leader_where_a_group_cannot_reach(hr: Any) -> None:
    people = team(size_reports=4, size_peers=2)
    cycle = draft_cycle(people)
    db.session.commit()
    words = text(hr.get(f"/hr/cycles/{cycle.id}/launch"))
    assert "peer scores will not be shown unless at least 3 of these 2 respond" in words
    assert "other" not in words.split("Groups that may not be shown")[1].split("Launch")[0]


def test_a_refused_launch_on_a_welsh_page_says_why_in_welsh(hr: Any) -> None:
    """The operation's refusal (service.errors, a lazy gettext message) is read in the page's
    language; the same refusal reads in English for an English page."""
    cycle = _empty_draft()
    cycles.add_subject(cycle, person("solo", "Solo Leader"))
    db.session.commit()
    hr.set_cookie("lang", "cy")
    refused = post(hr, f"/hr/cycles/{cycle.id}/launch", {})
    assert refused.status_code == 409
    assert ("does neb wedi’i enwebu i raddio’r arweinwyr hyn: Solo Leader; enwebwch raddwyr "
            "cyn lansio") in text(refused)
    assert "nobody nominated" not in text(refused)
    hr.set_cookie("lang", "en")
    english = post(hr, f"/hr/cycles/{cycle.id}/launch", {})
    assert ("these leaders have nobody nominated to rate them: Solo Leader; nominate raters "
            "before launching") in text(english)
    assert "cycle.launch" not in audit()
