"""What HR watches while a cycle runs, in a fixed number of queries however many leaders it
has: per leader and per group only counts (invited, responded, declined, pending), the groups
at risk of staying under their threshold, and the email problems in words.

Nothing here names a rater: not who answered, not whose email failed (a failed reminder would
tell that its rater had not answered yet)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import String, func, select, type_coerce
from sqlalchemy.orm import aliased

from service.cycles.models import Cycle, CycleState, Subject
from service.db import db
from service.nominations.groups import group_order, key_of, thresholds_of
from service.nominations.models import (
    Invitation,
    InvitationStatus,
    Nomination,
)
from service.outbox.models import OutboxMessage, OutboxStatus
from service.people.models import Person

_Leader = aliased(Person)

_Facilitator = aliased(Person)

#: A group's outlook: enough answers already; could still get there; cannot any more.
SHOWN, AT_RISK, CANNOT_REACH = "shown", "at_risk", "cannot_reach"


def group_outlook(responded: int, pending: int, threshold: int) -> str:
    if responded >= threshold:
        return SHOWN
    if responded + pending < threshold:
        return CANNOT_REACH
    return AT_RISK


def cycle_progress(cycle: Cycle, today: dt.date | None = None) -> dict[str, Any]:
    """The progress page's data: three queries (leaders, counts, email problems), each
    grouped in the database."""
    today = today or dt.date.today()
    leaders = db.session.execute(
        select(Subject.id, _Leader.display_name, _Facilitator.display_name)
        .join(_Leader, Subject.person_id == _Leader.id)
        .outerjoin(_Facilitator, Subject.facilitator_id == _Facilitator.id)
        .where(Subject.cycle_id == cycle.id).order_by(_Leader.display_name, Subject.id)).all()
    # subject id -> group -> [pending, submitted, declined], filled from one grouped query
    # (the enums read as the stored values: 16,000 invitations are a few thousand rows).
    slot = {InvitationStatus.PENDING.value: 0, InvitationStatus.SUBMITTED.value: 1,
            InvitationStatus.DECLINED.value: 2}
    counts: dict[int, dict[str, list[int]]] = defaultdict(dict)
    for subject_id, group, own, status, count in db.session.execute(
            select(Nomination.subject_id, type_coerce(Nomination.group, String),
                   Nomination.custom_group_id, type_coerce(Invitation.status, String),
                   func.count(Invitation.id))
            .join(Invitation, Invitation.nomination_id == Nomination.id)
            .join(Subject, Nomination.subject_id == Subject.id)
            .where(Subject.cycle_id == cycle.id)
            .group_by(Nomination.subject_id, Nomination.group, Nomination.custom_group_id,
                      Invitation.status)):
        key = key_of(cycle, group, own)
        counts[subject_id].setdefault(key, [0, 0, 0])[slot[status]] = count
    mail = _email_problems(cycle)
    limits = thresholds_of(cycle)
    order = group_order(cycle)
    threshold_of = {key: limits.for_group(key) for key in order}
    days_left = (cycle.closes_on - today).days if cycle.state == CycleState.OPEN else None
    rows = []
    for subject_id, leader, facilitator in leaders:
        found_groups = counts.get(subject_id, {})
        groups = []
        invited_all = responded_all = declined_all = 0
        at_risk, cannot_reach = [], []
        for name in order:
            found = found_groups.get(name)
            if not found:
                continue
            pending, responded, declined = found
            threshold = threshold_of[name]
            outlook = group_outlook(responded, pending, threshold)
            invited = pending + responded + declined
            groups.append({"group": name, "invited": invited, "responded": responded,
                           "declined": declined, "pending": pending, "threshold": threshold,
                           "outlook": outlook})
            invited_all += invited
            responded_all += responded
            declined_all += declined
            if outlook == AT_RISK:
                at_risk.append(name)
            elif outlook == CANNOT_REACH:
                cannot_reach.append(name)
        issues = mail.get(subject_id, [])
        rows.append({
            "subject_id": subject_id, "leader": leader, "facilitator": facilitator,
            "invited": invited_all, "responded": responded_all, "declined": declined_all,
            "groups": groups, "at_risk": at_risk, "cannot_reach": cannot_reach,
            "email_problems": [issue["text"] for issue in issues], "email_issues": issues,
        })
    invited = sum(r["invited"] for r in rows)
    responded = sum(r["responded"] for r in rows)
    return {"cycle": cycle.id, "name": cycle.name, "state": cycle.state.value,
            "closes_on": cycle.closes_on.isoformat(), "days_left": days_left,
            "invited": invited, "responded": responded,
            "declined": sum(r["declined"] for r in rows),
            "response_rate": round(responded / invited, 3) if invited else None,
            "leaders": rows}


_KIND = {"invitation": ("invitation email", "invitation emails"),
         "reminder": ("reminder", "reminders")}


def _email_problems(cycle: Cycle) -> dict[int, list[dict[str, Any]]]:
    """Subject id -> its email problems, each with a sentence such as "2 invitation emails
    could not be delivered" and the parts a page words in its own language (kind, failed or
    retrying, count), from one grouped query. Counts only: which rater, and the server's
    reason (it may quote the address), stay out of it; `invitation resend --all-failed` sends
    them again once the addresses are fixed."""
    problems: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for subject_id, template, status, count in db.session.execute(
            select(Nomination.subject_id, OutboxMessage.template, OutboxMessage.status,
                   func.count(OutboxMessage.id))
            .join(Invitation, OutboxMessage.invitation_id == Invitation.id)
            .join(Nomination, Invitation.nomination_id == Nomination.id)
            .where(OutboxMessage.cycle_id == cycle.id,
                   (OutboxMessage.status == OutboxStatus.FAILED)
                   | ((OutboxMessage.status == OutboxStatus.PENDING)
                      & OutboxMessage.last_error.is_not(None)))
            .group_by(Nomination.subject_id, OutboxMessage.template, OutboxMessage.status)
            .order_by(Nomination.subject_id, OutboxMessage.template, OutboxMessage.status)):
        one, many = _KIND.get(template, ("email", "emails"))
        noun = one if count == 1 else many
        failed = status == OutboxStatus.FAILED
        if failed:
            text = (f"{count} {noun} could not be delivered; check the raters' addresses in "
                    "the directory, then resend the failed invitations")
        else:
            text = (f"{count} {noun} not delivered yet; the mail server refused for now and "
                    "they are being retried")
        problems[subject_id].append({"kind": template if template in _KIND else "email",
                                     "failed": failed, "count": count, "text": text})
    return problems
