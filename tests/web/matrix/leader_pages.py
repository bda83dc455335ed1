"""The leader's pages (My feedback, progress, their report and its sharing), the PDF download,
the appraisal evidence pack (the leader's, and the public verification page) and "Reports
shared with me". `prepare` gives the leader a second cycle, closed and released, whose report
is shared with ``mentor`` and was shared with ``former_mentor`` until withdrawn, with an
evidence pack issued.

A page about someone else's subject, or a share that is not active, answers 404 (refused and
missing look the same); anonymous people and rater links are sent to sign in (302)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from service.db import db
from service.evidence.operations import issue_pack
from service.people.models import Person
from service.sharing.models import ShareRole
from service.sharing.operations import share_report, withdraw_share
from tests.leaders.support import released, released_report
from tests.web.matrix import Route, World, everyone, signed_in


def _person(world: World, role: str) -> Person:
    return db.session.scalars(select(Person).where(Person.email == world.emails[role])).one()


def prepare(world: World) -> None:
    leader = _person(world, "leader")
    reports = list(db.session.scalars(select(Person).where(Person.manager_id == leader.id)
                                      .order_by(Person.id)))
    subject = released_report(leader, _person(world, "manager"), reports)
    share_report(subject, _person(world, "mentor"), ShareRole.MENTOR, leader)
    gone = share_report(subject, _person(world, "former_mentor"), ShareRole.MENTOR, leader)
    withdraw_share(gone)
    mine = share_report(subject, _person(world, "facilitator"), ShareRole.APPRAISER, leader)
    pack, token = issue_pack(subject, by=leader)
    db.session.flush()
    world.extra.update(released_subject_id=subject.id, version=released(subject).version,
                       share_id=mine.id, former_id=_person(world, "former_mentor").id,
                       pack_id=pack.id, pack_token=token)


def _leader_only(ok: int = 200) -> dict[str, int]:
    return everyone(404, none=302, rater=302, leader=ok)


def _subject(path: str) -> Any:
    return lambda w: f"/me/cycles/{w.extra['released_subject_id']}{path}"


def _subject_pack(tail: str) -> Any:
    return lambda w: (f"/me/cycles/{w.extra['released_subject_id']}/evidence/"
                      f"{w.extra['pack_id']}{tail}")


def _share_again(w: World) -> dict[str, Any]:
    return {"person": w.extra["former_id"], "role": "mentor"}


ROUTES = [
    Route("leaders.mine", "GET", lambda w: "/me", signed_in()),
    Route("leaders.progress", "GET", lambda w: f"/me/cycles/{w.subject_id}/progress",
          _leader_only()),
    Route("leaders.report", "GET", _subject("/report?q=Mentor"), _leader_only()),
    Route("leaders.share", "POST", _subject("/shares"), _leader_only(303), data=_share_again),
    Route("leaders.withdraw", "POST",
          lambda w: f"/me/cycles/{w.extra['released_subject_id']}/shares/"
                    f"{w.extra['share_id']}/withdraw", _leader_only(303)),
    Route("leaders.share_with_appraisal", "POST", _subject("/appraisal"), _leader_only(303),
          data=lambda w: {"also": "comments"}),
    Route("leaders.withdraw_from_appraisal", "POST", _subject("/appraisal/withdraw"),
          _leader_only(303)),
    Route("leaders.pdf", "GET",
          lambda w: f"/reports/{w.extra['released_subject_id']}/v{w.extra['version']}.pdf",
          {**_leader_only(), "mentor": 200, "facilitator": 200}),
    Route("evidence.issue", "POST", _subject("/evidence"), _leader_only(303),
          data=lambda w: {"scores": "yes"}),
    Route("evidence.withdraw", "POST", _subject_pack("/withdraw"), _leader_only(303)),
    Route("evidence.pdf", "GET", _subject_pack(".pdf"), _leader_only()),
    Route("evidence.json_record", "GET", _subject_pack(".json"), _leader_only()),
    # public: whoever holds the printed link, signed in or not
    Route("evidence.verify", "GET", lambda w: f"/verify/{w.extra['pack_token']}",
          everyone(200)),
    Route("shared.reports", "GET", lambda w: "/shared", signed_in()),
    Route("shared.report", "GET", lambda w: f"/shared/{w.extra['released_subject_id']}",
          everyone(404, none=302, rater=302, mentor=200, facilitator=200)),
]
