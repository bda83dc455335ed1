"""Mail through a cycle, end to end over a real SMTP server: reminders, thanks, reports ready,
HR's view of failures, resend and reissue, the rate limit, and the SMTP guard itself."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter

import pytest
from sqlalchemy import select

from service.cycles import operations as cycles
from service.db import db
from service.nominations.models import Invitation, InvitationStatus, Nomination
from service.nominations.tokens import hash_token
from service.outbox.models import OutboxMessage, OutboxStatus
from service.outbox.operations import Pacer, relay_outbox
from service.people.models import Person
from service.reports.operations import current_report, hand_over
from service.responses.operations import decline
from service.tasks.jobs import advance_cycles, relay_until_done, render_report, send_reminders
from tests.factories import draft_cycle, launched_cycle, person, team
from tests.smtp_server import SMTPServer
from tests.web.helpers import post_form


@pytest.fixture
def smtp():
    with SMTPServer() as server:
        yield server


@pytest.fixture
def smtp_app(make_app, smtp):
    app = make_app(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port,
                   MAIL_FROM="od@test.example")
    with app.app_context():
        yield app


@pytest.fixture
def runner(smtp_app):
    return smtp_app.test_cli_runner()


@pytest.fixture
def client(smtp_app):
    return smtp_app.test_client()


def _received(smtp, subject_start: str) -> list:
    return [m for m in smtp.inbox.messages if m["Subject"].strip().startswith(subject_start)]


def _link(message) -> str:
    return re.search(r"http://feedback\.test(/r/[A-Za-z0-9_-]{43})",
                     message.get_body(("plain",)).get_content()).group(1)


def _invitation_of(email: str) -> Invitation:
    return db.session.scalar(select(Invitation).join(Nomination).join(Person).where(
        Person.email == email))


def test_reminders_go_only_to_those_who_have_not_answered(smtp_app, smtp, client):
    cycle, _, people = launched_cycle()
    relay_until_done()
    answered, declined = people["reports"][0], people["reports"][1]
    _invitation_of(answered.email).status = InvitationStatus.SUBMITTED
    decline(_invitation_of(declined.email))
    db.session.commit()

    seven_days_before = cycle.closes_on - dt.timedelta(days=7)
    assert send_reminders(seven_days_before - dt.timedelta(days=1)) == 0  # not yet due
    assert send_reminders(seven_days_before) == 7
    assert send_reminders(seven_days_before) == 0  # once per reminder day
    relay_until_done()
    reminders = _received(smtp, "Reminder:")
    assert len(reminders) == 7
    recipients = {m["To"] for m in reminders}
    assert answered.email not in recipients and declined.email not in recipients
    # Same link as the invitation, which still works.
    boss = people["boss"].email
    invitation_link = _link(next(m for m in smtp.inbox.messages if m["To"] == boss
                                 and not m["Subject"].startswith("Reminder")))
    reminder_link = _link(next(m for m in reminders if m["To"] == boss))
    assert reminder_link == invitation_link
    assert client.get(reminder_link).status_code == 200
    assert "7 days left" in reminders[0].get_body(("plain",)).get_content()


def test_a_reminder_queued_before_an_answer_is_not_sent(smtp_app, smtp):
    cycle, _, people = launched_cycle()
    relay_until_done()
    assert send_reminders(cycle.closes_on - dt.timedelta(days=2)) == 9
    decline(_invitation_of(people["peers"][0].email))  # between queueing and sending
    db.session.commit()
    relay_until_done()
    assert len(_received(smtp, "Reminder:")) == 8
    skipped = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.status == OutboxStatus.SKIPPED))
    assert "answered or declined" in skipped.last_error
    # Sent and skipped messages to raters forget whom they were for: a list of who was still
    # pending at some moment would tell, later, who answered late.
    rows = db.session.scalars(select(OutboxMessage)).all()
    assert {(m.recipient, m.invitation_id, str(m.context)) for m in rows} == {("", None, "{}")}


def test_reminder_days_already_past_at_launch_are_not_sent(smtp_app, smtp):
    today = dt.date.today()
    cycle, _, _ = launched_cycle()  # closes in 14 days: both reminders still ahead
    assert cycle.reminders_done == []
    late = cycles.create_cycle("Short", "compassionate-inclusive-leadership",
                               today - dt.timedelta(days=10), today + dt.timedelta(days=5))
    assert late.reminder_days == [7, 2]
    cycles.add_subject(late, person("x", "Xavier Lead"))
    from service.nominations.models import RaterGroup
    from service.nominations.operations import nominate
    nominate(late.subjects[0], late.subjects[0].person, RaterGroup.SELF)
    cycles.launch(late)
    assert late.reminders_done == [7]
    db.session.commit()
    assert send_reminders(today) == 0


def test_closing_thanks_each_rater_once_and_release_tells_facilitator_then_leader(
        smtp_app, smtp):
    cycle, _, people = launched_cycle(facilitated_release=True)
    facilitator = person("facil", "Ffion Facilitator", language="cy")
    cycle.subjects[0].facilitator = facilitator
    for rater in people["reports"][:3]:
        _invitation_of(rater.email).status = InvitationStatus.SUBMITTED
    db.session.commit()
    relay_until_done()
    smtp.inbox.messages.clear()

    cycles.close(cycle)
    db.session.commit()
    relay_until_done()
    thanks = _received(smtp, "Thank you:")
    assert sorted(m["To"] for m in thanks) == sorted(p.email for p in people["reports"][:3])
    assert "Alex Leader" in thanks[0].get_body(("plain",)).get_content()
    assert db.session.scalar(select(db.func.count()).where(
        Invitation.sealed_token.is_not(None))) == 0  # links forgotten at close

    subject = cycle.subjects[0]
    assert render_report(current_report(subject).id)  # what the worker does after the close
    cycles.release(cycle)
    db.session.commit()
    relay_until_done()
    hand_over(subject)  # after the facilitated session
    db.session.commit()
    relay_until_done()
    ready = [(m["To"], m["Subject"].strip()) for m in smtp.inbox.messages  # unfolded header
             if m not in thanks]
    assert ready == [
        (facilitator.email, "Mae adroddiad arweinyddiaeth 360 Alex Leader yn barod ar gyfer eich "
                            "sesiwn"),
        (people["leader"].email, "Your leadership 360 report is ready"),
    ]


def test_hr_sees_failures_fixes_the_address_and_resends(smtp_app, smtp, runner):
    cycle, _, people = launched_cycle()
    boss = people["boss"]
    smtp.inbox.refuse[boss.email] = "550 5.1.1 No such user here"
    relay_until_done()
    status = runner.invoke(args=["cycle", "status", str(cycle.id)])
    assert "email: pending 0, sent 8, failed 1, skipped 0" in status.output
    assert (f"failed: invitation to {boss.email} after 0 attempts: 550 5.1.1 No such user here"
            in status.output)

    boss.email = "morgan.boss@test.example"  # fixed in the directory, synced
    db.session.commit()
    result = runner.invoke(args=["invitation", "resend", str(cycle.id), "--all-failed"])
    assert result.exit_code == 0 and "1 invitation email(s) queued again" in result.output
    relay_until_done()
    arrived = [m for m in smtp.inbox.messages if m["To"] == "morgan.boss@test.example"]
    assert len(arrived) == 1 and "Alex Leader" in arrived[0]["Subject"]
    # Resolved: no longer listed as a failure, and not sent a third time.
    status = runner.invoke(args=["cycle", "status", str(cycle.id)])
    assert "email: pending 0, sent 9, failed 0, skipped 1" in status.output
    assert "failed:" not in status.output
    again = runner.invoke(args=["invitation", "resend", str(cycle.id), "--all-failed"])
    assert "0 invitation email(s) queued again" in again.output
    replaced = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.status == OutboxStatus.SKIPPED))
    assert replaced.last_error == ("replaced by a new invitation email; it had failed: "
                                   "550 5.1.1 No such user here")


def test_hr_sees_mail_waiting_for_a_retry_with_the_reason(smtp_app, smtp, runner):
    cycle, _, people = launched_cycle()
    smtp.inbox.refuse[people["peers"][0].email] = "451 4.7.1 Greylisted, try again later"
    relay_until_done()
    status = runner.invoke(args=["cycle", "status", str(cycle.id), "--json"])
    problems = json.loads(status.output)["email_problems"]
    assert [(p["status"], p["recipient"], p["attempts"], p["reason"]) for p in problems] == [
        ("pending", people["peers"][0].email, 1, "451 4.7.1 Greylisted, try again later")]
    assert problems[0]["next_attempt_at"] is not None
    text = runner.invoke(args=["cycle", "status", str(cycle.id)]).output
    assert "email: pending 1, sent 8, failed 0, skipped 0" in text
    assert (f"pending: invitation to {people['peers'][0].email} after 1 attempts, next try "
            f"{problems[0]['next_attempt_at']}: 451 4.7.1 Greylisted") in text


def test_resending_a_link_that_is_still_queued_sends_one_email(smtp_app, smtp, runner):
    cycle, _, people = launched_cycle()
    rater = people["reports"][2]
    result = runner.invoke(args=["invitation", "reissue", str(cycle.id), "--leader",
                                 people["leader"].email, "--rater", rater.email])
    assert result.exit_code == 0, result.output
    relay_until_done()
    received = [m for m in smtp.inbox.messages if m["To"] == rater.email]
    assert len(received) == 1  # the first email, not yet sent, was replaced
    assert hash_token(_link(received[0]).removeprefix("/r/")) == _invitation_of(
        rater.email).token_hash


def test_reissue_stops_the_old_link_and_sends_a_new_one(smtp_app, smtp, runner, client):
    cycle, _, people = launched_cycle()
    relay_until_done()
    rater = people["peers"][1]
    old = _link(next(m for m in smtp.inbox.messages if m["To"] == rater.email))
    assert post_form(client, old, {"question-strengths": "Kind."}, "save").status_code == 302
    assert _invitation_of(rater.email).draft is not None
    result = runner.invoke(args=["invitation", "reissue", str(cycle.id), "--leader",
                                 people["leader"].directory_id, "--rater", rater.email])
    assert result.exit_code == 0, result.output
    relay_until_done()
    mails = [m for m in smtp.inbox.messages if m["To"] == rater.email]
    assert len(mails) == 2
    new = _link(mails[1])
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    assert _invitation_of(rater.email).token_hash == hash_token(new.removeprefix("/r/"))
    assert _invitation_of(rater.email).draft is None  # sealed with the lost link: gone with it
    assert "Kind.</textarea>" not in client.get(new).get_data(as_text=True)

    decline(_invitation_of(rater.email))
    db.session.commit()
    refused = runner.invoke(args=["invitation", "reissue", str(cycle.id), "--leader",
                                  people["leader"].directory_id, "--rater", rater.email])
    assert refused.exit_code == 1 and "already been used or declined" in refused.output


def test_language_follows_the_directory_else_the_cycle(smtp_app, smtp):
    people = team()
    people["reports"][1].language = "en"  # the directory says English
    cycle = draft_cycle(people, language="cy")
    cycles.launch(cycle)
    db.session.commit()
    relay_until_done()
    subjects = {m["To"]: m["Subject"] for m in smtp.inbox.messages}
    assert people["reports"][0].language is None  # no preferredLanguage: the cycle's Welsh
    assert subjects[people["reports"][0].email].startswith("Rhowch adborth")
    assert subjects[people["reports"][1].email].startswith("Please give feedback")


def test_the_rate_limit_spaces_messages_out():
    clock = [100.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += seconds

    pacer = Pacer(120, clock=lambda: clock[0], sleep=sleep)  # one every half second
    for _ in range(5):
        pacer.wait()
        clock[0] += 0.1  # sending takes 0.1 s
    assert waits == pytest.approx([0.4, 0.4, 0.4, 0.4])
    unlimited = Pacer(0, clock=lambda: clock[0], sleep=sleep)
    unlimited.wait()
    unlimited.wait()
    assert len(waits) == 4


def test_a_cycle_closes_on_its_date_and_a_scheduled_one_launches(smtp_app, smtp):
    cycle, _, _ = launched_cycle()
    assert advance_cycles(cycle.closes_on) == []  # the closing day itself is still open
    assert advance_cycles(cycle.closes_on + dt.timedelta(days=1)) == [f"closed cycle {cycle.id}"]
    assert cycle.state.value == "closed"

    today = dt.date.today()
    scheduled = cycles.create_cycle("Autumn", "compassionate-inclusive-leadership",
                                    today + dt.timedelta(days=1), today + dt.timedelta(days=20),
                                    auto_launch=True)
    empty = cycles.create_cycle("Empty", "compassionate-inclusive-leadership",
                                today, today + dt.timedelta(days=20), auto_launch=True)
    subject = cycles.add_subject(scheduled, person("y", "Yvonne Lead"))
    from service.nominations.models import RaterGroup
    from service.nominations.operations import nominate
    nominate(subject, subject.person, RaterGroup.SELF)
    db.session.commit()
    assert advance_cycles(today) == []  # Empty has nobody nominated: left for HR, not crashed
    assert advance_cycles(today + dt.timedelta(days=1)) == [f"launched cycle {scheduled.id}"]
    assert empty.state.value == "draft"
    relay_until_done()
    assert [m["To"] for m in smtp.inbox.messages if "self-assessment" in m["Subject"]] == [
        "y@test.example"]


def test_a_test_that_reaches_smtp_without_a_server_fails(make_app):
    app = make_app(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=2525)
    with app.app_context():
        launched_cycle()
        with pytest.raises(pytest.fail.Exception, match="without a test SMTP server"):
            relay_outbox()


def test_outage_during_launch_then_every_invitation_arrives_once(make_app, smtp):
    from tests.smtp_server import free_port

    app = make_app(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
    with app.app_context():
        launched_cycle()
        assert relay_until_done(budget=5) == 0
        app.config["SMTP_PORT"] = smtp.port  # back up; the retry time comes
        db.session.execute(OutboxMessage.__table__.update().values(
            next_attempt_at=dt.datetime(2000, 1, 1)))
        db.session.commit()
        assert relay_until_done() == 9
    counts = Counter(m["To"] for m in smtp.inbox.messages)
    assert len(counts) == 9 and set(counts.values()) == {1}



def test_thanks_tell_each_group_the_truth_and_never_thank_a_leader_for_themselves(
        smtp_app, smtp):
    cycle, _, people = launched_cycle()
    leader, boss, peer = people["leader"], people["boss"], people["peers"][0]
    for rater in (leader, boss, peer):
        _invitation_of(rater.email).status = InvitationStatus.SUBMITTED
    db.session.commit()
    relay_until_done()
    smtp.inbox.messages.clear()

    cycles.close(cycle)
    db.session.commit()
    relay_until_done()
    thanks = {m["To"]: " ".join(m.get_body(("plain",)).get_content().split())
              for m in _received(smtp, "Thank you:")}
    assert sorted(thanks) == sorted([boss.email, peer.email])  # no self thank-you
    assert "As the manager of Alex Leader, your answers are shown in the report under " \
           "“Manager”, so they are not anonymous." in thanks[boss.email]
    assert "at least 3 people" not in thanks[boss.email]
    assert "only when at least 3 people of that group have answered" in thanks[peer.email]
    assert "not anonymous" not in thanks[peer.email]
    # Once sent, the rows forget whom they thanked, and about whom.
    rows = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.template == "cycle_closed")).all()
    assert len(rows) == 2
    assert {(m.recipient, str(m.context), m.invitation_id) for m in rows} == {("", "{}", None)}


def test_message_ids_are_in_the_senders_domain_and_the_same_on_every_attempt(smtp_app, smtp):
    from service.outbox.operations import message_id

    launched_cycle()
    first = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    before = {m.id: message_id(m) for m in first}
    relay_until_done()
    received = {m["Message-ID"] for m in smtp.inbox.messages}
    assert received == set(before.values()) and len(received) == len(first)
    assert all(re.fullmatch(r"<[0-9a-f]{32}@test\.example>", mid) for mid in received)
    for row in first:  # the id does not depend on when or how often the row was tried
        db.session.refresh(row)
        assert message_id(row) == before[row.id]


def test_a_sender_that_is_not_an_address_is_refused_with_the_fix(make_app):
    with pytest.raises(ValueError, match=r"MAIL_FROM 'feedback360' is not an address.*e\.g\."):
        make_app(MAIL_FROM="feedback360")
    app = make_app(MAIL_FROM='"Leadership 360" <od@trust.example>')
    assert app.config["MAIL_FROM"] == '"Leadership 360" <od@trust.example>'


def test_a_reminder_to_someone_with_a_saved_draft_says_it_is_deleted_if_not_sent(
        smtp_app, smtp, client):
    cycle, tokens, people = launched_cycle()
    relay_until_done()
    boss = _invitation_of(people["boss"].email)
    first = cycle.rubric_snapshot["sections"][0]["items"][0]["id"]
    post_form(client, f"/r/{tokens[boss.id]}", {f"item-{first}": "3"}, "save")
    assert send_reminders(cycle.closes_on - dt.timedelta(days=7)) == len(tokens)
    relay_until_done()
    reminders = {m["To"]: m for m in _received(smtp, "Reminder:")}
    deadline = f"{cycle.closes_on.day} {cycle.closes_on:%B %Y}"
    for part in ("plain", "html"):
        drafted = " ".join(reminders[people["boss"].email].get_body((part,)).get_content().split())
        assert "You have saved answers that you have not sent yet" in drafted
        assert "they are deleted when the feedback closes" in drafted and deadline in drafted
        other = reminders[people["reports"][0].email].get_body((part,)).get_content()
        assert "You have saved answers" not in other
