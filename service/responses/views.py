"""The rater's pages behind the personal link: read, save for later, submit, decline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from werkzeug.wrappers import Response as WerkzeugResponse

from service import driver
from service.errors import DomainError
from service.extensions import csrf
from service.i18n import SUPPORTED, current_language, other_language, set_person_language
from service.nominations.models import RaterGroup
from service.responses import operations
from service.responses.links import RatingLink
from service.responses.operations import LinkProblem, RatingForm, parse_rating_form
from service.responses.sealing import AnswersTooLong
from service.responses.throttle import LinkThrottle

bp = Blueprint("rating", __name__)
# Each of these pages reads with one statement and writes with one, on the driver's
# connection (service/driver.py).
bp.before_request(driver.open_for_request)
bp.teardown_request(driver.close_for_request)
# No CSRF token and no session cookie: the link's 256-bit token, in the address the form posts
# to, is what another site would have to know to forge a post, and knowing it is already all it
# takes to answer. A post that a browser says came from another site is refused all the same
# (`refuse_other_sites`). docs/security.md, "The rater's form".
csrf.exempt(bp)


class FromAnotherSite(DomainError):
    """A post to a rating link that the browser says another site's page sent."""

    status_code = 403

    def __init__(self) -> None:
        super().__init__(_l(
            "For your safety, we only accept answers sent from this service's own pages. Open "
            "the link in your invitation email and fill in the form there. Nothing you saved "
            "earlier has been lost."))


@bp.before_request
def refuse_other_sites() -> None:
    """Fetch metadata (Sec-Fetch-Site) where the browser sends it, else the Origin header: a
    post from another site's page is refused before anything is read or written."""
    if request.method != "POST":
        return
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        if site not in ("same-origin", "none"):
            raise FromAnotherSite()
        return
    origin = request.headers.get("Origin")
    if origin is not None and origin != request.host_url.rstrip("/"):
        raise FromAnotherSite()


class TooManyFailures(DomainError):
    """This address is past TOKEN_FAILURE_LIMIT failed look-ups (service/responses/throttle.py)."""

    status_code = 429

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(_l("Too many links we do not recognise"))


def find_invitation(token: str) -> RatingLink:
    """The invitation behind a personal link. A failed look-up counts against the client's
    address, once per request whichever page it was; past the limit the failure is a 429. A
    valid link is served whatever the address's count."""
    try:
        invitation = operations.find_invitation(token)
    except LinkProblem as problem:
        if problem.kind == "unknown" and not g.get("link_failure_counted"):
            g.link_failure_counted = True
            throttle: LinkThrottle = current_app.extensions["link_throttle"]
            address = request.remote_addr or "unknown"
            if not throttle.failed(address):
                raise TooManyFailures(throttle.retry_after(address)) from None
        raise
    # The rater's directory language (else the cycle's, in which they were invited).
    set_person_language(invitation.rater_language or invitation.cycle_language)
    return invitation


def rubric_language(invitation: RatingLink) -> str:
    """The page's language for the rubric's own texts, if the rubric has it; else English."""
    languages = invitation.rubric.languages if invitation.rubric else ["en"]
    page = current_language()
    return page if page in languages else "en"


@bp.errorhandler(LinkProblem)
def link_problem(problem: LinkProblem) -> tuple[str, int]:
    if problem.language:
        set_person_language(problem.language)
    return render_template("link_problem.html", kind=problem.kind), problem.status_code


@bp.errorhandler(TooManyFailures)
def too_many_failures(error: TooManyFailures) -> tuple[str, int, dict[str, str]]:
    minutes = -(-error.retry_after // 60)
    page = render_template(
        "error.html", title=gettext("Too many links we do not recognise"),
        message=ngettext(
            "Many links that we do not recognise have come from your network, so we have "
            "stopped checking new ones for a while. Check that you copied the whole link from "
            "your email, or try again in %(num)d minute. A link from your invitation email "
            "still works.",
            "Many links that we do not recognise have come from your network, so we have "
            "stopped checking new ones for a while. Check that you copied the whole link from "
            "your email, or try again in %(num)d minutes. A link from your invitation email "
            "still works.", minutes))
    return page, 429, {"Retry-After": str(error.retry_after)}


def _render_form(invitation: RatingLink, token: str, form: RatingForm | None, status: int = 200,
                 saved: bool = False) -> tuple[str, int]:
    assert invitation.rubric is not None  # a link that was found is of a launched cycle
    rubric = invitation.rubric.data
    lang = rubric_language(invitation)
    values: dict[str, Any] = {}
    source = form.as_draft() if form else operations.saved_draft(invitation, token)
    for item_id, value in source.get("answers", {}).items():
        values[f"item-{item_id}"] = operations.NOT_OBSERVED if value is None else str(value)
    for question_id, text in source.get("comments", {}).items():
        values[f"question-{question_id}"] = text
    if form:  # keep what was typed, even where it was wrong
        for key in request.form:
            values.setdefault(key, request.form[key])

    is_self = invitation.group == RaterGroup.SELF

    def fields() -> Markup:  # an autoescaped template: Markup stops a second escaping
        return Markup(render_template(  # noqa: S704
            "_rating_fields.html", rubric=rubric, lang=lang, is_self=is_self, values=values,
            form=form, not_observed=operations.NOT_OBSERVED))

    context = {"rubric": rubric, "lang": lang, "form": form, "saved": saved,
               "cycle": {"name": invitation.cycle_name, "closes_on": invitation.closes_on,
                         "min_group_size": invitation.min_group_size},
               "is_self": is_self, "not_observed": operations.NOT_OBSERVED}
    if values or form or saved:
        return render_template("rate.html", **context, fields=fields(), token=token,
                               leader={"display_name": invitation.leader_name}), status
    return _blank_page(invitation, token, context, fields), status


# Stand-ins for what differs between raters of one cycle on a blank form (see _blank_page).
_LEADER, _TOKEN = "\ue000leader\ue000", "zz-rater-token-slot-7f3c9a-zz"


def _blank_page(invitation: RatingLink, token: str, context: dict[str, Any],
                fields: Callable[[], Markup]) -> str:
    """The form as a rater first sees it: rendered once per cycle, language and kind of
    rater with stand-ins for the leader's name and the link, which are then put in (the name
    escaped as the template would)."""
    rubric = invitation.rubric
    assert rubric is not None
    page_language = current_language()  # the words around the rubric's, which may differ
    key = (page_language, context["lang"], context["is_self"], invitation.cycle_name,
           invitation.min_group_size, invitation.closes_on)
    # The language switch comes back to this form: its link carries the stand-in too.
    shell = rubric.blank_page(key, lambda: render_template(
        "rate.html", **context, leader={"display_name": _LEADER}, token=_TOKEN,
        other_language=other_language(url_for("rating.show", token=_TOKEN)),
        fields=rubric.blank_fields(
            f"{page_language}/{context['lang']}/{'self' if context['is_self'] else 'others'}",
            fields)))
    return (shell.replace(_TOKEN, token)
            .replace(_LEADER, str(escape(invitation.leader_name))))  # last: never rescanned


@bp.get("/r/<token>")
def show(token: str) -> tuple[str, int]:
    invitation = find_invitation(token)
    return _render_form(invitation, token, None, saved=request.args.get("saved") == "1")


@bp.post("/r/<token>")
def answer(token: str) -> WerkzeugResponse | tuple[str, int]:
    invitation = find_invitation(token)
    assert invitation.rubric is not None
    rubric = invitation.rubric.data
    action = request.form.get("action", "save")
    if action == "decline":
        operations.decline(invitation)
        driver.connection().commit()
        return redirect(url_for("rating.done", outcome="declined", lang=current_language()))
    form = parse_rating_form(rubric, request.form)
    try:
        if action == "submit" and form.complete:
            operations.submit(invitation, form)
            driver.connection().commit()
            return redirect(url_for("rating.done", outcome="submitted",
                                    lang=current_language()))
        operations.save_draft(invitation, token, form)
    except AnswersTooLong as problem:  # nothing stored; the page keeps what was typed
        driver.connection().rollback()
        longest = max(form.comments, key=lambda key: len(form.comments[key]), default="form")
        form.errors[longest] = str(problem)
        return _render_form(invitation, token, form, status=problem.status_code)
    driver.connection().commit()
    if action == "submit":
        return _render_form(invitation, token, form, status=422)
    return redirect(url_for("rating.show", token=token, saved="1"))


@bp.get("/r/<token>/decline")
def confirm_decline(token: str) -> str:
    invitation = find_invitation(token)
    return render_template("decline.html", token=token,
                           leader={"display_name": invitation.leader_name})


@bp.get("/done/<any(submitted, declined):outcome>")
def done(outcome: str) -> str:
    """After the link is used up: in the language the form was in (`lang`, as the rater's
    directory language would have been; a choice made with the switch still wins)."""
    language = request.args.get("lang")
    if language in SUPPORTED:
        set_person_language(language)
    return render_template("done.html", outcome=outcome)
