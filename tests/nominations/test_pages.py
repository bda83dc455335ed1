"""The leader's "Choose your raters" and the manager's approval pages: each action through the
page, its refusals as 4xx with a sentence that names the fix, CSRF on every form, Welsh."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from service.db import db
from service.errors import DomainError
from service.nominations import lists
from service.nominations.models import ListState, Nomination, RaterGroup
from service.outbox.models import OutboxMessage
from service.staff.operations import create_account
from tests import factories
from tests.staff_fixtures import PASSWORD, sign_in, token


def _client(app: Flask, person: Any, address: str) -> Any:
    create_account(person, (), PASSWORD)
    db.session.commit()
    client = app.test_client()
    assert sign_in(client, person.email, address=address).status_code == 302
    return client


@pytest.fixture
def leader(staff_app: Flask, world: dict[str, Any]) -> Any:
    return _client(staff_app, world["leader"], "192.0.2.10")


@pytest.fixture
def manager(staff_app: Flask, world: dict[str, Any]) -> Any:
    return _client(staff_app, world["boss"], "192.0.2.11")


def _url(world: dict[str, Any], tail: str = "") -> str:
    return f"/me/cycles/{world['subject'].id}/raters{tail}"


def _post(client: Any, url: str, **data: Any) -> Any:
    return client.post(url, data={"csrf_token": token(client, url.split("?")[0]), **data})


def _chosen(world: dict[str, Any]) -> dict[str, str]:
    return {n.person.display_name: n.group.value for n in db.session.scalars(
        select(Nomination).where(Nomination.subject_id == world["subject"].id))}


def test_the_staff_page_links_to_the_leader_and_manager_pages(world: dict[str, Any],
                                                             leader: Any, manager: Any) -> None:
    assert _url(world) in leader.get("/staff").get_data(as_text=True)
    assert "/team/approvals" in manager.get("/staff").get_data(as_text=True)
    assert "/team/approvals" not in leader.get("/staff").get_data(as_text=True)


def test_a_leader_builds_the_list_from_suggestions_and_search(world: dict[str, Any],
                                                             leader: Any) -> None:
    page = leader.get(_url(world)).get_data(as_text=True)
    assert "Choose your raters" in page and "Suggested from the organisation chart" in page
    assert "Morgan Boss" in page and "Peer Person0" in page and "Report Person3" in page
    boss = world["boss"]
    reply = _post(leader, _url(world), action="add", person=boss.id,
                  **{f"group-{boss.id}": "manager"})
    assert reply.status_code == 303 and "done=added" in reply.headers["Location"]
    assert _chosen(world) == {"Morgan Boss": "manager"}
    page = leader.get(_url(world)).get_data(as_text=True)
    assert "1 chosen; 1 needed for this group to be shown." in page
    outsider = factories.person("olwen", "Olwen Outsider")
    db.session.commit()
    found = leader.get(_url(world, "?q=olwen")).get_data(as_text=True)
    assert "Olwen Outsider" in found
    assert leader.get(_url(world, "?q=o")).status_code == 400
    assert _post(leader, _url(world), action="add", person=outsider.id,
                 **{f"group-{outsider.id}": "other"}).status_code == 303
    assert _post(leader, _url(world), action="add", person=outsider.id,
                 **{f"group-{outsider.id}": "nonsense"}).status_code in (400, 409)
    removed = db.session.scalar(select(Nomination.id).where(Nomination.person_id == outsider.id))
    assert _post(leader, _url(world), action="remove", nomination=removed).status_code == 303
    assert _post(leader, _url(world), action="suggest").status_code == 303
    assert len(_chosen(world)) == 9


def test_someone_at_their_limit_cannot_be_added(staff_app: Flask, world: dict[str, Any],
                                                leader: Any) -> None:
    staff_app.config["RATER_REQUEST_LIMIT"] = 0
    peer = world["peers"][0]
    reply = _post(leader, _url(world), action="add", person=peer.id,
                  **{f"group-{peer.id}": "peer"})
    assert reply.status_code == 409
    assert "Peer Person0 has already been asked to give feedback 0 times" in \
        reply.get_data(as_text=True)
    assert _chosen(world) == {}


def test_submitting_a_short_list_needs_the_warning_step(world: dict[str, Any],
                                                         leader: Any) -> None:
    leader_person, peer = world["leader"], world["peers"][0]
    _post(leader, _url(world), action="add", person=leader_person.id)
    _post(leader, _url(world), action="add", person=peer.id, **{f"group-{peer.id}": "peer"})
    page = leader.get(_url(world, "/submit")).get_data(as_text=True)
    assert "peer scores will not be shown unless at least 3 of these 1 respond" in page
    reply = _post(leader, _url(world, "/submit"))
    assert reply.status_code == 400 and "Error:" in reply.get_data(as_text=True)
    reply = _post(leader, _url(world, "/submit"), accept_short="yes")
    assert reply.status_code == 303 and "done=submitted" in reply.headers["Location"]
    assert lists.state_of(world["subject"]).state == ListState.SUBMITTED
    page = leader.get(_url(world)).get_data(as_text=True)
    assert "with your manager for approval" in page and "Remove" not in page
    assert _post(leader, _url(world), action="suggest").status_code == 409


def test_the_manager_amends_with_a_note_and_approves(world: dict[str, Any], leader: Any,
                                                     manager: Any) -> None:
    _post(leader, _url(world), action="suggest")
    assert _post(leader, _url(world, "/submit")).status_code == 303
    listing = manager.get("/team/approvals").get_data(as_text=True)
    assert "Alex Leader" in listing and f"/team/approvals/{world['subject'].id}" in listing
    url = f"/team/approvals/{world['subject'].id}"
    peer = db.session.scalar(select(Nomination.id).where(
        Nomination.subject_id == world["subject"].id, Nomination.group == RaterGroup.PEER))
    assert _post(manager, url, action="remove", nomination=peer).status_code == 303
    olwen = factories.person("olwen", "Olwen Outsider")
    db.session.commit()
    assert "Olwen Outsider" in manager.get(f"{url}?q=Olwen").get_data(as_text=True)
    assert _post(manager, url, action="add", person=olwen.id,
                 **{f"group-{olwen.id}": "other"}).status_code == 303
    refused = _post(manager, url, action="approve", note="")
    assert refused.status_code == 400 and "write a note to Alex Leader" in \
        refused.get_data(as_text=True)
    done = _post(manager, url, action="approve", note="Olwen knows your board work.")
    assert done.status_code == 303 and "done=approved" in done.headers["Location"]
    assert lists.state_of(world["subject"]).state == ListState.APPROVED
    told = {m.recipient for m in db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.template == "nominations_decided"))}
    assert told == {world["leader"].email, world["boss"].email}
    assert "Olwen knows your board work." in leader.get(_url(world)).get_data(as_text=True)


def test_others_are_refused(staff_app: Flask, world: dict[str, Any], leader: Any) -> None:
    peer = _client(staff_app, world["peers"][0], "192.0.2.12")
    for url in (_url(world), _url(world, "/submit"), f"/team/approvals/{world['subject'].id}"):
        assert peer.get(url).status_code == 404, url
    assert leader.get(f"/team/approvals/{world['subject'].id}").status_code == 404
    assert staff_app.test_client().get(_url(world)).status_code == 302  # to sign in


def test_every_form_needs_its_csrf_token(world: dict[str, Any], leader: Any) -> None:
    assert leader.post(_url(world), data={"action": "suggest"}).status_code == 400
    assert _chosen(world) == {}


def test_the_pages_speak_welsh(world: dict[str, Any], leader: Any) -> None:
    leader.get("/language/cy?next=/staff")
    page = leader.get(_url(world)).get_data(as_text=True)
    assert re.search(r'<html lang="cy"', page)
    assert "Choose your raters" not in page


def test_hr_sees_the_lists_still_waiting_and_can_finalise_one(
        staff_app: Flask, world: dict[str, Any], officer: Any) -> None:
    runner = staff_app.test_cli_runner()
    hr = staff_app.test_client()
    assert sign_in(hr, officer.email, address="192.0.2.13").status_code == 302
    cycle_id = world["subject"].cycle_id
    page = hr.get(f"/hr/cycles/{cycle_id}").get_data(as_text=True)
    assert "1 leader&#39;s list is not final" in page or "1 leader's list is not final" in page
    assert re.search(r"Alex Leader.*Not submitted.*Morgan Boss", page, re.S)
    lists.leader_add_suggestions(world["subject"])
    lists.submit(world["subject"])
    db.session.commit()
    page = hr.get(f"/hr/cycles/{cycle_id}").get_data(as_text=True)
    assert re.search(r"Waiting for the manager(&#39;|')s approval", page)
    waiting = runner.invoke(args=["nominations", "waiting", str(cycle_id)])
    assert "Alex Leader\tsubmitted\tMorgan Boss" in waiting.output
    done = runner.invoke(args=["nominations", "finalise", str(cycle_id), "leader"])
    assert done.exit_code == 0, done.output
    assert "not final" not in hr.get(f"/hr/cycles/{cycle_id}").get_data(as_text=True)


def test_hr_makes_a_list_final_from_the_console(world: dict[str, Any], officer: Any,
                                                staff_app: Flask) -> None:
    hr = staff_app.test_client()
    assert sign_in(hr, officer.email, address="192.0.2.14").status_code == 302
    subject = world["subject"]
    cycle_page = f"/hr/cycles/{subject.cycle_id}"
    raters = f"{cycle_page}/leaders/{subject.id}/raters"
    assert f'href="{raters}"' in hr.get(cycle_page).get_data(as_text=True)  # from the waiting list
    # Nobody nominated yet: refused with the fix named, and the list stays a draft.
    refused = _post(hr, raters, action="finalise")
    assert refused.status_code == 409
    assert "Alex Leader has nobody nominated; nominate raters first" in refused.get_data(
        as_text=True)
    assert lists.state_of(subject).state == ListState.DRAFT
    lists.leader_add_suggestions(subject)
    db.session.commit()
    page = hr.get(raters).get_data(as_text=True)
    assert "Alex Leader has not submitted the list yet." in page
    done = _post(hr, raters, action="finalise")
    assert done.status_code == 302
    page = hr.get(done.headers["Location"]).get_data(as_text=True)
    assert "The list of raters is final" in page and "Make this list final" not in page
    db.session.expire_all()
    assert lists.state_of(subject).state == ListState.APPROVED
    assert "not final" not in hr.get(cycle_page).get_data(as_text=True)
    # The leader can no longer change it.
    with pytest.raises(DomainError, match="Your list is final"):
        lists.leader_add(subject, world["boss"], RaterGroup.MANAGER)
