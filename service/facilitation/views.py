"""The facilitator's pages: the leaders HR assigned to them, and per leader the report versions
they may open, the record of the feedback session, and the hand-over to the leader.

Only the assigned facilitator gets past `_assigned`: anyone else, HR included, is told the page
does not exist (a 404 says nothing about which leaders have reports). Each POST calls one
operation, which audits, and commits once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from service.access.roles import is_facilitator_for
from service.cycles.models import Subject
from service.db import db
from service.errors import DomainError
from service.facilitation import operations
from service.plans.operations import plan_of, released_report
from service.reports.numbering import display_version, pdf_filename
from service.staff.access import require_signed_in
from service.staff.views import staff_page_context
from service.web.date_input import date_from_parts
from service.web.downloads import pdf_response

bp = Blueprint("facilitation", __name__, url_prefix="/facilitation")
bp.context_processor(staff_page_context)


@bp.context_processor
def stage_names() -> dict[str, Any]:
    return {"stage_names": {"with_facilitator": _("With you"),
                            "released": _("Handed over to the leader"),
                            "not_yet": _("Not ready yet")}}


def _assigned(subject_id: int) -> Subject:
    subject = db.session.get(Subject, subject_id)
    if subject is None or not is_facilitator_for(current_user.person, subject):
        abort(404)
    return subject


@bp.get("")
@require_signed_in
def index() -> str:
    return render_template("facilitation/index.html",
                           leaders=operations.assigned_leaders(current_user.person),
                           done=request.args.get("done"))


def _leader_page(subject: Subject, status: int = 200, **context: Any) -> Any:
    session = operations.session_of(subject)
    if "values" not in context:
        held = session.held_on if session else None
        context["values"] = {"day": held.day if held else "", "month": held.month if held else "",
                             "year": held.year if held else "",
                             "notes": operations.notes_of(session) if session else ""}
    released = released_report(subject)
    return render_template(
        "facilitation/leader.html", subject=subject, session=session,
        stage=operations.report_stage(subject),
        versions=[(report, display_version(report))
                  for report in operations.openable_versions(current_user.person, subject)],
        plan=plan_of(subject) if released else None, notes_max=operations.NOTES_MAX,
        done=request.args.get("done"), **context), status


@bp.get("/<int:subject_id>")
@require_signed_in
def leader(subject_id: int) -> Any:
    return _leader_page(_assigned(subject_id))


@bp.get("/<int:subject_id>/reports/<int:version>.pdf")
@require_signed_in
def report_pdf(subject_id: int, version: int) -> Any:
    subject = _assigned(subject_id)
    report = next((r for r in operations.openable_versions(current_user.person, subject)
                   if r.version == version), None)
    if report is None or report.pdf is None:
        abort(404)
    return pdf_response(report.pdf, pdf_filename(report))


@bp.post("/<int:subject_id>/session")
@require_signed_in
def record_session(subject_id: int) -> Any:
    subject = _assigned(subject_id)
    values = {part: request.form.get(f"held_on-{part}", "").strip()[:4]
              for part in ("day", "month", "year")}
    notes = request.form.get("notes", "").replace("\r\n", "\n")
    values["notes"] = notes
    held_on = date_from_parts(values["day"], values["month"], values["year"])
    errors = {}
    if not any((values["day"], values["month"], values["year"])):
        errors["held_on-day"] = _("Enter the date the session took place")
    elif held_on is None:
        errors["held_on-day"] = _("The date of the session must be a real date, for example "
                                  "27 3 2027")
    elif held_on > dt.date.today():
        errors["held_on-day"] = _("The date of the session must be today or in the past")
    if len(notes) > operations.NOTES_MAX:
        errors["notes"] = _("Notes must be %(n)d characters or fewer", n=operations.NOTES_MAX)
    if errors:
        return _leader_page(subject, 400, values=values, errors=errors)
    assert held_on is not None
    operations.record_session(subject, held_on, notes, current_user.person)
    db.session.commit()
    return redirect(url_for("facilitation.leader", subject_id=subject.id, done="session"),
                    code=303)


@bp.route("/<int:subject_id>/hand-over", methods=["GET", "POST"])
@require_signed_in
def hand_over(subject_id: int) -> Any:
    subject = _assigned(subject_id)
    if request.method == "GET":
        return render_template("facilitation/hand_over.html", subject=subject,
                               stage=operations.report_stage(subject))
    try:
        operations.hand_over(subject)
    except DomainError:
        return render_template(
            "error.html", title=_("The report cannot be handed over"),
            message=_("Only a report that is with you can be handed over, and only once. "
                      "Go back to the leader's page to see where the report is.")), 409
    db.session.commit()
    return redirect(url_for("facilitation.index", done="handed_over"), code=303)
