"""The HR console while a cycle runs and after: progress, reminders, a later closing date, one
rater's link sent again, close, report status, release and hand-over.

Each POST calls one operation (docs/architecture.md, "HR operations"), which writes its one
audit row, and commits once. Every page shows counts only: no page here tells which rater
answered, and the link page words its outcome the same whether the rater answered or not."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from service.cycles import operations
from service.cycles.models import Cycle, Subject
from service.cycles.progress import cycle_progress
from service.db import db
from service.nominations import invitations
from service.nominations.groups import with_own_groups
from service.nominations.models import Invitation, InvitationStatus, Nomination
from service.people.models import Person
from service.reports import operations as reports_ops
from service.reports.operations import report_status
from service.staff.access import require_role
from service.staff.views import staff_page_context
from service.web.date_input import date_from_parts

bp = Blueprint("running", __name__, url_prefix="/hr/cycles")
bp.context_processor(staff_page_context)


def own_names(cycle: Cycle) -> dict[str, str]:
    """The group names of ``names`` with the cycle's own groups'."""
    return with_own_groups(names()["group_names"], cycle)


@bp.context_processor
def names() -> dict[str, Any]:
    """Group, cycle state and report status names in the page's language."""
    return {
        "group_names": {"self": _("Self"), "manager": _("Manager"), "peer": _("Peers"),
                        "direct_report": _("Direct reports"), "other": _("Others")},
        "state_names": {"draft": _("Draft"), "open": _("Open"), "closed": _("Closed"),
                        "released": _("Released"), "cancelled": _("Cancelled")},
        "report_names": {"queued": _("Queued"), "ready": _("Ready"),
                         "failed": _("Could not be made"),
                         "with_facilitator": _("With the facilitator"),
                         "released": _("Released"), "superseded": _("Replaced"),
                         "not prepared": _("Not prepared")},
    }


def _cycle(cycle_id: int) -> Cycle:
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        abort(404)
    return cycle


def _subject(cycle: Cycle, subject_id: int) -> Subject:
    subject = db.session.get(Subject, subject_id)
    if subject is None or subject.cycle_id != cycle.id:
        abort(404)
    return subject


def _done(endpoint: str, cycle: Cycle, done: str) -> Any:
    return redirect(url_for(endpoint, cycle_id=cycle.id, done=done), code=303)


def _pending_count(cycle: Cycle) -> int:
    """How many raters a reminder now would go to (the count the remind operation uses)."""
    return db.session.scalar(
        select(db.func.count(Invitation.id))
        .join(Nomination, Invitation.nomination_id == Nomination.id)
        .join(Subject, Nomination.subject_id == Subject.id)
        .where(Subject.cycle_id == cycle.id, Invitation.status == InvitationStatus.PENDING,
               Invitation.sealed_token.is_not(None))) or 0


#: Leaders per page of the progress table: a national cohort in one table would be megabytes
#: of HTML that nobody reads at once (bench/web_pages.py measured 2.5 MB for 2,000 leaders).
LEADERS_PER_PAGE = 100


@bp.get("/<int:cycle_id>/progress")
@require_role("hr")
def progress(cycle_id: int) -> str:
    cycle = _cycle(cycle_id)
    data = cycle_progress(cycle)
    pages = max(1, -(-len(data["leaders"]) // LEADERS_PER_PAGE))
    try:
        page = min(max(1, int(request.args.get("page", "1"))), pages)
    except ValueError:
        page = 1
    start = (page - 1) * LEADERS_PER_PAGE
    return render_template(
        "console/progress.html", cycle=cycle, progress=data, group_names=own_names(cycle),
        leaders=data["leaders"][start:start + LEADERS_PER_PAGE], page=page, pages=pages,
        previous=url_for("running.progress", cycle_id=cycle.id, page=page - 1)
        if page > 1 else None,
        next=url_for("running.progress", cycle_id=cycle.id, page=page + 1)
        if page < pages else None,
        at_risk=sum(bool(row["at_risk"] or row["cannot_reach"]) for row in data["leaders"]),
        words=_progress_words(), done=request.args.get("done"), nav_current="console.home")


def _progress_words() -> dict[str, str]:
    """The table's repeated wording, translated once per page and filled in per row (gettext
    per cell was a quarter of the page's time at a hundred leaders)."""
    return {
        "leader": _("Leader"), "responded": _("Responded"), "by_group": _("By group"),
        "links": _("Links"), "resend": _("Resend or reissue a link"),
        "row": _("%(responded)d of %(invited)d, %(declined)d declined"),
        "group": _("%(responded)d of %(invited)d (needs %(threshold)d), %(declined)d declined"),
    }


@bp.route("/<int:cycle_id>/remind", methods=["GET", "POST"])
@require_role("hr")
def remind(cycle_id: int) -> Any:
    if request.method == "POST":
        return _remind_post(cycle_id)
    cycle = _cycle(cycle_id)
    return render_template("console/remind.html", cycle=cycle, count=_pending_count(cycle),
                           nav_current="console.home")


def _remind_post(cycle_id: int) -> Any:
    cycle = _cycle(cycle_id)
    invitations.remind_pending_now(cycle)
    db.session.commit()
    return _done("running.progress", cycle, "reminded")


def _read_date(form: Any, name: str) -> dt.date | None:
    return date_from_parts(*(form.get(f"{name}-{part}", "") for part in ("day", "month", "year")))


@bp.route("/<int:cycle_id>/extend", methods=["GET", "POST"])
@require_role("hr")
def extend(cycle_id: int) -> Any:
    if request.method == "POST":
        return _extend_post(cycle_id)
    cycle = _cycle(cycle_id)
    return render_template("console/extend.html", cycle=cycle, values={},
                           nav_current="console.home")


def _extend_post(cycle_id: int) -> Any:
    cycle = _cycle(cycle_id)
    values = {part: request.form.get(f"closes_on-{part}", "").strip()[:4]
              for part in ("day", "month", "year")}
    closes_on = _read_date(request.form, "closes_on")
    error = None
    if not any(values.values()):
        error = _("Enter the new closing date")
    elif closes_on is None:
        error = _("The new closing date must be a real date, for example 27 3 2027")
    elif closes_on <= cycle.closes_on:
        error = _("The new closing date must be after the current one, %(date)s",
                  date=cycle.closes_on.isoformat())
    elif closes_on <= dt.date.today():
        error = _("The new closing date must be in the future")
    if error:
        return render_template("console/extend.html", cycle=cycle, values=values,
                               errors={"closes_on-day": error},
                               nav_current="console.home"), 400
    assert closes_on is not None
    operations.extend_closing(cycle, closes_on)
    db.session.commit()
    return _done("running.progress", cycle, "extended")


def _raters(subject: Subject) -> list[tuple[int, str]]:
    """The leader's nominated raters with an invitation, by name: whoever they are and
    whatever they did (nothing here says who answered)."""
    return list(db.session.execute(
        select(Invitation.id, Person.display_name)
        .join(Nomination, Invitation.nomination_id == Nomination.id)
        .join(Person, Nomination.person_id == Person.id)
        .where(Nomination.subject_id == subject.id)
        .order_by(Person.display_name, Invitation.id)).all())


def _link_page(cycle: Cycle, subject: Subject, status: int = 200, **context: Any) -> Any:
    return render_template("console/link.html", cycle=cycle, subject=subject,
                           raters=_raters(subject), nav_current="console.home",
                           done=request.args.get("done"), **context), status


@bp.route("/<int:cycle_id>/leaders/<int:subject_id>/link", methods=["GET", "POST"])
@require_role("hr")
def link(cycle_id: int, subject_id: int) -> Any:
    if request.method == "POST":
        return _link_post(cycle_id, subject_id)
    cycle = _cycle(cycle_id)
    return _link_page(cycle, _subject(cycle, subject_id))


def _link_post(cycle_id: int, subject_id: int) -> Any:
    cycle = _cycle(cycle_id)
    subject = _subject(cycle, subject_id)
    how = request.form.get("how", "")
    try:
        chosen = int(request.form.get("rater", ""))
    except ValueError:
        chosen = None
    ids = {invitation_id for invitation_id, _name in _raters(subject)}
    errors = {}
    if chosen not in ids:
        errors["rater"] = _("Choose the person whose link to send")
    if how not in ("resend", "reissue"):
        errors["how"] = _("Choose whether to send the same link or a new one")
    if errors:
        return _link_page(cycle, subject, 400, errors=errors, chosen=chosen, how=how)
    invitation = db.session.get(Invitation, chosen)
    assert invitation is not None
    invitations.send_link_again(invitation, new_link=how == "reissue")
    db.session.commit()
    return redirect(url_for("running.link", cycle_id=cycle.id, subject_id=subject.id,
                            done="sent"), code=303)


@bp.route("/<int:cycle_id>/close", methods=["GET", "POST"])
@require_role("hr")
def close(cycle_id: int) -> Any:
    if request.method == "POST":
        return _close_post(cycle_id)
    cycle = _cycle(cycle_id)
    return render_template("console/close.html", cycle=cycle, progress=cycle_progress(cycle),
                           group_names=own_names(cycle),
                           nav_current="console.home")


def _close_post(cycle_id: int) -> Any:
    cycle = _cycle(cycle_id)
    operations.close(cycle)
    db.session.commit()
    return _done("running.reports", cycle, "closed")


@bp.get("/<int:cycle_id>/reports")
@require_role("hr")
def reports(cycle_id: int) -> str:
    cycle = _cycle(cycle_id)
    return render_template("console/reports.html", cycle=cycle, rows=report_status(cycle),
                           done=request.args.get("done"), nav_current="console.home")


@bp.route("/<int:cycle_id>/release", methods=["GET", "POST"])
@require_role("hr")
def release(cycle_id: int) -> Any:
    if request.method == "POST":
        return _release_post(cycle_id)
    cycle = _cycle(cycle_id)
    rows = report_status(cycle)
    waiting = [row["leader"] for row in rows if row["status"] in ("queued", "failed",
                                                                  "not prepared")]
    return render_template("console/release.html", cycle=cycle, rows=rows, waiting=waiting,
                           ready=sum(row["status"] == "ready" for row in rows),
                           nav_current="console.home")


def _release_post(cycle_id: int) -> Any:
    cycle = _cycle(cycle_id)
    operations.release(cycle)
    db.session.commit()
    return _done("running.reports", cycle, "released")


@bp.route("/<int:cycle_id>/reports/<int:subject_id>/hand-over", methods=["GET", "POST"])
@require_role("hr")
def hand_over(cycle_id: int, subject_id: int) -> Any:
    if request.method == "POST":
        return _hand_over_post(cycle_id, subject_id)
    cycle = _cycle(cycle_id)
    subject = _subject(cycle, subject_id)
    return render_template("console/hand_over.html", cycle=cycle, subject=subject,
                           nav_current="console.home")


def _hand_over_post(cycle_id: int, subject_id: int) -> Any:
    cycle = _cycle(cycle_id)
    reports_ops.hand_over(_subject(cycle, subject_id))
    db.session.commit()
    return _done("running.reports", cycle, "handed_over")
