"""A leader's released report, made cheaply through the real operations: a cycle launched,
answered by every rater, closed and released, with a stand-in PDF instead of a render (the
pages read the responses, not the PDF; tests/reports covers rendering)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from service.cycles import operations as cycles
from service.cycles.models import Subject
from service.db import db
from service.nominations.models import Invitation, InvitationStatus, Nomination, RaterGroup
from service.nominations.operations import nominate
from service.people.models import Person
from service.reports.models import Report, ReportStatus
from service.reports.operations import current_report
from service.responses.operations import parse_rating_form, submit

FAKE_PDF = b"%PDF-1.7\n% a stand-in for a rendered report\n%%EOF\n"
SCORES = {RaterGroup.SELF: "5", RaterGroup.MANAGER: "3", RaterGroup.DIRECT_REPORT: "4",
          RaterGroup.PEER: "2"}


def released_report(leader: Person, boss: Person, reports: list[Person],
                    name: str = "Spring leadership 360", peers: list[Person] = (),
                    comment: str | None = None) -> Subject:
    """A second cycle for ``leader``, closed and released, with its first version RELEASED;
    direct reports answer with the statement's position varied so strengths and areas
    differ; ``peers`` answer too (fewer than three: a group the report does not show), and
    every direct report writes ``comment`` if given. The caller commits."""
    today = dt.date.today()
    cycle = cycles.create_cycle(name, "compassionate-inclusive-leadership",
                                today - dt.timedelta(days=1), today + dt.timedelta(days=14))
    subject = cycles.add_subject(cycle, leader)
    nominate(subject, leader, RaterGroup.SELF)
    nominate(subject, boss, RaterGroup.MANAGER)
    for person in reports:
        nominate(subject, person, RaterGroup.DIRECT_REPORT)
    for person in peers:
        nominate(subject, person, RaterGroup.PEER)
    cycles.launch(cycle)
    rubric = cycle.rubric_snapshot
    items = [item["id"] for section in rubric["sections"] for item in section["items"]]
    for invitation in db.session.scalars(
            select(Invitation).join(Nomination).where(
                Nomination.subject_id == subject.id,
                Invitation.status == InvitationStatus.PENDING).order_by(Invitation.id)):
        group = invitation.nomination.group
        form: MultiDict[str, Any] = MultiDict({
            f"item-{item}": (str(1 + (n % 5)) if group == RaterGroup.DIRECT_REPORT
                             else SCORES[group]) for n, item in enumerate(items)})
        if comment and group == RaterGroup.DIRECT_REPORT:
            form["question-strengths"] = comment
        if rubric.get("importance"):  # optional: everyone says how important the first is
            form[f"importance-{rubric['sections'][0]['id']}"] = "5"
        submit(invitation, parse_rating_form(rubric, form))
    cycles.close(cycle)
    report = current_report(subject)
    assert report is not None
    report.status, report.pdf, report.pages = ReportStatus.READY, FAKE_PDF, 1
    cycles.release(cycle)
    db.session.flush()
    return subject


def released(subject: Subject) -> Report:
    return db.session.scalars(select(Report).where(
        Report.subject_id == subject.id, Report.status == ReportStatus.RELEASED)).one()
