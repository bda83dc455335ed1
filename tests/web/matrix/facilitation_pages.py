"""The facilitator's pages (/facilitation) and the leader's action plan and session record
(/me/cycles/<id>/...). `prepare` adds two closed cycles for the leader, both with the
facilitator assigned: one whose report is with the facilitator (`with_facilitator`), one whose
report was released to the leader (`released`, with a saved plan and its PDF).

Only the assigned facilitator opens the facilitation pages of a leader, and only the leader and
those `may_open_report` lets open the released report (the facilitator) read the plan; only the
leader writes it or reads the session record. Everyone else is told the page does not exist
(404), HR and admin included; people not signed in are sent to sign in."""

from __future__ import annotations

import datetime as dt
from typing import Any

from service.cycles.models import Cycle, Subject
from service.db import db
from service.facilitation.operations import record_session
from service.plans.models import ActionPlan
from service.reports.models import ReportStatus
from tests.facilitation.support import FAKE_PDF, closed_cycle_for
from tests.web.matrix import Route, World, everyone, signed_in


def prepare(world: World) -> None:
    subject = db.session.get(Subject, world.subject_id)
    rubric = db.session.get(Cycle, world.cycle_id).rubric_snapshot
    held = closed_cycle_for(subject.person, subject.facilitator, rubric,
                            ReportStatus.WITH_FACILITATOR, "Facilitated cycle")
    released = closed_cycle_for(subject.person, subject.facilitator, rubric,
                                ReportStatus.RELEASED, "Released cycle")
    record_session(released, dt.date.today(), "Private notes", subject.facilitator)
    db.session.add(ActionPlan(subject=released, focus=[], actions="Listen more", support="",
                              revision=1, pdf=FAKE_PDF, pdf_revision=1))
    world.extra["with_facilitator"] = held.id
    world.extra["released"] = released.id


def only(role: str, ok: int = 200) -> dict[str, int]:
    """Signed in as ``role``: ``ok``; anyone else signed in: 404; not signed in: 302."""
    return {**everyone(404, none=302, rater=302), role: ok}


def _held(path: str = "") -> Any:
    return lambda w: f"/facilitation/{w.extra['with_facilitator']}{path}"


def _mine(path: str) -> Any:
    return lambda w: f"/me/cycles/{w.extra['released']}{path}"


def _session(w: World) -> dict[str, Any]:
    return {"held_on-day": "1", "held_on-month": "1", "held_on-year": "2025", "notes": "Notes"}


def _plan(w: World) -> dict[str, Any]:
    return {"actions": "Ask before advising", "part": "actions"}


ROUTES = [
    Route("facilitation.index", "GET", lambda w: "/facilitation", signed_in()),
    Route("facilitation.leader", "GET", _held(), only("facilitator")),
    Route("facilitation.report_pdf", "GET", _held("/reports/1.pdf"), only("facilitator")),
    Route("facilitation.record_session", "POST", _held("/session"), only("facilitator", 303),
          data=_session),
    Route("facilitation.hand_over", "GET", _held("/hand-over"), only("facilitator")),
    Route("facilitation.hand_over", "POST", _held("/hand-over"), only("facilitator", 303)),
    Route("plans.plan", "GET", _mine("/plan"), {**only("leader"), "facilitator": 200}),
    Route("plans.save", "POST", _mine("/plan"), only("leader", 303), data=_plan),
    Route("plans.request_pdf", "POST", _mine("/plan/pdf"), only("leader", 303)),
    Route("plans.plan_pdf", "GET", _mine("/plan/report.pdf"),
          {**only("leader"), "facilitator": 200}),
    Route("plans.session", "GET", _mine("/session"), only("leader")),
]
