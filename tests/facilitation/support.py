"""Reports for the facilitator's and the leader's pages, made cheaply: a closed cycle whose
report version row is written directly (a stand-in PDF, the real responses' ids), so the pages'
rules are tested without rendering. tests/reports renders real ones."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from service.cycles import operations as cycles
from service.cycles.models import Cycle, CycleState, Subject
from service.db import db, utcnow
from service.nominations.models import RaterGroup
from service.people.models import Person
from service.reports.models import Report, ReportStatus
from service.responses.models import Response
from tests.staff_fixtures import PASSWORD

FAKE_PDF = b"%PDF-1.7 stand-in for a rendered report\n%%EOF\n"


def closed_cycle_for(leader: Person, facilitator: Person | None, rubric: dict[str, Any],
                     status: ReportStatus = ReportStatus.WITH_FACILITATOR,
                     name: str = "Closed cycle") -> Subject:
    """A closed cycle with one subject (``leader``) and one report version in ``status``,
    built on no responses (a report of nothing shown is still a report)."""
    today = dt.date.today()
    cycle = cycles.create_cycle(name, "compassionate-inclusive-leadership",
                                today - dt.timedelta(days=30), today - dt.timedelta(days=2),
                                facilitated_release=True)
    subject = cycles.add_subject(cycle, leader)
    subject.facilitator = facilitator
    _close(cycle, rubric)
    add_version(subject, status)
    return subject


def _close(cycle: Cycle, rubric: dict[str, Any]) -> None:
    cycle.rubric_snapshot = rubric
    cycle.state = CycleState.CLOSED
    cycle.closed_at = utcnow()
    db.session.flush()


def close_with_version(cycle: Cycle, status: ReportStatus) -> Report:
    """Close a launched cycle by hand (no render queued) and give its first subject a version
    counting every response."""
    from service.responses.holding import move_held

    cycle.state = CycleState.CLOSED
    cycle.closed_at = utcnow()
    move_held(cycle, first_close=True)
    return add_version(cycle.subjects[0], status)


def add_version(subject: Subject, status: ReportStatus) -> Report:
    ids = sorted(str(r) for r in db.session.scalars(
        select(Response.id).where(Response.subject_id == subject.id)))
    version = 1 + len(list(db.session.scalars(
        select(Report.id).where(Report.subject_id == subject.id))))
    now = utcnow()
    report = Report(subject=subject, version=version, status=status, response_ids=ids,
                    held_back=0, pdf=FAKE_PDF, pages=1, rendered_at=now, renderer=None,
                    facilitator_released_at=now if status.seen else None,
                    released_at=now if status == ReportStatus.RELEASED else None)
    db.session.add(report)
    db.session.flush()
    return report


GROUP_VALUES = {RaterGroup.SELF: "5", RaterGroup.MANAGER: "2", RaterGroup.DIRECT_REPORT: "4",
                RaterGroup.PEER: "1"}


def client_for(app: Any, person: Person, roles: tuple[str, ...] = (),
               address: str = "192.0.2.1") -> Any:
    """A test client signed in through the real sign-in page as ``person`` (an account is
    made for them)."""
    from service.staff.operations import create_account
    from tests.staff_fixtures import sign_in

    create_account(person, roles, PASSWORD)
    db.session.commit()
    client = app.test_client()
    assert sign_in(client, person.email, address=address).status_code == 302
    return client


def answered_cycle(status: ReportStatus) -> tuple[Subject, dict[str, Any]]:
    """A launched, facilitated cycle with answers from every group (self rates higher than
    everyone else: blind spots), closed by hand, its leader's report version in ``status``."""
    from tests.factories import launched_cycle, person
    from tests.reports.test_release import answer

    cycle, _tokens, people = launched_cycle(facilitated_release=True)
    subject = cycle.subjects[0]
    people["facilitator"] = subject.facilitator = person("facil", "Fay Facilitator")
    for group, count in ((RaterGroup.SELF, 1), (RaterGroup.MANAGER, 1),
                         (RaterGroup.DIRECT_REPORT, 4), (RaterGroup.PEER, 3)):
        answer(cycle, group, count, GROUP_VALUES[group])
    close_with_version(cycle, status)
    db.session.commit()
    return subject, people
