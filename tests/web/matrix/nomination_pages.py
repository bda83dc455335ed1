"""Leaders choose their raters, line managers approve (service/nominations/views.py).

`prepare` gives the world two draft cycles with leaders nominating under their manager's
approval: in `nominating` the leader's list is a draft (theirs to change); in `approving` it is
submitted (their manager's to act on), and one of the leader's own direct reports is a leader
there too, so the leader is also "a manager of someone else". A list that is not the asker's
is a 404 that says nothing about it; anonymous people and a rater link are sent to sign in."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from service.cycles import operations as cycles
from service.cycles.models import Nominator
from service.db import db
from service.nominations import lists
from service.nominations.models import Nomination, RaterGroup
from service.people.models import Person
from tests.web.matrix import Route, World, everyone


def prepare(world: World) -> None:
    leader = db.session.scalar(select(Person).where(Person.email == world.emails["leader"]))
    today = dt.date.today()
    made = {}
    for name in ("nominating", "approving"):
        cycle = cycles.create_cycle(f"Leaders nominate ({name})",
                                    "compassionate-inclusive-leadership",
                                    today + dt.timedelta(days=5), today + dt.timedelta(days=30),
                                    nominated_by=Nominator.LEADER_WITH_MANAGER_APPROVAL)
        made[name] = cycles.add_subject(cycle, leader)
    approving = made["approving"]
    lists.leader_add_suggestions(approving)
    lists.submit(approving)
    report = db.session.scalar(select(Person).where(Person.manager_id == leader.id)
                               .order_by(Person.id))
    reports_subject = cycles.add_subject(approving.cycle, report)
    lists.leader_add(reports_subject, report, RaterGroup.SELF)
    lists.submit(reports_subject, accept_short=True)
    world.extra.update(nominating=made["nominating"].id, approving=approving.id,
                       reports_subject=reports_subject.id)


def _leader_only(ok: int) -> dict[str, int]:
    return everyone(404, none=302, rater=302, leader=ok)


def _manager_only(ok: int) -> dict[str, int]:
    return everyone(404, none=302, rater=302, manager=ok)


def _raters(w: World) -> str:
    return f"/me/cycles/{w.extra['nominating']}/raters"


def _approval(w: World) -> str:
    return f"/team/approvals/{w.extra['approving']}"


def _remove_first(w: World) -> dict[str, Any]:
    nomination = db.session.scalar(select(Nomination.id).where(
        Nomination.subject_id == w.extra["approving"], Nomination.group == RaterGroup.PEER))
    return {"action": "remove", "nomination": nomination}


ROUTES = [
    Route("nominating.raters", "GET", _raters, _leader_only(200)),
    Route("nominating.raters", "POST", _raters, _leader_only(303),
          data=lambda w: {"action": "suggest"}),
    Route("nominating.submit", "GET", lambda w: _raters(w) + "/submit", _leader_only(200)),
    # The leader's empty list cannot be submitted (400, naming the fix); others see nothing.
    Route("nominating.submit", "POST", lambda w: _raters(w) + "/submit", _leader_only(400)),
    # Everyone signed in has a team page (empty unless someone reports to them).
    Route("nominating.approvals", "GET", lambda w: "/team/approvals",
          everyone(200, none=302, rater=302)),
    Route("nominating.approval", "GET", _approval, _manager_only(200)),
    Route("nominating.approval", "POST", _approval, _manager_only(303), data=_remove_first),
]
