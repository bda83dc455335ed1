import datetime as dt
import re

import pytest

from service.cycles import operations as cycles
from service.cycles.models import CycleState
from service.db import db
from service.errors import DomainError, InvalidInput
from service.nominations.models import Invitation, Nomination, RaterGroup
from service.nominations.operations import nominate, suggest_raters
from service.nominations.tokens import hash_token
from service.outbox.models import OutboxMessage
from tests.factories import draft_cycle, launched_cycle, person, team


def test_launch_freezes_rubric_and_queues_one_email_per_invitation(app):
    cycle, tokens, _ = launched_cycle()
    assert cycle.state == CycleState.OPEN
    assert cycle.rubric_snapshot["id"] == "compassionate-inclusive-leadership"
    assert cycle.rubric_version == 3
    invitations = db.session.scalars(db.select(Invitation)).all()
    assert len(invitations) == len(tokens) == 9
    for invitation in invitations:
        token = tokens[invitation.id]
        assert len(token) >= 43  # 256 bits in URL-safe base64
        assert invitation.token_hash == hash_token(token)
        assert token not in invitation.token_hash
    messages = db.session.scalars(db.select(OutboxMessage)).all()
    assert sorted(m.invitation_id for m in messages) == sorted(tokens)
    # The token exists in the database only sealed, never in clear.
    for message in messages:
        assert all(token not in str(message.context) for token in tokens.values())
        assert all(token not in (message.sealed or "") for token in tokens.values())


def test_each_invitation_email_carries_what_its_template_needs(app):
    """The database builds these rows at launch (JSON built in SQL): same keys, same types."""
    people = team(size_reports=1, size_peers=0)
    people["reports"][0].language = "cy"
    cycle = draft_cycle(people, language="en")
    cycles.launch(cycle)
    db.session.commit()
    rows = {m.recipient: m for m in db.session.scalars(db.select(OutboxMessage))}
    base = {"cycle_name": "Test cycle", "closes_on": cycle.closes_on.isoformat(),
            "organisation": "Test Valley NHS Trust", "contact": "od@test.example",
            "min_group_size": 3, "leader_name": "Alex Leader"}
    assert {r: (m.template, m.language, m.status.value, m.attempts, m.cycle_id)
            for r, m in rows.items()} == {
        "leader@test.example": ("invitation", "en", "pending", 0, cycle.id),
        "boss@test.example": ("invitation", "en", "pending", 0, cycle.id),
        "report0@test.example": ("invitation", "cy", "pending", 0, cycle.id)}
    assert rows["leader@test.example"].context == {
        **base, "rater_name": "Alex Leader", "is_self": True, "group": "self",
        "has_draft": False}
    assert rows["report0@test.example"].context == {
        **base, "rater_name": "Report Person0", "is_self": False, "group": "direct_report",
        "has_draft": False}
    invitation = db.session.get(Invitation, rows["boss@test.example"].invitation_id)
    assert invitation.nomination.person.email == "boss@test.example"


def test_frozen_rubric_does_not_follow_later_file_edits(app, tmp_path):
    cycle, _, _ = launched_cycle()
    frozen = cycle.rubric_snapshot
    app.config["RUBRICS_DIR"] = str(tmp_path)  # the file "disappears" or changes
    db.session.expire_all()
    assert db.session.get(type(cycle), cycle.id).rubric_snapshot == frozen


def test_launch_is_all_or_nothing(app):
    people = team()
    cycle = draft_cycle(people)
    lonely = person("lonely", "Lonely Leader")
    cycles.add_subject(cycle, lonely)
    db.session.commit()
    with pytest.raises(DomainError, match=r"nobody nominated to rate them: Lonely Leader"):
        cycles.launch(cycle)
    db.session.rollback()
    assert db.session.get(type(cycle), cycle.id).state == CycleState.DRAFT
    assert db.session.scalar(db.select(db.func.count(Invitation.id))) == 0
    assert db.session.scalar(db.select(db.func.count(OutboxMessage.id))) == 0


@pytest.mark.parametrize(("start", "target", "message"), [
    (CycleState.DRAFT, CycleState.CLOSED, "is draft: it can move to open, not closed"),
    (CycleState.DRAFT, CycleState.RELEASED, "is draft: it can move to open, not released"),
    (CycleState.OPEN, CycleState.RELEASED, "is open: it can move to closed, not released"),
    (CycleState.RELEASED, CycleState.CLOSED, "is released: it can move to open, not closed"),
])
def test_wrong_state_changes_are_refused_with_the_allowed_ones(app, start, target, message):
    cycle = draft_cycle(team())
    cycle.state = start
    with pytest.raises(DomainError, match=message):
        cycles.transition(cycle, target)
    assert cycle.state == start


def test_cli_state_change_refused_with_one_line(app, runner):
    cycle = draft_cycle(team())
    db.session.commit()
    result = runner.invoke(args=["cycle", "release", str(cycle.id)])
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: cycle {cycle.id} is draft: it can move to open, not released")


def test_cycle_dates_and_threshold_are_checked(app):
    today = dt.date.today()
    with pytest.raises(InvalidInput, match=r"closes .* before or when it opens"):
        cycles.create_cycle("x", "compassionate-inclusive-leadership", today, today)
    with pytest.raises(InvalidInput, match="min_group_size must be at least 2"):
        cycles.create_cycle("x", "compassionate-inclusive-leadership", today,
                            today + dt.timedelta(days=1), min_group_size=1)


def test_nomination_rules(app):
    people = team()
    cycle = draft_cycle(people)
    subject = cycle.subjects[0]
    with pytest.raises(DomainError, match="already nominated for Alex Leader"):
        nominate(subject, people["reports"][0], RaterGroup.PEER)
    with pytest.raises(InvalidInput, match="only rate themselves as 'self'"):
        nominate(subject, people["reports"][0], RaterGroup.SELF)
    broken = person("noemail", "No Email", email="")
    with pytest.raises(InvalidInput, match="No Email has no email address in the directory"):
        nominate(subject, broken, RaterGroup.OTHER)
    for address, reason in [("nobody.example.org", "must have an @-sign"),
                            ("two@@example.org", "invalid characters: '@'"),
                            ("trailing@example.org.", "cannot end with a period"),
                            ("spaced name@example.org", "invalid character")]:
        bad = person(f"bad-{address}", "Bad Address", email=address)
        with pytest.raises(InvalidInput, match=f"Bad Address's email address '{address}' is "
                           f"not valid .*{re.escape(reason)}"):
            nominate(subject, bad, RaterGroup.OTHER)


def test_nominating_in_an_open_cycle_sends_an_invitation(app):
    cycle, tokens, _ = launched_cycle()
    late = person("late", "Late Colleague")
    nominate(cycle.subjects[0], late, RaterGroup.OTHER)
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(Invitation.id))) == len(tokens) + 1
    assert db.session.scalar(db.select(db.func.count(OutboxMessage.id)).where(
        OutboxMessage.recipient == late.email)) == 1


def test_suggested_raters_follow_the_org_chart(app):
    people = team(size_reports=2, size_peers=2)
    cycle = cycles.create_cycle("c", "compassionate-inclusive-leadership", dt.date.today(),
                                dt.date.today() + dt.timedelta(days=3))
    subject = cycles.add_subject(cycle, people["leader"])
    groups = {(p.directory_id, g.value) for p, g in suggest_raters(subject)}
    assert groups == {("leader", "self"), ("boss", "manager"), ("report0", "direct_report"),
                      ("report1", "direct_report"), ("peer0", "peer"), ("peer1", "peer")}


def test_cli_flow_create_add_launch_status(app, runner):
    team()
    db.session.commit()
    today = dt.date.today()
    result = runner.invoke(args=["cycle", "create", "--name", "Spring", "--opens",
                                 str(today), "--closes", str(today + dt.timedelta(days=10))])
    assert result.exit_code == 0, result.output
    cycle_id = result.output.split()[2]
    result = runner.invoke(args=["cycle", "add-leader", cycle_id, "leader", "--suggest-raters"])
    assert "added Alex Leader with 9 raters" in result.output, result.output
    result = runner.invoke(args=["cycle", "launch", cycle_id])
    assert "9 invitations queued" in result.output, result.output
    result = runner.invoke(args=["cycle", "status", cycle_id])
    assert "Alex Leader: submitted 0, pending 9, declined 0" in result.output


def test_a_cycle_past_its_closing_date_cannot_launch(app):
    cycle = draft_cycle(team())
    cycle.closes_on = dt.date.today() - dt.timedelta(days=1)
    with pytest.raises(DomainError, match="which has passed; its links would not work"):
        cycles.launch(cycle)


def test_closing_forgets_unsent_drafts(app):
    cycle, _, _ = launched_cycle()
    for invitation in db.session.scalars(db.select(Invitation)):
        invitation.draft = b"sealed draft"
    db.session.commit()
    cycles.close(cycle)
    db.session.commit()
    db.session.expire_all()
    assert {i.draft for i in db.session.scalars(db.select(Invitation))} == {None}
    assert db.session.execute(db.text(
        "SELECT count(*) FROM invitations WHERE draft IS NOT NULL")).scalar() == 0


def test_cli_reports_bad_addresses_and_duplicates_when_nominating(app, runner):
    people = team(size_reports=2, size_peers=1)
    people["reports"][1].email = "report1.example.org"  # no @: the directory has it wrong
    people["peers"][0].email = ""
    cycle = cycles.create_cycle("c", "compassionate-inclusive-leadership", dt.date.today(),
                                dt.date.today() + dt.timedelta(days=10))
    db.session.commit()
    result = runner.invoke(args=["cycle", "add-leader", str(cycle.id), "leader",
                                 "--suggest-raters"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "added Alex Leader with 3 raters; not nominated: Report Person1 (Report Person1's "
        "email address 'report1.example.org' is not valid (An email address must have an "
        "@-sign.); correct it in the directory and sync (or import) again); Peer Person0 "
        "(Peer Person0 has no email address in the directory; add one there and sync (or "
        "import) again)")
    duplicate = runner.invoke(args=["cycle", "nominate", str(cycle.id), "leader", "report0",
                                    "peer"])
    assert duplicate.exit_code == 1
    assert duplicate.output.strip() == (
        "Error: Report Person0 is already nominated for Alex Leader (as direct report)")
    bad = runner.invoke(args=["cycle", "nominate", str(cycle.id), "leader", "report1",
                              "other"])
    assert bad.exit_code == 1 and "'report1.example.org' is not valid" in bad.output
    assert db.session.scalar(db.select(db.func.count(Nomination.id))) == 3
