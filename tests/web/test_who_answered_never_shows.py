"""Nothing anyone can open, and no email to anyone but the rater themselves, tells which rater
answered.

Two worlds are built the same way and differ only in *which* direct reports answered (the same
answers, the same number) and which peer declined. Every page the authorisation matrix lists,
asked by every role it answers 200 to, and every email to someone other than those raters, must
read the same in both: a name, a status, an order or a count that depended on who answered
would differ. Asked while the cycle is open and again after it closed and was released."""

from __future__ import annotations

import io
import re
import shutil
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select, text
from werkzeug.datastructures import MultiDict

from service.cycles import operations as cycles
from service.cycles.models import Cycle, Subject
from service.db import db
from service.nominations.models import Invitation, Nomination
from service.people.models import Person
from service.responses.operations import decline, parse_rating_form, submit
from tests.reports.test_release import run_queue
from tests.web.matrix import ROLES, World
from tests.web.test_authorisation_matrix import ROUTES, build_world, client_as
from tests.web.test_authorisation_matrix import matrix_app as matrix_app  # the fixture

#: Which of the leader's four direct reports answer, and which of the three peers declines.
ANSWERED = {"first": (0, 1, 2), "second": (3, 1, 2)}
DECLINED = {"first": 1, "second": 2}
SKIP = ("static", "assets.")  # files, the same for everyone
#: What legitimately differs between two builds of the same world: one-time values.
VOLATILE = [
    (re.compile(r'name="csrf_token" value="[^"]+"'), 'name="csrf_token" value=""'),
    (re.compile(r"/r/[A-Za-z0-9_-]{20,}"), "/r/TOKEN"),
    (re.compile(r"/verify/[A-Za-z0-9_-]{43}"), "/verify/TOKEN"),  # an evidence pack's link
    (re.compile(r"\b\d{1,2}:\d{2}(:\d{2})?( ?[ap]m)?\b"), "HH:MM"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "UUID"),
    (re.compile(r'nonce="[^"]+"'), 'nonce=""'),
    (re.compile(r"whsec_[^…\s<]{1,8}…"), "whsec_…"),  # a webhook secret's first letters
]


def _normal(body: str) -> str:
    for pattern, replacement in VOLATILE:
        body = pattern.sub(replacement, body)
    return body


def _invitation(subject: Subject, person: Person) -> Invitation:
    return db.session.scalars(select(Invitation).join(Nomination).where(
        Nomination.subject_id == subject.id, Nomination.person_id == person.id)).one()


def _answer(world: World, which: str) -> set[str]:
    """The chosen raters answer (all the same answers) or decline; returns their emails."""
    subject = db.session.get(Subject, world.subject_id)
    cycle = subject.cycle
    group = {n.person.directory_id: n.person for n in db.session.scalars(
        select(Nomination).where(Nomination.subject_id == subject.id))}
    reports = [group[f"report{i}"] for i in range(4)]
    rubric = cycle.rubric_snapshot
    items = [item["id"] for section in rubric["sections"] for item in section["items"]]
    form = MultiDict({f"item-{item}": str(1 + n % 5) for n, item in enumerate(items)})
    for index in ANSWERED[which]:
        submit(_invitation(subject, reports[index]), parse_rating_form(rubric, form))
    peer = group[f"peer{DECLINED[which]}"]
    decline(_invitation(subject, peer))
    db.session.commit()
    return {p.email for p in reports} | {group[f"peer{i}"].email for i in range(3)}


def _pages(clients: dict[str, Any], world: World) -> dict[tuple[str, str], Any]:
    seen: dict[tuple[str, str], Any] = {}
    for role, client in clients.items():
        for route in ROUTES:
            if route.method != "GET" or route.expect[role] != 200 or \
                    route.endpoint.startswith(SKIP):
                continue
            seen[(role, route.endpoint)] = _get(client, route.url(world))
    # The varied leader's own report, as their facilitator has it once released (the matrix's
    # report routes are about another cycle's report).
    facilitator = clients["facilitator"]
    seen[("facilitator", "leader page")] = _get(facilitator, f"/facilitation/{world.subject_id}")
    seen[("facilitator", "report")] = _get(facilitator,
                                           f"/facilitation/{world.subject_id}/reports/1.pdf")
    return seen


def _get(client: Any, url: str) -> tuple[int, str]:
    """The status and the text (a PDF's extracted text: its bytes hold the time it was made)."""
    reply = client.get(url)  # after the close, a rater's link is gone: 410
    assert reply.status_code < 500, (url, reply.status_code)
    if reply.mimetype == "application/pdf":
        if b"stand-in" in reply.data[:64]:  # a test's stand-in, not a rendered report
            return reply.status_code, reply.data.decode()
        pages = PdfReader(io.BytesIO(reply.data)).pages
        return reply.status_code, _normal(" ".join(page.extract_text() for page in pages))
    return reply.status_code, _normal(reply.get_data(as_text=True))


def _emails(app: Flask, raters: set[str]) -> tuple[list[tuple[str, ...]], list[str]]:
    """The emails sent so far (the queue run first): those to anyone but the raters whose
    answering differs, as (to, subject, text), sorted; and the addresses of those to them."""
    run_queue(app)
    others, theirs = [], []
    for path in Path(app.config["MAIL_FILE_DIR"]).glob("*.eml"):
        mail = message_from_bytes(path.read_bytes(), policy=policy.default)
        if mail["To"] in raters:
            theirs.append(f"{mail['To']}: {mail['Subject']}")
        else:
            body = mail.get_body(("plain",)).get_content()
            others.append((mail["To"], mail["Subject"], _normal(body)))
    return sorted(others), sorted(theirs)


def _close_and_release(app: Flask, world: World) -> None:
    cycle = db.session.get(Cycle, world.cycle_id)
    cycles.close(cycle)
    db.session.commit()
    run_queue(app)
    cycles.release(db.session.get(Cycle, world.cycle_id))
    db.session.commit()
    run_queue(app)


def _start_again() -> None:
    """Empty every table and restart the ids, so the second world gets the first one's ids."""
    db.session.remove()
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{table.name}"' for table in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())
            if connection.execute(text("SELECT name FROM sqlite_master "
                                       "WHERE name = 'sqlite_sequence'")).first():
                connection.execute(text("DELETE FROM sqlite_sequence"))


def _run(app: Flask, which: str) -> dict[str, Any]:
    world = build_world()
    raters = _answer(world, which)
    clients = {role: client_as(app, role, world) for role in ROLES}
    found: dict[str, Any] = {"open mail": _emails(app, raters)[0],
                             "open": _pages(clients, world)}
    _close_and_release(app, world)
    found["released"] = _pages(clients, world)
    found["mail"], found["raters' mail"] = _emails(app, raters)
    return found


def test_no_page_or_email_tells_which_rater_answered(matrix_app: Flask) -> None:
    mail = Path(matrix_app.config["MAIL_FILE_DIR"])
    shutil.rmtree(mail, ignore_errors=True)
    _start_again()  # ids from 1 in both worlds (earlier tests moved PostgreSQL's sequences on)
    first = _run(matrix_app, "first")
    _start_again()
    shutil.rmtree(mail)
    second = _run(matrix_app, "second")
    for stage in ("open", "released"):
        assert len(first[stage]) > 100  # the sweep really covered the pages
        differ = sorted(key for key in first[stage] if first[stage][key] != second[stage][key])
        assert differ == [], f"{stage}: pages that depend on who answered: {differ}"
    status, report = first["released"][("facilitator", "report")]
    assert status == 200 and "Alex Leader" in report and "Direct reports" in report
    assert len(first["mail"]) > 5  # the leader's, the manager's, the facilitator's...
    assert first["open mail"] == second["open mail"]
    assert first["mail"] == second["mail"]
    # The worlds did differ, and only the raters themselves could tell: the thanks at the
    # close went to report0 in the first world and to report3 in the second.
    thanked = [{line.split(":")[0] for line in world["raters' mail"]
                if "Test cycle has closed" in line} for world in (first, second)]
    assert thanked[0] - thanked[1] == {"report0@test.example"}
    assert thanked[1] - thanked[0] == {"report3@test.example"}
