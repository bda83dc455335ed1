"""Leaders nominate, managers approve: the operations of service/nominations/lists.py, each
with its audit row, its emails and its refusals."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from service.audit.models import AuditEvent
from service.cycles import operations as cycles
from service.cycles.models import CycleState, Nominator
from service.db import db
from service.errors import DomainError, InvalidInput
from service.nominations import lists
from service.nominations.models import ListState, Nomination, RaterGroup
from service.outbox.models import OutboxMessage
from tests import factories
from tests.nominations.conftest import leader_cycle


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def _mail() -> list[tuple[str, str, str]]:
    return [(m.template, m.recipient, m.context.get("outcome", ""))
            for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def _full_list(world: dict[str, Any]) -> None:
    subject = world["subject"]
    outcome = lists.leader_add_suggestions(subject)
    assert outcome.total == 1 + 1 + 4 + 3 and outcome.skipped == []


def test_a_leader_submits_the_manager_approves_and_both_are_told(world: dict[str, Any]) -> None:
    subject, boss, leader = world["subject"], world["boss"], world["leader"]
    _full_list(world)
    assert lists.state_of(subject).state == ListState.DRAFT
    state = lists.submit(subject)
    assert state.state == ListState.SUBMITTED
    assert _mail() == [("nominations_to_approve", boss.email, "")]
    assert [w.leader for w in lists.waiting_lists(subject.cycle)] == ["Alex Leader"]
    lists.approve(subject, boss)
    assert lists.state_of(subject).state == ListState.APPROVED
    assert lists.waiting_lists(subject.cycle) == []
    assert _mail()[1:] == [("nominations_decided", leader.email, "approved"),
                           ("nominations_decided", boss.email, "approved")]
    assert _actions()[-3:] == ["nomination.suggested", "nomination.submit", "nomination.approve"]


def test_a_manager_who_changes_the_list_must_say_why(world: dict[str, Any]) -> None:
    subject, boss = world["subject"], world["boss"]
    _full_list(world)
    lists.submit(subject)
    peer = db.session.scalar(select(Nomination).where(
        Nomination.subject_id == subject.id, Nomination.group == RaterGroup.PEER))
    lists.manager_remove(subject, boss, peer)
    outsider = factories.person("outsider", "Olwen Outsider")
    lists.manager_add(subject, boss, outsider, RaterGroup.OTHER)
    with pytest.raises(InvalidInput, match="write a note"):
        lists.approve(subject, boss, "  ")
    lists.approve(subject, boss, "Olwen chairs the board you report to.")
    assert lists.state_of(subject).note == "Olwen chairs the board you report to."
    leader_mail = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.recipient == world["leader"].email)).one()
    assert leader_mail.context["note"] == "Olwen chairs the board you report to."
    assert _actions().count("nomination.add") == 1 and _actions().count("nomination.remove") == 1


def test_a_returned_list_goes_back_to_the_leader_with_the_note(world: dict[str, Any]) -> None:
    subject, boss = world["subject"], world["boss"]
    _full_list(world)
    lists.submit(subject)
    with pytest.raises(InvalidInput, match="saying what to change"):
        lists.return_list(subject, boss, "")
    lists.return_list(subject, boss, "Add two peers from the ward.")
    assert lists.state_of(subject).state == ListState.RETURNED
    other = factories.person("ward1", "Wyn Ward")
    lists.leader_add(subject, other, RaterGroup.PEER)  # editable again
    assert lists.submit(subject).state == ListState.SUBMITTED


def test_nobody_but_the_line_manager_may_act(world: dict[str, Any]) -> None:
    subject = world["subject"]
    _full_list(world)
    lists.submit(subject)
    for stranger in (world["peers"][0], world["reports"][0], world["leader"]):
        with pytest.raises(lists.NotYours):
            lists.approve(subject, stranger)
        with pytest.raises(lists.NotYours):
            lists.subject_for_manager(stranger, subject.id)
    with pytest.raises(lists.NotYours):
        lists.subject_of_leader(world["boss"], subject.id)
    world["boss"].active = False
    with pytest.raises(lists.NotYours):
        lists.approve(subject, world["boss"])


def test_a_submitted_or_final_list_is_not_the_leaders_to_change(world: dict[str, Any]) -> None:
    subject = world["subject"]
    _full_list(world)
    lists.submit(subject)
    with pytest.raises(DomainError, match="with your manager"):
        lists.leader_add(subject, factories.person("x1", "Xan X"), RaterGroup.OTHER)
    lists.approve(subject, world["boss"])
    nomination = db.session.scalars(select(Nomination)).first()
    with pytest.raises(DomainError, match="final"):
        lists.leader_remove(subject, nomination)
    with pytest.raises(DomainError, match="not waiting"):
        lists.manager_remove(subject, world["boss"], nomination)


def test_a_short_list_needs_the_warning_step(world: dict[str, Any]) -> None:
    subject = world["subject"]
    with pytest.raises(InvalidInput, match="empty"):
        lists.submit(subject)
    lists.leader_add(subject, world["leader"], RaterGroup.SELF)
    lists.leader_add(subject, world["peers"][0], RaterGroup.PEER)
    with pytest.raises(lists.ShortList):
        lists.submit(subject)
    assert lists.submit(subject, accept_short=True).state == ListState.SUBMITTED


def test_where_the_leader_alone_nominates_submitting_is_final(staff_app: Any) -> None:
    people = factories.team()
    subject = leader_cycle(people, Nominator.LEADER)
    lists.leader_add_suggestions(subject)
    assert lists.submit(subject).state == ListState.APPROVED
    assert _mail() == []
    with pytest.raises(lists.NotYours):  # no manager pages for this cycle
        lists.subject_for_manager(people["boss"], subject.id)


def test_nobody_is_asked_more_than_the_limit(world: dict[str, Any], staff_app: Any) -> None:
    staff_app.config["RATER_REQUEST_LIMIT"] = 2
    busy = world["peers"][0]
    drafts = []
    for n in range(2):  # two other leaders' cycles ask the same peer
        other = factories.person(f"lead{n}", f"Lee Lead{n}")
        drafts.append(leader_cycle({"leader": other}))
        lists.leader_add(drafts[-1], busy, RaterGroup.PEER)
    with pytest.raises(DomainError, match=r"already been asked to give feedback 2 times.*"
                                          r"Choose someone else"):
        lists.leader_add(world["subject"], busy, RaterGroup.PEER)
    outcome = lists.leader_add_suggestions(world["subject"])
    assert [s.split(" (")[0] for s in outcome.skipped] == ["Peer Person0"]
    drafts[0].cycle.state = CycleState.CLOSED  # a closed cycle's requests no longer count
    lists.leader_add(world["subject"], busy, RaterGroup.PEER)


def test_launch_waits_for_every_list_and_hr_can_finalise(world: dict[str, Any]) -> None:
    subject = world["subject"]
    _full_list(world)
    with pytest.raises(DomainError, match="not final yet: Alex Leader"):
        cycles.launch(subject.cycle)
    lists.finalise(subject)
    assert lists.waiting_lists(subject.cycle) == []
    assert _actions()[-1] == "nomination.finalise"
    cycles.launch(subject.cycle)
    assert subject.cycle.state == CycleState.OPEN
    with pytest.raises(DomainError, match="launched"):
        lists.leader_add(subject, factories.person("late", "Lat Late"), RaterGroup.OTHER)
