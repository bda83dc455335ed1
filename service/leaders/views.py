"""The leader's pages: My feedback (`/me`), progress by group, their report (summary, versions,
PDF) and sharing it. Also the PDF download for everyone `may_open_report` allows.

A page about a subject that is not the signed-in person's own answers 404, the same as one
that does not exist: nobody learns whose reports exist. Each POST calls one operation (its
audit row and email in the same transaction) and commits once."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from service.access.reports import may_open_report
from service.cycles.models import Subject
from service.db import db
from service.errors import DomainError
from service.evidence import operations as evidence
from service.i18n import current_language
from service.leaders import overview
from service.nominations.groups import with_own_groups
from service.people.models import Person
from service.plans.operations import plan_of
from service.reports.models import Report, ReportStatus
from service.reports.numbering import display_version, display_versions, pdf_filename
from service.sharing import integration
from service.sharing import operations as sharing
from service.sharing.models import ReportShare, ShareRole
from service.staff.access import require_signed_in
from service.staff.views import staff_page_context
from service.web.downloads import pdf_response

bp = Blueprint("leaders", __name__)
bp.context_processor(staff_page_context)
MAX_SEARCH = 100


def page_names() -> dict[str, Any]:
    """Group, state and share-role names in the page's language (the shared pages use them
    too)."""
    return {
        "group_names": {"self": _("Self"), "manager": _("Manager"), "peer": _("Peers"),
                        "direct_report": _("Direct reports"), "other": _("Others")},
        "state_names": {"draft": _("Not started"), "open": _("Open"), "closed": _("Closed"),
                        "released": _("Reports released")},
        "share_role_names": {"facilitator": _("Facilitator"), "appraiser": _("Appraiser"),
                             "mentor": _("Mentor")},
    }


bp.context_processor(page_names)


def own_subject(subject_id: int) -> Subject:
    subject = db.session.get(Subject, subject_id)
    if subject is None or subject.person_id != current_user.person.id:
        abort(404)
    return subject


def chosen_version(subject: Subject, versions: list[Report]) -> Report:
    """The version asked for (``?version=``), else the newest released."""
    if not versions:
        abort(404)
    wanted = request.args.get("version", "")
    if not wanted:
        return versions[-1]
    found = next((r for r in versions if str(r.version) == wanted), None)
    if found is None:
        abort(404)
    return found


def version_rows(versions: list[Report], link: Any) -> list[dict[str, Any]]:
    """Each released version: its number as printed, its release date, the late responses
    it holds back, and its links (``link(report)`` -> the summary page's URL)."""
    lang = current_language()
    from service.reports.context import format_date

    numbers = display_versions(versions[0].subject_id) if versions else {}
    return [{"number": numbers[r.version], "version": r.version,
             "released": format_date(r.released_at.date(), lang) if r.released_at else "",
             "held_back": r.held_back, "summary": link(r),
             "pdf": url_for("leaders.pdf", subject_id=r.subject_id, version=r.version)}
            for r in reversed(versions)]


@bp.get("/me")
@require_signed_in
def mine() -> str:
    return render_template("leaders/mine.html",
                           cycles=overview.my_cycles(current_user.person, current_language()))


@bp.get("/me/cycles/<int:subject_id>/progress")
@require_signed_in
def progress(subject_id: int) -> str:
    subject = own_subject(subject_id)
    return render_template("leaders/progress.html", subject=subject, cycle=subject.cycle,
                           group_names=with_own_groups(page_names()["group_names"],
                                                       subject.cycle),
                           groups=overview.subject_progress(subject))


@bp.get("/me/cycles/<int:subject_id>/report")
@require_signed_in
def report(subject_id: int) -> Any:
    subject = own_subject(subject_id)
    return _report_page(subject)


def _report_page(subject: Subject, status: int = 200, errors: dict[str, str] | None = None,
                 chosen_role: str = "") -> Any:
    versions = overview.released_versions(subject)
    shown = chosen_version(subject, versions)
    query = request.values.get("q", "").strip()[:MAX_SEARCH]
    people = sharing.search_people(query, current_user.person) if query else []
    shares = sharing.shares_of(subject)
    return render_template(
        "leaders/report.html", subject=subject, cycle=subject.cycle, report=shown,
        summary=overview.summary(shown, current_language()),
        number=display_version(shown),
        versions=version_rows(versions, lambda r: url_for(
            "leaders.report", subject_id=subject.id, version=r.version)),
        query=query, people=people, roles=[role.value for role in ShareRole],
        active=[s for s in shares if s.active], history=_history(shares),
        errors=errors or {}, chosen_role=chosen_role, done=request.args.get("done"),
        appraisal=_appraisal(subject), evidence=_evidence(subject)), status


def _appraisal(subject: Subject) -> dict[str, Any]:
    """The "Share with appraisal" part: what is shared now, by whom, and every choice."""
    consents = integration.consents_of(subject)
    given = {c.given_at for c in consents}
    withdrawn = {c.withdrawn_at for c in consents if c.withdrawn_at}
    events = []
    for consent in consents:  # a change is a withdrawal and a new consent at one moment
        events.append({"at": consent.given_at, "consent": consent,
                       "what": "changed" if consent.given_at in withdrawn else "given"})
        if consent.withdrawn_at and consent.withdrawn_at not in given:
            events.append({"at": consent.withdrawn_at, "what": "withdrawn", "consent": consent})
    return {"allowed": integration.allowed_for(subject),
            "consent": next((c for c in consents if c.active), None),
            "policy": integration.policy_gives_summary(), "plan": plan_of(subject),
            "history": sorted(events, key=lambda e: e["at"], reverse=True)}


def _evidence(subject: Subject) -> dict[str, Any]:
    """The "Appraisal evidence pack" part: the current pack, with its link, and every pack."""
    packs = evidence.packs_of(subject)
    current = next((p for p in packs if p.active), None)
    link = None
    if current is not None:
        try:
            link = evidence.verification_url(evidence.token_of(current))
        except evidence.PackUnavailable:
            link = None  # the page says to issue a new pack
    return {"current": current, "link": link, "packs": packs}


def _history(shares: list[ReportShare]) -> list[dict[str, Any]]:
    """Every share and withdrawal, newest first (from the share rows themselves)."""
    events = []
    for share in shares:
        events.append({"at": share.shared_at, "what": "shared", "share": share})
        if share.withdrawn_at:
            events.append({"at": share.withdrawn_at, "what": "withdrawn", "share": share})
    return sorted(events, key=lambda e: e["at"], reverse=True)


@bp.post("/me/cycles/<int:subject_id>/shares")
@require_signed_in
def share(subject_id: int) -> Any:
    subject = own_subject(subject_id)
    errors = {}
    role_value = request.form.get("role", "")
    try:
        person_id = int(request.form.get("person", ""))
    except ValueError:
        person_id = 0
    person = db.session.get(Person, person_id) if person_id else None
    if person is None or not person.active:
        errors["person"] = _("Choose the person to share your report with. Search for them "
                             "by name or email address first.")
    if role_value not in {role.value for role in ShareRole}:
        errors["role"] = _("Choose whether they are your facilitator, appraiser "
                                       "or mentor")
    if not overview.released_versions(subject):
        abort(404)
    if errors:
        return _report_page(subject, 400, errors, role_value)
    assert person is not None
    sharing.share_report(subject, person, ShareRole(role_value), current_user.person)
    db.session.commit()
    return redirect(url_for("leaders.report", subject_id=subject.id, done="shared")
                    + "#sharing", code=303)


@bp.post("/me/cycles/<int:subject_id>/shares/<int:share_id>/withdraw")
@require_signed_in
def withdraw(subject_id: int, share_id: int) -> Any:
    subject = own_subject(subject_id)
    found = db.session.get(ReportShare, share_id)
    if found is None or found.subject_id != subject.id:
        abort(404)
    sharing.withdraw_share(found, current_user.person)
    db.session.commit()
    return redirect(url_for("leaders.report", subject_id=subject.id, done="withdrawn")
                    + "#sharing", code=303)


def own_released(subject_id: int) -> Subject:
    """The signed-in leader's own place in a cycle whose report they have (404 otherwise)."""
    subject = own_subject(subject_id)
    if not overview.released_versions(subject):
        abort(404)
    return subject


@bp.post("/me/cycles/<int:subject_id>/appraisal")
@require_signed_in
def share_with_appraisal(subject_id: int) -> Any:
    """Give (or change) the consent for the organisation's appraisal integration."""
    subject = own_released(subject_id)
    also = set(request.form.getlist("also"))
    integration.give_consent(subject, pdf="pdf" in also, comments="comments" in also,
                             plan="action_plan" in also if plan_of(subject) else None,
                             by=current_user.person)
    db.session.commit()
    return redirect(url_for("leaders.report", subject_id=subject.id, done="appraisal_shared")
                    + "#appraisal", code=303)


@bp.post("/me/cycles/<int:subject_id>/appraisal/withdraw")
@require_signed_in
def withdraw_from_appraisal(subject_id: int) -> Any:
    subject = own_released(subject_id)
    try:
        integration.withdraw_consent(subject, current_user.person)
    except DomainError:
        db.session.rollback()  # nothing shared: nothing to withdraw, the page says so
        return redirect(url_for("leaders.report", subject_id=subject.id) + "#appraisal",
                        code=303)
    db.session.commit()
    return redirect(url_for("leaders.report", subject_id=subject.id,
                            done="appraisal_withdrawn") + "#appraisal", code=303)


@bp.get("/reports/<int:subject_id>/v<int:version>.pdf")
@require_signed_in
def pdf(subject_id: int, version: int) -> Any:
    """The PDF of one version, to whoever may open it (404 otherwise: refused and missing look
    the same). Not kept by the browser's cache, and named without the leader's name."""
    found = db.session.scalar(select(Report).where(Report.subject_id == subject_id,
                                                   Report.version == version))
    if found is None or found.status not in (ReportStatus.RELEASED,
                                             ReportStatus.WITH_FACILITATOR):
        abort(404)
    if not may_open_report(current_user.person, found, current_user.roles):
        abort(404)
    if found.pdf is None:
        raise DomainError(_("This version has no PDF. Ask HR to make the reports again."))
    return pdf_response(found.pdf, pdf_filename(found))
