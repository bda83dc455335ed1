"""The rater's pages behind the personal link: read, save for later, submit, decline."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response as WerkzeugResponse

from service.db import db, end_statement_transactions, statement_transactions
from service.extensions import limiter
from service.nominations.models import RaterGroup
from service.responses import operations
from service.responses.labels import ui_labels
from service.responses.links import RatingLink
from service.responses.operations import LinkProblem, RatingForm, parse_rating_form
from service.responses.sealing import AnswersTooLong

bp = Blueprint("rating", __name__)
# Each of these pages reads with one statement and writes with one (service/db.py).
bp.before_request(statement_transactions)
bp.teardown_request(end_statement_transactions)

# Count only failed look-ups against the client, so guessing is throttled and raters are not.
_throttle = limiter.limit(
    lambda: current_app.config["TOKEN_FAILURE_LIMIT"],
    deduct_when=lambda response: response.status_code == 404,
)


@bp.errorhandler(LinkProblem)
def link_problem(problem: LinkProblem) -> tuple[str, int]:
    return render_template("link_problem.html", kind=problem.kind,
                           labels=ui_labels("en")), problem.status_code


def _render_form(invitation: RatingLink, token: str, form: RatingForm | None, status: int = 200,
                 saved: bool = False) -> tuple[str, int]:
    assert invitation.rubric is not None  # a link that was found is of a launched cycle
    rubric = invitation.rubric.data
    lang = invitation.language
    labels = ui_labels(lang)
    values: dict[str, Any] = {}
    source = form.as_draft() if form else operations.saved_draft(invitation, token)
    for item_id, value in source.get("answers", {}).items():
        values[f"item-{item_id}"] = operations.NOT_OBSERVED if value is None else str(value)
    for question_id, text in source.get("comments", {}).items():
        values[f"question-{question_id}"] = text
    if form:  # keep what was typed, even where it was wrong
        for key in request.form:
            values.setdefault(key, request.form[key])

    def fields() -> Markup:  # an autoescaped template: Markup stops a second escaping
        return Markup(render_template(  # noqa: S704
            "_rating_fields.html", rubric=rubric, lang=lang, labels=labels, values=values,
            form=form, not_observed=operations.NOT_OBSERVED))

    return render_template(
        "rate.html", rubric=rubric, lang=lang, labels=labels, form=form, saved=saved,
        fields=invitation.rubric.blank_fields(lang, fields) if not values and not form
        else fields(),
        cycle={"name": invitation.cycle_name, "closes_on": invitation.closes_on,
               "min_group_size": invitation.min_group_size},
        leader={"display_name": invitation.leader_name},
        is_self=invitation.group == RaterGroup.SELF,
        not_observed=operations.NOT_OBSERVED,
    ), status


@bp.get("/r/<token>")
@_throttle
def show(token: str) -> tuple[str, int]:
    invitation = operations.find_invitation(token)
    return _render_form(invitation, token, None, saved=request.args.get("saved") == "1")


@bp.post("/r/<token>")
@_throttle
def answer(token: str) -> WerkzeugResponse | tuple[str, int]:
    invitation = operations.find_invitation(token)
    assert invitation.rubric is not None
    rubric = invitation.rubric.data
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
@_throttle
def confirm_decline(token: str) -> str:
    invitation = operations.find_invitation(token)
    lang = invitation.language
    return render_template("decline.html", token=token, lang=lang, labels=ui_labels(lang),
                           leader={"display_name": invitation.leader_name})


@bp.get("/done/<any(submitted, declined):outcome>")
def done(outcome: str) -> str:
    return render_template("done.html", outcome=outcome, labels=ui_labels("en"))
