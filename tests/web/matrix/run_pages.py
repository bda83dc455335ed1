"""The running half of the HR console (progress to hand-over), the people pages and the audit
log: HR only. Actions are asked in a world where the open cycle has just launched: close and
the reminder work; release and hand-over are refused (409) as nothing is ready; the sync is
refused (409) as the matrix's app has no directory; an import without a file is a 400."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from service.db import db
from service.nominations.models import Invitation, Nomination
from tests.web.matrix import Route, World, hr_only


def _later(w: World) -> dict[str, Any]:
    later = dt.date.today() + dt.timedelta(days=60)
    return {"closes_on-day": later.day, "closes_on-month": later.month,
            "closes_on-year": later.year}


def _rater(w: World) -> dict[str, Any]:
    invitation = db.session.scalar(select(Invitation.id).join(Nomination).where(
        Nomination.subject_id == w.subject_id).order_by(Invitation.id))
    return {"rater": invitation, "how": "resend"}


def _cycle(path: str) -> Any:
    return lambda w: f"/hr/cycles/{w.cycle_id}{path}"


ROUTES = [
    Route("running.progress", "GET", _cycle("/progress"), hr_only()),
    Route("running.remind", "GET", _cycle("/remind"), hr_only()),
    Route("running.remind", "POST", _cycle("/remind"), hr_only(303)),
    Route("running.extend", "GET", _cycle("/extend"), hr_only()),
    Route("running.extend", "POST", _cycle("/extend"), hr_only(303), data=_later),
    Route("running.link", "GET", lambda w: f"/hr/cycles/{w.cycle_id}/leaders/{w.subject_id}/link",
          hr_only()),
    Route("running.link", "POST",
          lambda w: f"/hr/cycles/{w.cycle_id}/leaders/{w.subject_id}/link", hr_only(303),
          data=_rater),
    Route("running.close", "GET", _cycle("/close"), hr_only()),
    Route("running.close", "POST", _cycle("/close"), hr_only(303)),
    Route("running.reports", "GET", _cycle("/reports"), hr_only()),
    Route("running.release", "GET", _cycle("/release"), hr_only()),
    Route("running.release", "POST", _cycle("/release"), hr_only(409)),
    Route("running.hand_over", "GET",
          lambda w: f"/hr/cycles/{w.cycle_id}/reports/{w.subject_id}/hand-over", hr_only()),
    Route("running.hand_over", "POST",
          lambda w: f"/hr/cycles/{w.cycle_id}/reports/{w.subject_id}/hand-over", hr_only(409)),
    Route("people.directory", "GET", lambda w: "/hr/people?q=Person", hr_only()),
    Route("people.sync", "POST", lambda w: "/hr/people/sync", hr_only(409)),
    Route("people.import_file", "GET", lambda w: "/hr/people/import", hr_only()),
    Route("people.import_file", "POST", lambda w: "/hr/people/import", hr_only(400)),
    Route("audit.log", "GET", lambda w: "/hr/audit", hr_only()),
    Route("audit.export", "GET", lambda w: "/hr/audit.csv", hr_only()),
]
