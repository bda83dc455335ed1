"""`feedback360 demo`: one whole cycle on a fresh SQLite database, then the app for a person to try.

Answers go through the same parsing and submit functions as the web form. It leaves a cycle at
each stage a person would want to try — choosing raters, rating, reports released and shared —
and local accounts for a leader, their manager, a facilitator and a mentor to see each."""

from __future__ import annotations

import datetime as dt
import os
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import Flask
from werkzeug.datastructures import MultiDict

from service.app import create_app
from service.config import make_private_dir
from service.cycles import operations as cycles
from service.cycles.models import Cycle, Nominator
from service.db import db
from service.demo.comments import CommentPicker
from service.leaders.overview import released_versions
from service.nominations import lists
from service.nominations.models import Invitation, Nomination, RaterGroup
from service.nominations.operations import nominate, suggest_raters
from service.people.models import Person
from service.people.operations import parse_people_file, upsert_people
from service.reports.operations import hand_over, save_reports
from service.responses.operations import NOT_OBSERVED, decline, parse_rating_form, submit
from service.sharing.models import ShareRole
from service.sharing.operations import share_report
from service.staff.operations import create_account
from service.web.assets import require_assets

SAMPLE_ORG = Path(__file__).resolve().parent / "sample_org.csv"
ORGANISATION = "Afon Valley NHS Trust"
LEADERS = ("emp-0006", "emp-0008", "emp-0009", "emp-0007", "emp-0010", "emp-0012")
LAST_YEAR_LEADERS = LEADERS[:4]
FACILITATORS = ("emp-0038", "emp-0037")  # leadership development facilitators, in turn
HR_OFFICER = "emp-0011"  # the organisational development lead: runs cycles, grants roles
# Who a person signs in as to try the leaders' pages: a leader of this year's cycle, their line
# manager, a director from another directorate as their mentor, and (found from the cycle) the
# leader's facilitator. The manager's other direct report has a list waiting for approval.
LEADER = "emp-0007"  # Kwabena Asante, community mental health team leader
MANAGER = "emp-0002"  # Adaeze Okonkwo, director of nursing
WAITING_LEADER = "emp-0006"  # Siân Prosser, also reporting to the director of nursing
EXTRA_PEERS = ("emp-0008", "emp-0009")  # ward and team leaders who work alongside her
MENTOR = "emp-0004"  # Priya Raghunathan, director of people and culture


def _demo_config(out_dir: Path) -> dict[str, Any]:
    config: dict[str, Any] = {
        "MAIL_BACKEND": "file",
        "MAIL_FILE_DIR": str(out_dir / "mail"),
        "ORGANISATION_NAME": os.environ.get("ORGANISATION_NAME") or ORGANISATION,
        "CONTACT_EMAIL": os.environ.get("CONTACT_EMAIL") or "od.team@afonvalley.example",
    }
    if not os.environ.get("DATABASE_URL"):
        instance = Path(os.environ.get("INSTANCE_PATH") or "instance").resolve()
        database = instance / "demo.sqlite"
        make_private_dir(instance)
        for leftover in [*instance.glob("demo.sqlite*"), *instance.glob("demo-tasks.sqlite*")]:
            leftover.unlink()
        config["DATABASE_URL"] = f"sqlite:///{database}"
        if not os.environ.get("TASK_QUEUE_URL"):  # the embedded queue, fresh like the database
            config["TASK_QUEUE_URL"] = f"sqlite:///{instance / 'demo-tasks.sqlite'}"
    return config


def _run_queue(app: Flask) -> dict[str, int]:
    """What `feedback360 worker` would do: the commit queued work; run the queued tasks here.
    Returns, per task, what it did (emails sent, reports rendered)."""
    huey = app.extensions["huey"]
    done: dict[str, int] = {}
    while (task := huey.dequeue()) is not None:
        done[task.name] = done.get(task.name, 0) + int(huey.execute(task) or 0)
    return done


def _person(directory_id: str) -> Person:
    return db.session.query(Person).filter_by(directory_id=directory_id).one()


def _nominate_suggested(cycle: Cycle, directory_ids: tuple[str, ...],
                        facilitators: tuple[str, ...] = ()) -> None:
    for number, directory_id in enumerate(directory_ids):
        facilitator = _person(facilitators[number % len(facilitators)]) if facilitators else None
        subject = cycles.add_subject(cycle, _person(directory_id), facilitator)
        for person, group in suggest_raters(subject):
            nominate(subject, person, group)


def _add_cohort_peers(cycle: Cycle) -> None:
    """The other leaders of the cohort as peers too (ward and department managers who work
    alongside each other): the org chart alone gives most leaders one peer, too few for the
    peer group to be shown, and the demo is meant to show every part of a report."""
    for subject in cycle.subjects:
        chosen = {n.person_id for n in db.session.query(Nomination).filter_by(
            subject_id=subject.id)}
        for other in cycle.subjects:
            if other.person_id not in chosen and other.person_id != subject.person_id:
                nominate(subject, other.person, RaterGroup.PEER)


def _last_year(app: Flask, rng: random.Random, today: dt.date) -> Cycle:
    """A cycle run, closed and released, then moved a year back: the report's comparison."""
    cycle = cycles.create_cycle("Leadership 360 — last year", "compassionate-inclusive-leadership",
                                today - dt.timedelta(days=21), today + dt.timedelta(days=7))
    _nominate_suggested(cycle, LAST_YEAR_LEADERS)
    tokens = cycles.launch(cycle)
    db.session.commit()
    _answer_invitations(cycle, tokens, rng)
    cycles.close(cycle)
    db.session.commit()
    _run_queue(app)
    cycles.release(cycle)
    cycle.opens_on -= dt.timedelta(days=365)
    cycle.closes_on -= dt.timedelta(days=365)
    db.session.commit()
    _run_queue(app)
    return cycle


def _leaders_choose(today: dt.date) -> Cycle:
    """A draft cycle where leaders choose their raters and managers approve: the leader who
    signs in has not started their list; their manager has a colleague's list to approve."""
    cycle = cycles.create_cycle("Leadership 360 — autumn (leaders choose raters)",
                                "compassionate-inclusive-leadership",
                                today + dt.timedelta(days=14), today + dt.timedelta(days=42),
                                nominated_by=Nominator.LEADER_WITH_MANAGER_APPROVAL)
    cycles.add_subject(cycle, _person(LEADER))
    waiting = cycles.add_subject(cycle, _person(WAITING_LEADER))
    lists.leader_add_suggestions(waiting)
    for peer in EXTRA_PEERS:
        lists.leader_add(waiting, _person(peer), RaterGroup.PEER)
    lists.submit(waiting, accept_short=True)
    return cycle


def _answers_for(rubric: dict[str, Any], leader_bias: dict[str, float], group: str,
                 rng: random.Random, comment: Callable[[str], str],
                 weights: dict[str, float] | None = None,
                 weights_rng: random.Random | None = None) -> MultiDict[str, str]:
    """Plausible answers: a leader profile by section, a group tilt, noise and some gaps; and,
    where the rubric asks it, importance around the leader's role profile (``weights``), drawn
    from a stream of its own so the ratings stay those of earlier demos."""
    tilt = {"self": 0.4, "manager": -0.2, "peer": 0.0, "direct_report": 0.2}.get(group, 0.0)
    top = len(rubric["scale"]["labels"])
    form: MultiDict[str, str] = MultiDict()
    for section in rubric["sections"]:
        base = leader_bias[section["id"]]
        for item in section["items"]:
            if group != "self" and rng.random() < 0.08:
                form[f"item-{item['id']}"] = NOT_OBSERVED
                continue
            value = round(base + tilt + rng.gauss(0, 0.7))
            form[f"item-{item['id']}"] = str(min(top, max(1, value)))
        if rubric.get("importance") and weights and weights_rng and weights_rng.random() < 0.85:
            most = len(rubric["importance"]["labels"])
            level = round(weights[section["id"]] + weights_rng.gauss(0, 0.6))
            form[f"importance-{section['id']}"] = str(min(most, max(1, level)))
    for question in rubric.get("questions", []):
        if rng.random() < 0.6:
            form[f"question-{question['id']}"] = comment(question["id"])
    return form


def _answer_invitations(cycle: Cycle, tokens: dict[int, str], rng: random.Random) -> dict[str, int]:
    rubric = cycle.rubric_snapshot
    profiles = {s.id: {sec["id"]: rng.uniform(2.8, 4.4) for sec in rubric["sections"]}
                for s in cycle.subjects}
    weights_rng = random.Random(f"importance-{cycle.name}")
    roles = {s.id: {sec["id"]: weights_rng.uniform(2.5, 4.8) for sec in rubric["sections"]}
             for s in cycle.subjects}
    counts = {"submitted": 0, "declined": 0, "pending": 0}
    invitations = db.session.query(Invitation).join(Nomination).filter(
        Invitation.id.in_(tokens)).order_by(Invitation.id).all()
    first_peer_answered = False
    comments = CommentPicker(rng)
    for invitation in invitations:
        nomination = invitation.nomination
        group = nomination.group.value
        roll = rng.random()
        # Only one peer of the first leader answers: below the threshold, to show suppression.
        if group == RaterGroup.PEER.value and nomination.subject_id == cycle.subjects[0].id:
            if first_peer_answered:
                counts["pending"] += 1
                continue
            first_peer_answered = True
        elif group not in ("self", "manager") and roll < 0.05:
            decline(invitation)
            counts["declined"] += 1
            continue
        elif group not in ("self", "manager") and roll < 0.10:
            counts["pending"] += 1
            continue
        leader = nomination.subject.person

        def comment(question: str, leader: Person = leader) -> str:
            return comments.pick(leader.id, leader.language, question)

        form = parse_rating_form(rubric, _answers_for(rubric, profiles[nomination.subject_id],
                                                      group, rng, comment,
                                                      roles[nomination.subject_id],
                                                      weights_rng))
        submit(invitation, form)
        counts["submitted"] += 1
    return counts


@click.command("demo")
@click.option("--no-serve", is_flag=True, help="Stop after writing the PDFs.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("out"), show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--seed", default=2026, show_default=True, help="Seed for the sample answers.")
def demo_command(no_serve: bool, out_dir: Path, host: str, port: int, seed: int) -> None:
    """Run a whole feedback cycle on sample data, write the PDFs, then serve the app."""
    from service.migrations.cli import upgrade

    out_dir = out_dir.resolve()
    for stale in [*(out_dir / "mail").glob("*.eml"), *out_dir.glob("cycle*.pdf")]:
        stale.unlink()
    app = create_app(_demo_config(out_dir))
    rng = random.Random(seed)
    today = dt.date.today()
    with app.app_context():
        upgrade()
        counts = upsert_people(parse_people_file(SAMPLE_ORG))
        db.session.commit()
        click.echo(f"1. imported the sample organisation ({counts.created} people)")

        previous = _last_year(app, rng, today)
        click.echo(f"2. ran cycle {previous.id} for {len(previous.subjects)} leaders and moved it "
                   "a year back, so this year's reports show the change")

        cycle = cycles.create_cycle("Leadership 360 — spring", "compassionate-inclusive-leadership",
                                    today - dt.timedelta(days=21), today + dt.timedelta(days=7),
                                    facilitated_release=True)
        _nominate_suggested(cycle, LEADERS, FACILITATORS)
        _add_cohort_peers(cycle)
        tokens = cycles.launch(cycle)
        db.session.commit()
        sent = _run_queue(app).get("relay", 0)
        click.echo(f"3. launched cycle {cycle.id} for {len(cycle.subjects)} leaders: "
                   f"{len(tokens)} invitations, {sent} emails sent through the task queue "
                   f"-> {out_dir / 'mail'}")

        answered = _answer_invitations(cycle, tokens, rng)
        db.session.commit()
        click.echo(f"4. sample answers through the form's code path: {answered}")

        cycles.close(cycle)
        db.session.commit()
        done = _run_queue(app)
        click.echo(f"5. closed the cycle: {done.get('render_report', 0)} reports rendered by the "
                   f"task queue, {done.get('relay', 0)} thank-you emails")

        released = cycles.release(cycle)
        db.session.commit()
        _run_queue(app)
        for subject in cycle.subjects:
            hand_over(subject)
        db.session.commit()
        _run_queue(app)
        paths = save_reports(cycle, out_dir)
        db.session.commit()
        click.echo(f"6. released to {released['to_facilitator']} facilitators, handed over to "
                   f"the leaders after their sessions, and saved {len(paths)} reports:")
        for path in paths:
            click.echo(f"   {path}")

        # A pulse check between full cycles: the short form (16 statements) to try. The leader
        # who signs in is asked too, so /me/asked has a form to open.
        pilot = cycles.create_cycle("Leadership 360 — pulse check (short form)",
                                    "compassionate-inclusive-leadership-short",
                                    today, today + dt.timedelta(days=28))
        _nominate_suggested(pilot, ("emp-0001",))
        nominate(pilot.subjects[0], _person(LEADER), RaterGroup.OTHER)
        links = cycles.launch(pilot)
        db.session.commit()
        _run_queue(app)
        leader = pilot.subjects[0].person.display_name
        click.echo(f"7. an open pulse-check cycle on the short form to try: the personal links "
                   f"of everyone asked about {leader} (their emails are in the mail folder too):")
        for invitation_id, token in links.items():
            nomination = db.session.get(Invitation, invitation_id).nomination
            group = nomination.group.value.replace("_", " ")
            whose = (f"{leader}'s own self-assessment" if nomination.group is RaterGroup.SELF
                     else f"{nomination.person.display_name}'s form, as {group}")
            click.echo(f"   {app.config['BASE_URL']}/r/{token}  ({whose})")

        choosing = _leaders_choose(today)
        db.session.commit()
        _run_queue(app)
        mine, waiting, manager = (_person(LEADER), _person(WAITING_LEADER), _person(MANAGER))
        click.echo(f"8. a draft cycle {choosing.id} where leaders choose their raters and their "
                   f"managers approve: {mine.display_name}'s list is still a draft; "
                   f"{waiting.display_name}'s is submitted and waiting for "
                   f"{manager.display_name}'s approval")

        spring = next(s for s in cycle.subjects if s.person_id == mine.id)
        mentor = _person(MENTOR)
        share_report(spring, mentor, ShareRole.MENTOR, by=mine)
        db.session.commit()
        _run_queue(app)
        click.echo(f"9. {mine.display_name} shared their report from cycle {cycle.id} with "
                   f"{mentor.display_name} as their mentor")

        base = f"http://{host}:{port}"
        pdf = f"/reports/{spring.id}/v{released_versions(spring)[-1].version}.pdf"
        facilitator = spring.facilitator
        assert facilitator is not None
        choosing_mine = next(s for s in choosing.subjects if s.person_id == mine.id)
        accounts = [
            (_person(HR_OFFICER), ("hr", "admin"), "HR officer (roles hr and admin)",
             "/hr", "HR's whole journey in the console", []),
            (mine, (), "leader", "/me", "My feedback: the released report, and sharing it",
             [f"/me/cycles/{choosing_mine.id}/raters  (choose raters in cycle {choosing.id})",
              "/me/asked  (the pulse check they are asked to rate)"]),
            (manager, (), f"{mine.display_name}'s line manager", "/team/approvals",
             f"{waiting.display_name}'s raters to approve or return", []),
            (facilitator, (), f"{mine.display_name}'s facilitator", "/facilitation",
             "Leaders you facilitate: their reports, the session record and the hand-over",
             [f"{pdf}  (the PDF of {mine.display_name}'s report)"]),
            (mentor, (), f"{mine.display_name}'s mentor", "/shared",
             "Reports shared with me", []),
        ]
        click.echo(f"10. sign in at {base}/sign-in as any of these (local accounts; each "
                   "password is generated for this demo database and shown only here):")
        for person, roles, who, path, what, then in accounts:
            password = create_account(person, roles)
            click.echo(f"   {who}: {person.display_name}")
            click.echo(f"      email:     {person.email}")
            click.echo(f"      password:  {password}")
            click.echo(f"      try first: {base}{path}  ({what})")
            for more in then:
                click.echo(f"      then:      {base}{more}")
        db.session.commit()
    if no_serve:
        return
    require_assets(app)
    click.echo(f"serving on http://{host}:{port}  (Ctrl+C to stop)")
    app.run(host=host, port=port, debug=False, use_reloader=False)
