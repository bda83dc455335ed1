"""The leader's action plan and their record of the feedback session, under /me/cycles/<id>.

The plan is written by the leader once a report is released to them and read, unchanged, by
anyone `may_open_report` lets open that released report (the facilitator; the people the leader
shares with, when shares exist): the one function decides, so the plan follows the report.
Everyone else is told the page does not exist. Every POST saves everything the form holds
(there is a save button after each part, and no JavaScript is needed), then commits once."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import exists, select

from service.access.reports import may_open_report
from service.access.roles import Role, roles_of
from service.cycles.models import Cycle, Subject
from service.db import db
from service.errors import DomainError
from service.facilitation.operations import notes_of, session_of
from service.people.models import Person
from service.plans import operations
from service.reports.models import Report, ReportStatus
from service.reports.numbering import pdf_filename
from service.staff.access import require_signed_in
from service.staff.views import staff_page_context
from service.web.date_input import date_from_parts
from service.web.downloads import pdf_response

bp = Blueprint("plans", __name__, url_prefix="/me/cycles")
bp.context_processor(staff_page_context)


@bp.app_template_global()
def released_cycles(person: Person) -> list[dict[str, Any]]:
    """For the staff home page: the cycles in which this person's report was released to
    them (a function the page calls, so no other page pays for the query)."""
    rows = db.session.execute(
        select(Subject.id, Cycle.name).join(Cycle, Subject.cycle_id == Cycle.id)
        .where(Subject.person_id == person.id, exists().where(
            Report.subject_id == Subject.id, Report.status == ReportStatus.RELEASED))
        .order_by(Cycle.closes_on.desc(), Subject.id)).all()
    return [{"subject_id": subject_id, "cycle": name} for subject_id, name in rows]


@bp.app_template_global()
def facilitates(person: Person) -> bool:
    """For the staff home page: HR assigned this person to at least one leader."""
    return Role.FACILITATOR in roles_of(person)


def _subject(subject_id: int) -> Subject:
    subject = db.session.get(Subject, subject_id)
    if subject is None:
        abort(404)
    return subject


def _is_leader(subject: Subject) -> bool:
    return subject.person_id == current_user.person.id


def _readable(subject_id: int) -> tuple[Subject, Report | None]:
    """The subject and its released report, if the signed-in person may see the plan:
    the leader always (a page saying the report is not released yet, when it is not), anyone
    else only if they may open the released report."""
    subject = _subject(subject_id)
    report = operations.released_report(subject)
    if _is_leader(subject):
        return subject, report
    if report is None or not may_open_report(current_user.person, report,
                                             current_user.roles):
        abort(404)
    return subject, report


def _plan_page(subject: Subject, report: Report | None, status: int = 200,
               **context: Any) -> Any:
    leader = _is_leader(subject)
    if report is None:
        return render_template("plans/not_yet.html", subject=subject), status
    plan = operations.plan_of(subject)
    report_context = operations.report_context(report)
    options = operations.choices(report_context)
    if "values" not in context:
        review = plan.review_on if plan else None
        context["values"] = {
            "focus": list(plan.focus) if plan else [],
            "actions": plan.actions if plan else "", "support": plan.support if plan else "",
            "review-day": review.day if review else "",
            "review-month": review.month if review else "",
            "review-year": review.year if review else "",
            "consent": bool(plan.appraisal_consent) if plan else False}
    return render_template(
        "plans/plan.html", subject=subject, report=report, plan=plan, options=options,
        editable=leader, pdf_ready=operations.pdf_ready(plan),
        pdf_waiting=plan is not None and plan.pdf_requested == plan.revision
        and not operations.pdf_ready(plan),
        focus_max=operations.FOCUS_MAX, text_max=operations.TEXT_MAX,
        done=request.args.get("done"), **context), status


@bp.get("/<int:subject_id>/plan")
@require_signed_in
def plan(subject_id: int) -> Any:
    subject, report = _readable(subject_id)
    return _plan_page(subject, report)


@bp.post("/<int:subject_id>/plan")
@require_signed_in
def save(subject_id: int) -> Any:
    subject, report = _readable(subject_id)
    if not _is_leader(subject):
        abort(404)  # readers read; only the leader writes
    if report is None:
        return _plan_page(subject, None, 409)
    options = operations.choices(operations.report_context(report))
    allowed = set(options["text"])
    form = request.form
    values: dict[str, Any] = {
        "focus": [item for item in form.getlist("focus")][:50],
        "actions": form.get("actions", "").replace("\r\n", "\n"),
        "support": form.get("support", "").replace("\r\n", "\n"),
        **{f"review-{p}": form.get(f"review-{p}", "").strip()[:4]
           for p in ("day", "month", "year")},
        "consent": form.get("consent") == "yes"}
    errors: dict[str, str] = {}
    parsed: dict[str, dict[str, Any]] = {}
    if set(values["focus"]) - allowed:
        errors["focus"] = _("Choose behaviours from the list")
    elif len(set(values["focus"])) > operations.FOCUS_MAX:
        errors["focus"] = ngettext("Choose at most %(num)d behaviour to focus on",
                                   "Choose at most %(num)d behaviours to focus on",
                                   operations.FOCUS_MAX)
    else:
        parsed["focus"] = {"focus": values["focus"]}
    for part, message in (("actions", _("Actions must be %(n)d characters or fewer",
                                        n=operations.TEXT_MAX)),
                          ("support", _("Support needed must be %(n)d characters or fewer",
                                        n=operations.TEXT_MAX))):
        if len(values[part]) > operations.TEXT_MAX:
            errors[part] = message
        else:
            parsed[part] = {part: values[part]}
    parts = (values["review-day"], values["review-month"], values["review-year"])
    review_on = date_from_parts(*parts)
    if any(parts) and review_on is None:
        errors["review-day"] = _("The review date must be a real date, for example 27 3 2027")
    else:
        parsed["review"] = {"review_on": review_on}
    parsed["consent"] = {"consent": values["consent"]}
    try:
        operations.save_plan(subject, report, parsed, allowed)  # valid parts, even with errors
    except DomainError as exc:
        db.session.rollback()
        return _plan_page(subject, report, 400, values=values, errors={"focus": str(exc)})
    db.session.commit()
    if errors:
        return _plan_page(subject, report, 400, values=values, errors=errors)
    if request.headers.get("X-Autosave") == "1":  # static/plan.js: saved, nothing to show
        return "", 204
    part = request.form.get("part", "")
    anchor = {"review": "review-day"}.get(part, part) if part in operations.PARTS else ""
    return redirect(url_for("plans.plan", subject_id=subject.id, done="saved")
                    + (f"#{anchor}" if anchor else ""), code=303)


@bp.post("/<int:subject_id>/plan/pdf")
@require_signed_in
def request_pdf(subject_id: int) -> Any:
    subject, report = _readable(subject_id)
    plan = operations.plan_of(subject)
    if not _is_leader(subject):
        abort(404)
    if report is None or plan is None:
        return render_template("error.html", title=_("There is no action plan yet"),
                               message=_("Save your action plan first, then ask for the "
                                         "report with your plan.")), 409
    operations.request_pdf(plan)
    db.session.commit()
    return redirect(url_for("plans.plan", subject_id=subject.id, done="pdf") + "#pdf",
                    code=303)


@bp.get("/<int:subject_id>/plan/report.pdf")
@require_signed_in
def plan_pdf(subject_id: int) -> Any:
    subject, report = _readable(subject_id)
    plan = operations.plan_of(subject)
    if report is None or not operations.pdf_ready(plan):
        abort(404)
    assert plan is not None and plan.pdf is not None
    return pdf_response(plan.pdf, pdf_filename(report, plan.revision))


@bp.get("/<int:subject_id>/session")
@require_signed_in
def session(subject_id: int) -> Any:
    """The leader's own record of their feedback session: the facilitator's notes are for the
    two of them only."""
    subject = _subject(subject_id)
    if not _is_leader(subject):
        abort(404)
    record = session_of(subject)
    return render_template("plans/session.html", subject=subject, session=record,
                           notes=notes_of(record) if record else "")
