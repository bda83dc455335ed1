"""The rater's pages behind the personal link: read, save for later, submit, decline."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from service.db import db
from service.errors import DomainError
from service.nominations.models import Invitation, RaterGroup
from service.responses import operations
from service.responses.labels import ui_labels
from service.responses.operations import LinkProblem, RatingForm, parse_rating_form
from service.responses.sealing import AnswersTooLong
from service.responses.throttle import LinkThrottle

bp = Blueprint("rating", __name__)


class TooManyFailures(DomainError):
    """This address is past TOKEN_FAILURE_LIMIT failed look-ups (service/responses/throttle.py)."""

    status_code = 429

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__("too many unrecognised links")


def find_invitation(token: str) -> Invitation:
    """The invitation behind a personal link. A failed look-up counts against the client's
    address, once per request whichever page it was; past the limit the failure is a 429. A
    valid link is served whatever the address's count."""
    try:
        return operations.find_invitation(token)
    except LinkProblem as problem:
        if problem.kind == "unknown" and not g.get("link_failure_counted"):
            g.link_failure_counted = True
            throttle: LinkThrottle = current_app.extensions["link_throttle"]
            address = request.remote_addr or "unknown"
            if not throttle.failed(address):
                raise TooManyFailures(throttle.retry_after(address)) from None
        raise


@bp.errorhandler(LinkProblem)
def link_problem(problem: LinkProblem) -> tuple[str, int]:
    return render_template("link_problem.html", kind=problem.kind,
                           labels=ui_labels("en")), problem.status_code


@bp.errorhandler(TooManyFailures)
def too_many_failures(error: TooManyFailures) -> tuple[str, int, dict[str, str]]:
    minutes = -(-error.retry_after // 60)
    page = render_template(
        "error.html", title="Too many links we do not recognise",
        message="Many links that we do not recognise have come from your network, so we have "
                "stopped checking new ones for a while. Check that you copied the whole link "
                f"from your email, or try again in {minutes} minute(s). A link from your "
                "invitation email still works.")
    return page, 429, {"Retry-After": str(error.retry_after)}


def _language(invitation: Invitation, rubric: dict[str, Any]) -> str:
    wanted = invitation.nomination.person.language or invitation.nomination.subject.cycle.language
    return wanted if wanted in rubric.get("languages", ["en"]) else "en"


def _render_form(invitation: Invitation, token: str, form: RatingForm | None, status: int = 200,
                 saved: bool = False) -> tuple[str, int]:
    cycle = invitation.nomination.subject.cycle
    rubric = cycle.rubric_snapshot
    lang = _language(invitation, rubric)
    values: dict[str, Any] = {}
    source = form.as_draft() if form else operations.saved_draft(invitation, token)
    for item_id, value in source.get("answers", {}).items():
        values[f"item-{item_id}"] = operations.NOT_OBSERVED if value is None else str(value)
    for question_id, text in source.get("comments", {}).items():
        values[f"question-{question_id}"] = text
    if form:  # keep what was typed, even where it was wrong
        for key in request.form:
            values.setdefault(key, request.form[key])
    return render_template(
        "rate.html", rubric=rubric, lang=lang, labels=ui_labels(lang), values=values,
        form=form, saved=saved, cycle=cycle,
        leader=invitation.nomination.subject.person,
        is_self=invitation.nomination.group == RaterGroup.SELF,
        not_observed=operations.NOT_OBSERVED,
    ), status


@bp.get("/r/<token>")
def show(token: str) -> tuple[str, int]:
    invitation = find_invitation(token)
    return _render_form(invitation, token, None, saved=request.args.get("saved") == "1")


@bp.post("/r/<token>")
def answer(token: str) -> WerkzeugResponse | tuple[str, int]:
    invitation = find_invitation(token)
    rubric = invitation.nomination.subject.cycle.rubric_snapshot
    action = request.form.get("action", "save")
    if action == "decline":
        operations.decline(invitation)
        db.session.commit()
        return redirect(url_for("rating.done", outcome="declined"))
    form = parse_rating_form(rubric, request.form)
    try:
        if action == "submit" and form.complete:
            operations.submit(invitation, form)
            db.session.commit()
            return redirect(url_for("rating.done", outcome="submitted"))
        operations.save_draft(invitation, token, form)
    except AnswersTooLong as problem:  # nothing stored; the page keeps what was typed
        db.session.rollback()
        longest = max(form.comments, key=lambda key: len(form.comments[key]), default="form")
        form.errors[longest] = str(problem)
        return _render_form(invitation, token, form, status=problem.status_code)
    db.session.commit()
    if action == "submit":
        return _render_form(invitation, token, form, status=422)
    return redirect(url_for("rating.show", token=token, saved="1"))


@bp.get("/r/<token>/decline")
def confirm_decline(token: str) -> str:
    invitation = find_invitation(token)
    rubric = invitation.nomination.subject.cycle.rubric_snapshot
    lang = _language(invitation, rubric)
    return render_template("decline.html", token=token, lang=lang, labels=ui_labels(lang),
                           leader=invitation.nomination.subject.person)


@bp.get("/done/<any(submitted, declined):outcome>")
def done(outcome: str) -> str:
    return render_template("done.html", outcome=outcome, labels=ui_labels("en"))
