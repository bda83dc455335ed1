"""The evidence pack's pages: the leader issues, downloads and withdraws a pack from their
report page (`/me/cycles/<id>/evidence…`), and anyone holding the printed link checks it at
`/verify/<token>`, without signing in.

The leader's routes answer 404 for a subject that is not the signed-in person's own, as the
report page does. The verification page shows only what matches the paper (leader, cycle,
completion and issue dates, the digest) and the pack's state; an unknown token is a 404 page,
and counts against the client's address in the personal links' throttle
(service/responses/throttle.py), so guessing is slowed as it is for rating links."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext, ngettext
from flask_login import current_user

from service.db import db
from service.evidence import operations as evidence
from service.evidence.pdf import grouped, render
from service.evidence.schemas import EvidencePackOut
from service.i18n import current_language
from service.leaders.views import own_released
from service.reports.context import format_date
from service.staff.access import require_signed_in
from service.staff.views import staff_page_context
from service.web.downloads import pdf_response

bp = Blueprint("evidence", __name__)
bp.context_processor(staff_page_context)


def _back(subject_id: int, done: str | None = None) -> Response:
    args = {"done": done} if done else {}
    return redirect(url_for("leaders.report", subject_id=subject_id, **args) + "#evidence",
                    code=303)


@bp.post("/me/cycles/<int:subject_id>/evidence")
@require_signed_in
def issue(subject_id: int) -> Response:
    """Issue a pack (replacing the current one), with the section scores if chosen."""
    subject = own_released(subject_id)
    evidence.issue_pack(subject, include_scores=request.form.get("scores") == "yes",
                        by=current_user.person)
    db.session.commit()
    return _back(subject.id, "evidence_issued")


@bp.post("/me/cycles/<int:subject_id>/evidence/<int:pack_id>/withdraw")
@require_signed_in
def withdraw(subject_id: int, pack_id: int) -> Response:
    subject = own_released(subject_id)
    pack = evidence.pack_of(subject, pack_id)
    if not pack.active:
        return _back(subject.id)  # already withdrawn: the page shows it
    evidence.withdraw_pack(pack, current_user.person)
    db.session.commit()
    return _back(subject.id, "evidence_withdrawn")


def _active(subject_id: int, pack_id: int) -> Any:
    subject = own_released(subject_id)
    pack = evidence.pack_of(subject, pack_id)
    if not pack.active:
        abort(404)
    return pack


@bp.get("/me/cycles/<int:subject_id>/evidence/<int:pack_id>.pdf")
@require_signed_in
def pdf(subject_id: int, pack_id: int) -> Response:
    pack = _active(subject_id, pack_id)
    url = evidence.verification_url(evidence.token_of(pack))
    return pdf_response(render(pack, url), evidence.filename(pack, "pdf"))


@bp.get("/me/cycles/<int:subject_id>/evidence/<int:pack_id>.json")
@require_signed_in
def json_record(subject_id: int, pack_id: int) -> Response:
    pack = _active(subject_id, pack_id)
    return json_response(pack)


def json_response(pack: Any) -> Response:
    """The pack's JSON document as a download, never cached, named without the leader."""
    body = json.dumps(EvidencePackOut().dump(evidence.document(pack)), ensure_ascii=False,
                      indent=1)
    response = make_response(body + "\n")
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{evidence.filename(pack, "json")}"')
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/verify/<token>")
def verify(token: str) -> Any:
    """Genuine, withdrawn, or unknown (404); nothing else of the pack."""
    pack = evidence.find_by_token(token[:100])
    if pack is None:
        throttle = current_app.extensions["link_throttle"]
        address = request.remote_addr or "unknown"
        if not throttle.failed(address):
            return _too_many(throttle.retry_after(address))
        return render_template("evidence/unknown.html"), 404, _private()
    record, lang = pack.record, current_language()

    def day(value: str | dt.date | None) -> str:
        if value is None:
            return ""
        return format_date(value if isinstance(value, dt.date)
                           else dt.date.fromisoformat(value), lang)

    return render_template(
        "evidence/verify.html", withdrawn=not pack.active,
        withdrawn_on=day(pack.withdrawn_at.date()) if pack.withdrawn_at else "",
        leader=record["leader"]["display_name"], cycle=record["cycle"]["name"],
        completed_on=day(record["cycle"]["completed_on"]), issued_on=day(record["issued_on"]),
        # Yes/no facts, so an edited paper is caught without the JSON (never counts or scores)
        session_held=record["facilitated_session"]["held"],
        plan_agreed=record["action_plan"]["agreed"],
        scores_included=record["scores"] is not None,
        digest=grouped(pack.digest)), 200, _private()


def _private() -> dict[str, str]:
    """Not for search engines, nor for caches (the token is in the address)."""
    return {"X-Robots-Tag": "noindex, nofollow", "Cache-Control": "no-store"}


def _too_many(retry_after: int) -> Any:
    minutes = -(-retry_after // 60)
    page = render_template(
        "error.html", title=gettext("Too many links we do not recognise"),
        message=ngettext(
            "Many verification links that we do not recognise have come from your network, "
            "so we have stopped checking new ones for a while. Check that you copied the whole "
            "address from the pack, or try again in %(num)d minute.",
            "Many verification links that we do not recognise have come from your network, "
            "so we have stopped checking new ones for a while. Check that you copied the whole "
            "address from the pack, or try again in %(num)d minutes.", minutes))
    return page, 429, {**_private(), "Retry-After": str(retry_after)}
