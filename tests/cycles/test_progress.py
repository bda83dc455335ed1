"""The progress read model: counts per leader and group only, the groups at risk, email
problems in words, and a number of queries that does not grow with the number of leaders."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import event, select
from werkzeug.datastructures import MultiDict

from service.cycles import operations as cycles
from service.cycles.models import Cycle
from service.cycles.progress import AT_RISK, CANNOT_REACH, SHOWN, cycle_progress, group_outlook
from service.db import db
from service.nominations.models import Invitation, InvitationStatus, Nomination, RaterGroup
from service.nominations.operations import nominate
from service.outbox.models import OutboxMessage, OutboxStatus
from service.responses.operations import decline, parse_rating_form, submit
from tests.factories import launched_cycle, person


def _answer(cycle: Cycle, invitation: Invitation) -> None:
    rubric = cycle.rubric_snapshot
    form = MultiDict({f"item-{i['id']}": "4" for s in rubric["sections"] for i in s["items"]})
    submit(invitation, parse_rating_form(rubric, form))


def _pending(group: RaterGroup) -> list[Invitation]:
    return list(db.session.scalars(
        select(Invitation).join(Nomination)
        .where(Nomination.group == group, Invitation.status == InvitationStatus.PENDING)
        .order_by(Invitation.id)))


def test_outlook_rules():
    assert group_outlook(responded=3, pending=0, threshold=3) == SHOWN
    assert group_outlook(responded=1, pending=2, threshold=3) == AT_RISK
    assert group_outlook(responded=1, pending=1, threshold=3) == CANNOT_REACH


def test_counts_risks_and_email_problems_without_naming_a_rater(app, runner):
    cycle, _, people = launched_cycle()  # self, manager, 4 direct reports, 3 peers
    reports = _pending(RaterGroup.DIRECT_REPORT)
    for invitation in reports[:3]:
        _answer(cycle, invitation)
    peers = _pending(RaterGroup.PEER)
    decline(peers[0])
    decline(peers[1])
    _answer(cycle, peers[2])
    failed = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.invitation_id == reports[3].id)).one()
    failed.status, failed.last_error = OutboxStatus.FAILED, "550 <report3@test.example> unknown"
    db.session.commit()

    progress = cycle_progress(cycle, today=cycle.closes_on - dt.timedelta(days=4))
    assert (progress["invited"], progress["responded"], progress["declined"],
            progress["days_left"]) == (9, 4, 2, 4)
    (leader,) = progress["leaders"]
    assert {g["group"]: (g["invited"], g["responded"], g["declined"], g["pending"],
                         g["threshold"], g["outlook"]) for g in leader["groups"]} == {
        "self": (1, 0, 0, 1, 1, AT_RISK),
        "manager": (1, 0, 0, 1, 1, AT_RISK),
        "direct_report": (4, 3, 0, 1, 3, SHOWN),
        "peer": (3, 1, 2, 0, 3, CANNOT_REACH),
    }
    assert leader["at_risk"] == ["self", "manager"]
    assert leader["cannot_reach"] == ["peer"]
    assert leader["email_problems"] == [
        "1 invitation email could not be delivered; check the raters' addresses in the "
        "directory, then resend the failed invitations"]
    # Nothing in it names a rater or quotes an address.
    text = json.dumps(progress)
    raters = people["reports"] + people["peers"] + [people["boss"]]
    assert not any(p.display_name in text or p.email in text for p in raters)

    shown = runner.invoke(args=["cycle", "progress", str(cycle.id)])
    assert shown.exit_code == 0, shown.output
    assert "  peer: 1 of 3 (needs 3), 2 declined -- cannot reach its threshold" in shown.output


def _cycle_of(leaders: int) -> Cycle:
    today = dt.date.today()
    cycle = cycles.create_cycle(f"{leaders} leaders", "compassionate-inclusive-leadership",
                                today, today + dt.timedelta(days=14))
    for n in range(leaders):
        leader = person(f"l{leaders}-{n}", f"Leader {n}")
        subject = cycles.add_subject(cycle, leader)
        nominate(subject, leader, RaterGroup.SELF)
        for g, group in enumerate((RaterGroup.PEER, RaterGroup.PEER, RaterGroup.OTHER)):
            nominate(subject, person(f"r{leaders}-{n}-{g}", f"Rater {n} {g}"), group)
    cycles.launch(cycle)
    db.session.flush()
    invitations = db.session.scalars(select(Invitation).join(Nomination).join(
        Nomination.subject).where(Nomination.subject.has(cycle_id=cycle.id))
        .order_by(Invitation.id)).all()
    for invitation in invitations[::3]:
        decline(invitation)
    message = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.cycle_id == cycle.id).order_by(OutboxMessage.id)).first()
    message.status, message.last_error = OutboxStatus.FAILED, "550 no such user"
    db.session.commit()
    return cycle


def _statements(cycle_id: int) -> tuple[int, dict[str, Any]]:
    db.session.expire_all()
    cycle = db.session.get(Cycle, cycle_id)
    cycle.closes_on  # noqa: B018 -- loaded before counting
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        progress = cycle_progress(cycle)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen), progress


def test_the_number_of_queries_does_not_grow_with_the_leaders(app):
    small, large = _cycle_of(3), _cycle_of(30)
    small_count, small_progress = _statements(small.id)
    large_count, large_progress = _statements(large.id)
    assert len(small_progress["leaders"]) == 3 and len(large_progress["leaders"]) == 30
    assert large_progress["invited"] == 120
    assert large_progress["declined"] == 40
    assert small_count == large_count == 4  # with the cycle's own rater groups, once
