"""Reports shared with me (`/shared`): the reports a leader shared with the signed-in person
and not withdrawn, and nothing else. A report whose share was withdrawn, or was never there,
answers 404: the page does not say which."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, url_for
from flask_login import current_user

from service.cycles.models import Subject
from service.db import db
from service.i18n import current_language
from service.leaders import overview
from service.leaders.views import chosen_version, page_names, version_rows
from service.reports.numbering import display_version
from service.sharing import operations as sharing
from service.staff.access import require_signed_in
from service.staff.views import staff_page_context

bp = Blueprint("shared", __name__)
bp.context_processor(staff_page_context)
bp.context_processor(page_names)


@bp.get("/shared")
@require_signed_in
def reports() -> str:
    rows = []
    for share in sharing.shared_with(current_user.person):
        versions = overview.released_versions(share.subject)
        if versions:
            rows.append({"share": share, "subject": share.subject,
                         "cycle": share.subject.cycle, "versions": len(versions)})
    return render_template("leaders/shared.html", rows=rows)


@bp.get("/shared/<int:subject_id>")
@require_signed_in
def report(subject_id: int) -> Any:
    subject = db.session.get(Subject, subject_id)
    if subject is None:
        abort(404)
    share = sharing.active_share(subject, current_user.person)
    if share is None:
        abort(404)
    versions = overview.released_versions(subject)
    shown = chosen_version(subject, versions)
    return render_template(
        "leaders/shared_report.html", subject=subject, cycle=subject.cycle, share=share,
        report=shown, summary=overview.summary(shown, current_language()),
        number=display_version(shown),
        versions=version_rows(versions, lambda r: url_for(
            "shared.report", subject_id=subject.id, version=r.version)))
