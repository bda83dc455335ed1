"""The feedback a signed-in member of staff has been asked to give: each pending form, linked.

The link is the rater's own personal link, unsealed from the invitation as a reminder email
does (the emailed link keeps working without signing in). The page shows a person only their
own requests: nothing here says anything about anyone else's answers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import Blueprint, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from service.cycles.models import Cycle, CycleState, Subject
from service.db import db
from service.nominations.models import Invitation, InvitationStatus, Nomination, RaterGroup
from service.people.models import Person
from service.sealing import InvalidToken, unseal
from service.staff.access import require_signed_in
from service.staff.views import staff_page_context

bp = Blueprint("asked", __name__)
bp.context_processor(staff_page_context)  # the header's name and sign-out, as on staff pages


@dataclass(frozen=True)
class Asked:
    """One form the person is asked to fill in."""

    cycle_name: str
    leader_name: str
    is_self: bool
    closes_on: dt.date
    started: bool
    link: str


def asked_of(person_id: int, today: dt.date | None = None) -> list[Asked]:
    """The person's pending invitations in open cycles that have not passed their closing date,
    soonest closing first; a link that cannot be unsealed (SECRET_KEY changed) is left out:
    HR can send a new one."""
    today = today or dt.date.today()
    rows = db.session.execute(
        select(Cycle.name, Person.display_name, Nomination.group, Cycle.closes_on,
               Invitation.draft.is_not(None), Invitation.sealed_token)
        .select_from(Invitation)
        .join(Nomination, Nomination.id == Invitation.nomination_id)
        .join(Subject, Subject.id == Nomination.subject_id)
        .join(Cycle, Cycle.id == Subject.cycle_id)
        .join(Person, Person.id == Subject.person_id)
        .where(Nomination.person_id == person_id,
               Invitation.status == InvitationStatus.PENDING,
               Invitation.sealed_token.is_not(None),
               Cycle.state == CycleState.OPEN, Cycle.closes_on >= today)
        .order_by(Cycle.closes_on, Nomination.group != RaterGroup.SELF, Person.display_name))
    found = []
    for name, leader, group, closes_on, started, sealed in rows:
        try:
            token = unseal(sealed)
        except InvalidToken:
            continue
        found.append(Asked(name, leader, group == RaterGroup.SELF, closes_on, bool(started),
                           url_for("rating.show", token=token)))
    return found


@bp.get("/me/asked")
@require_signed_in
def asked() -> str:
    return render_template("asked.html",
                           asked=asked_of(current_user.person.id))
