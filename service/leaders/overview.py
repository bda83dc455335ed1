"""The leader's pages as plain data: their cycles and what each asks of them now, progress by
group (counts only), and the released versions of their report.

Nothing here names a rater or tells who answered: progress is the grouped count of
invitations by status, as HR's progress page has it, for one leader."""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import current_app, url_for
from sqlalchemy import String, func, select, type_coerce

from service.cycles.models import Cycle, CycleState, Subject
from service.cycles.progress import SHOWN, group_outlook
from service.db import db
from service.nominations.groups import group_order, key_of, thresholds_of
from service.nominations.models import (
    Invitation,
    InvitationStatus,
    Nomination,
    RaterGroup,
)
from service.people.models import Person
from service.reports.context import build_context, format_date
from service.reports.models import Report, ReportStatus
from service.reports.operations import report_inputs
from service.sealing import InvalidToken, unseal

ALWAYS = "always"  # the self group is always shown


def subjects_of(person: Person) -> list[Subject]:
    """Every cycle the person is a leader in, newest first."""
    return list(db.session.scalars(
        select(Subject).join(Cycle, Subject.cycle_id == Cycle.id)
        .where(Subject.person_id == person.id)
        .order_by(Cycle.closes_on.desc(), Cycle.id.desc())))


def released_versions(subject: Subject) -> list[Report]:
    """The versions released to the leader, oldest first."""
    return list(db.session.scalars(
        select(Report).where(Report.subject_id == subject.id,
                             Report.status == ReportStatus.RELEASED)
        .order_by(Report.version)))


def self_link(subject: Subject) -> str | None:
    """The leader's own rating form while their self-assessment is pending, unsealed as the
    reminders do (the link is never stored in clear); None once answered or closed."""
    sealed = db.session.scalar(
        select(Invitation.sealed_token).join(Nomination)
        .where(Nomination.subject_id == subject.id, Nomination.group == RaterGroup.SELF,
               Invitation.status == InvitationStatus.PENDING,
               Invitation.sealed_token.is_not(None)))
    if sealed is None:
        return None
    try:
        return url_for("rating.show", token=unseal(sealed))
    except InvalidToken:
        current_app.logger.warning("a self-assessment link cannot be unsealed (SECRET_KEY "
                                   "changed?); HR can reissue it")
        return None


def self_status(subject: Subject) -> str | None:
    status = db.session.scalar(
        select(Invitation.status).join(Nomination)
        .where(Nomination.subject_id == subject.id, Nomination.group == RaterGroup.SELF))
    return status.value if status else None


def my_cycles(person: Person, lang: str) -> list[dict[str, Any]]:
    """One row per cycle: its state, the next thing asked of the leader, and the dates."""
    rows = []
    for subject in subjects_of(person):
        cycle = subject.cycle
        released = released_versions(subject)
        task, link = "none", None
        if released:
            task = "read_report"
        elif cycle.state == CycleState.DRAFT:
            task = "wait_open"
        elif cycle.state == CycleState.OPEN:
            link = self_link(subject)
            task = "self_assessment" if link else "wait_close"
        else:
            task = "wait_report"
        rows.append({
            "subject_id": subject.id, "cycle": cycle.name, "state": cycle.state.value,
            "task": task, "self_link": link, "self_status": self_status(subject),
            "opens_on": format_date(cycle.opens_on, lang),
            "closes_on": format_date(cycle.closes_on, lang),
            "versions": len(released),
            "progress": cycle.state != CycleState.DRAFT,
        })
    return rows


def subject_progress(subject: Subject) -> list[dict[str, Any]]:
    """Per group: invited, answered, and whether it is on course to be shown. One grouped
    query; declined links count as invited, not as answered."""
    counts: dict[str, dict[str, int]] = {}
    cycle = subject.cycle
    for group, own, status, count in db.session.execute(
            select(type_coerce(Nomination.group, String), Nomination.custom_group_id,
                   type_coerce(Invitation.status, String), func.count(Invitation.id))
            .join(Invitation, Invitation.nomination_id == Nomination.id)
            .where(Nomination.subject_id == subject.id)
            .group_by(Nomination.group, Nomination.custom_group_id, Invitation.status)):
        counts.setdefault(key_of(cycle, group, own), {})[status] = count
    limits = thresholds_of(cycle)
    rows = []
    for group in group_order(cycle):
        found = counts.get(group)
        if not found:
            continue
        answered = found.get(InvitationStatus.SUBMITTED.value, 0)
        pending = found.get(InvitationStatus.PENDING.value, 0)
        invited = sum(found.values())
        threshold = limits.for_group(group)
        outlook = ALWAYS if group == RaterGroup.SELF.value else group_outlook(
            answered, pending if cycle.state == CycleState.OPEN else 0, threshold)
        rows.append({"group": group, "invited": invited, "answered": answered,
                     "threshold": threshold, "outlook": outlook,
                     "shown": outlook in (ALWAYS, SHOWN)})
    return rows


def summary(report: Report, lang: str) -> dict[str, Any]:
    """The report's plain data (service/reports/context.py: the same anonymity rules and
    analysis as the PDF), in the page's language where the rubric has it."""
    inputs = report_inputs(report)
    inputs = dataclasses.replace(inputs, leader=dataclasses.replace(inputs.leader,
                                                                    language=lang))
    return build_context(inputs)


