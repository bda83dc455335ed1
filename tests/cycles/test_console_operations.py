"""The HR console's operations on a cycle: settings, edit while draft, cancel, cohort,
facilitators, extending the closing date, reminding now. Each leaves one audit row."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from service.audit.models import AuditEvent
from service.cycles import operations as cycles
from service.cycles.leaders import add_leaders, assign_facilitator
from service.cycles.models import Cycle, CycleState, Nominator, Subject
from service.db import db
from service.errors import DomainError, InvalidInput
from service.nominations.lists import finalise
from service.nominations.models import Invitation, InvitationStatus, Nomination, RaterGroup
from service.nominations.operations import nominate
from service.outbox.models import OutboxMessage
from service.people.operations import search_people
from service.reports.models import Report, ReportStatus
from service.responses.operations import decline
from service.tasks.jobs import advance_cycles, send_reminders
from tests.factories import draft_cycle, launched_cycle, person, team

RUBRIC = "compassionate-inclusive-leadership"
TODAY = dt.date.today()


def _day(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def _actions() -> list[str]:
    return list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))


def _cli(runner: Any, *args: str, code: int = 0) -> Any:
    result = runner.invoke(args=list(args))
    assert result.exit_code == code, result.output
    return result


def test_settings_are_stored_and_checked_together(app):
    cycle = cycles.create_cycle("Spring", RUBRIC, _day(1), _day(30), reminder_days=[2, 7, 7],
                                auto_close=False, nominated_by="leader_with_manager_approval")
    assert (cycle.nominated_by, cycle.auto_close, cycle.reminder_days) == (
        Nominator.LEADER_WITH_MANAGER_APPROVAL, False, [7, 2])
    problems = [
        (dict(nominated_by="manager"), "nominated_by: must be one of: hr, leader, "
                                       "leader_with_manager_approval"),
        (dict(manager_min=0), "manager_min must be at least 1"),
        (dict(reminder_days=[40]), "reminder days count back from the closing date and must "
                                   "fall inside the cycle: between 1 and 28, not 40"),
        # Past any group's size and past PostgreSQL's integer (it was a 500 there).
        (dict(min_group_size=2**40), "min_group_size: must be at most 1000"),
        (dict(peer_min=10**12), "peer_min: must be at most 1000"),
        (dict(reminder_days=[2**63]), "reminder_days: must be at most 10000"),
    ]
    for settings, message in problems:
        with pytest.raises(InvalidInput) as caught:
            cycles.create_cycle("x", RUBRIC, _day(1), _day(30), **settings)
        assert str(caught.value) == message
    with pytest.raises(InvalidInput, match="a cycle needs a name"):
        cycles.create_cycle("  ", RUBRIC, _day(1), _day(30))


def test_a_draft_is_edited_as_a_whole_and_an_open_cycle_is_not(app, runner):
    cycle = draft_cycle(team())
    db.session.commit()
    _cli(runner, "cycle", "edit", str(cycle.id), "--closes", str(_day(40)), "--min-group-size",
         "4", "--nominated-by", "leader", "--no-auto-close")
    db.session.expire_all()
    assert (cycle.closes_on, cycle.min_group_size, cycle.nominated_by, cycle.auto_close) == (
        _day(40), 4, Nominator.LEADER, False)
    event = db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.action == "cycle.edit")).one()
    assert f"closes_on from {_day(14)} to {_day(40)}" in event.summary
    # The rules see the whole cycle: a new opening date after the existing close is refused.
    bad = _cli(runner, "cycle", "edit", str(cycle.id), "--opens", str(_day(50)), code=1)
    assert "before or when it opens" in bad.output and "\n" not in bad.output.strip()
    with pytest.raises(InvalidInput, match="no such cycle setting: colour"):
        cycles.edit_cycle(cycle, colour="red")
    with pytest.raises(InvalidInput, match="nothing to change"):
        cycles.edit_cycle(cycle, min_group_size=4)
    # Leaders nominate now: launch waits for the leader's list to be final (HR makes it so).
    finalise(cycle.subjects[0])
    cycles.launch(cycle)
    db.session.commit()
    with pytest.raises(DomainError, match=f"cycle {cycle.id} is open; settings can only be "
                                          "changed while it is a draft"):
        cycles.edit_cycle(cycle, name="Renamed")
    assert _actions().count("cycle.edit") == 1


def test_cancelling_deletes_a_draft_and_refuses_a_launched_cycle(app, runner):
    people = team()
    cycle = draft_cycle(people)
    db.session.commit()
    cycle_id = cycle.id
    before = _actions()
    _cli(runner, "cycle", "cancel", str(cycle_id))
    assert _actions() == [*before, "cycle.cancel"]
    db.session.expire_all()
    assert db.session.get(Cycle, cycle_id) is None
    assert db.session.scalar(db.select(db.func.count(Nomination.id))) == 0
    assert db.session.scalar(db.select(db.func.count(Subject.id))) == 0
    launched = draft_cycle(people)
    cycles.launch(launched)
    db.session.commit()
    refused = _cli(runner, "cycle", "cancel", str(launched.id), code=1)
    assert refused.output.strip() == (f"Error: cycle {launched.id} is open; only a draft cycle "
                                      "can be cancelled (close an open one: `feedback360 cycle "
                                      "close`)")


def test_cohort_added_as_one_action_removed_before_launch_only(app, runner):
    people = team()
    other = person("other", "Olive Other", department="Surgery")
    person("under", "Una Under", manager=other, department="Surgery")
    cycle = cycles.create_cycle("Spring", RUBRIC, _day(-1), _day(14))
    cycles.add_subject(cycle, people["leader"])
    before = _actions()
    outcome = add_leaders(cycle, [people["leader"], other], "department Surgery")
    assert [s.person.display_name for s in outcome.added] == ["Olive Other"]
    assert [p.display_name for p in outcome.already] == ["Alex Leader"]
    assert _actions() == [*before, "cycle.add_leaders"]
    db.session.commit()
    # from the CLI, by department, everything below a manager, and from a list
    _cli(runner, "cycle", "remove-leader", str(cycle.id), "other")
    added = _cli(runner, "cycle", "add-cohort", str(cycle.id), "--department", "surgery")
    assert added.output.strip() == "Olive Other"
    assert _actions()[-2:] == ["cycle.remove_leader", "cycle.add_leaders"]
    subject = cycles.find_subject(cycle, other)
    nominate(cycles.find_subject(cycle, people["leader"]), people["leader"], RaterGroup.SELF)
    nominate(subject, other, RaterGroup.SELF)
    cycles.launch(cycle)
    db.session.commit()
    refused = _cli(runner, "cycle", "remove-leader", str(cycle.id), "other", code=1)
    assert "a leader can only be removed before launch" in refused.output
    assert db.session.get(Subject, subject.id) is not None


def test_facilitator_assigned_changed_and_frozen_once_a_report_is_out(app, runner):
    people = team()
    cycle = draft_cycle(people)
    fay = person("fay", "Fay Facilitator")
    db.session.commit()
    _cli(runner, "cycle", "facilitator", str(cycle.id), "leader", "fay")
    subject = cycle.subjects[0]
    db.session.expire_all()
    assert subject.facilitator_id == fay.id
    event = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.summary) == ("cycle.assign_facilitator",
                                             "facilitator of Alex Leader: Fay Facilitator")
    same = _cli(runner, "cycle", "facilitator", str(cycle.id), "leader", "fay", code=1)
    assert "already the facilitator" in same.output
    own = _cli(runner, "cycle", "facilitator", str(cycle.id), "leader", "leader", code=1)
    assert "cannot be their own facilitator" in own.output
    _cli(runner, "cycle", "facilitator", str(cycle.id), "leader", "--none")
    db.session.expire_all()
    assert subject.facilitator_id is None

    db.session.add(Report(subject_id=subject.id, version=1, status=ReportStatus.RELEASED,
                          response_ids=[]))
    db.session.commit()
    with pytest.raises(DomainError, match="already been released"):
        assign_facilitator(subject, fay)


def test_extending_moves_reminders_and_the_automatic_close(app, runner):
    cycle, _, _ = launched_cycle()  # closes in 14 days; reminders 7 and 2 days before
    cycle.reminders_done = [7]  # as if the 7-day reminder had gone
    db.session.commit()
    for bad, message in [(str(_day(10)), "must be later than the current one"),
                         (str(_day(14)), "must be later than the current one")]:
        assert message in _cli(runner, "cycle", "extend", str(cycle.id), "--closes", bad,
                               code=1).output
    with pytest.raises(InvalidInput, match="must be in the future"):
        cycles.extend_closing(cycle, _day(20), today=_day(21))
    queued = db.session.scalars(db.select(OutboxMessage).where(
        OutboxMessage.cycle_id == cycle.id)).all()
    assert len(queued) == 9 and {m.context["closes_on"] for m in queued} == {str(_day(14))}
    _cli(runner, "cycle", "extend", str(cycle.id), "--closes", str(_day(30)))
    db.session.expire_all()
    assert cycle.closes_on == _day(30) and cycle.reminders_done == []
    # The invitations queued at launch and not sent yet give the new date.
    assert {m.context["closes_on"] for m in queued} == {str(_day(30))}
    assert _actions()[-1] == "cycle.extend"
    # the old dates do nothing now; the new ones do
    assert send_reminders(_day(7)) == 0
    assert advance_cycles(_day(15)) == []
    assert send_reminders(_day(23)) == 9
    assert advance_cycles(_day(31)) == [f"closed cycle {cycle.id}"]
    closed = _cli(runner, "cycle", "extend", str(cycle.id), "--closes", str(_day(40)), code=1)
    assert "only an open cycle's closing date can be extended" in closed.output


def test_automatic_close_can_be_switched_off(app):
    cycle, _, _ = launched_cycle(auto_close=False)
    assert advance_cycles(_day(20)) == []
    assert db.session.get(Cycle, cycle.id).state == CycleState.OPEN


def test_remind_now_reaches_only_raters_who_have_not_answered(app, runner):
    cycle, _, people = launched_cycle()
    declined = db.session.scalars(db.select(Invitation).order_by(Invitation.id)).first()
    decline(declined)
    db.session.commit()
    before = db.session.scalar(db.select(db.func.count(OutboxMessage.id)))
    result = _cli(runner, "cycle", "remind", str(cycle.id))
    assert result.output.strip() == "8 reminders queued; the worker sends them"
    reminders = db.session.scalars(db.select(OutboxMessage).where(
        OutboxMessage.template == "reminder")).all()
    assert db.session.scalar(db.select(db.func.count(OutboxMessage.id))) == before + 8
    assert declined.id not in {m.invitation_id for m in reminders}
    assert {m.context["days_left"] for m in reminders} == {14}
    event = db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.action == "cycle.remind")).one()
    names = {p.display_name for p in people["reports"] + people["peers"]}
    assert not any(name in event.summary for name in names)
    assert db.session.get(Invitation, declined.id).status == InvitationStatus.DECLINED
    cycles.close(cycle)
    db.session.commit()
    refused = _cli(runner, "cycle", "remind", str(cycle.id), code=1)
    assert "reminders go only to the raters of an open cycle" in refused.output


def test_people_search_finds_leaders_to_add(app, runner):
    people = team()
    person("pct", "Percy Cent", department="100% Care")
    person("gone", "Peer Gone", active=False)
    found = _cli(runner, "people", "search", "PEER").output.splitlines()
    assert [line.split("\t")[2] for line in found] == [f"Peer Person{i}" for i in range(3)]
    assert [line.split("\t")[2] for line in _cli(runner, "people", "search", "0%").output
            .splitlines()] == ["Percy Cent"]  # % is a character, not a wildcard
    assert "at least two characters" in _cli(runner, "people", "search", "p", code=1).output
    cycle = cycles.create_cycle("Spring", RUBRIC, _day(0), _day(14))
    outcome = add_leaders(cycle, search_people("peer person"), "search 'peer person'")
    assert [s.person for s in outcome.added] == people["peers"]


def test_a_queued_reminder_counts_its_days_from_the_new_closing_date(app):
    cycle, _, _ = launched_cycle()  # closes in 14 days; a reminder 7 days before
    assert send_reminders(_day(7)) == 9
    db.session.commit()
    reminders = db.session.scalars(db.select(OutboxMessage).where(
        OutboxMessage.template == "reminder")).all()
    assert {m.context["days_left"] for m in reminders} == {7}
    cycles.extend_closing(cycle, _day(21), today=_day(7))
    db.session.commit()
    db.session.expire_all()
    assert {(m.context["days_left"], m.context["closes_on"]) for m in reminders} == {
        (14, str(_day(21)))}
