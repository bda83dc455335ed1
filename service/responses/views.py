"""The rater's pages behind the personal link: read, save for later, submit, decline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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
from service.rubrics import importance
from service.rubrics.wording import wording

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


@dataclass(frozen=True)
class Step:
    """One page of the form: a rubric section, the open questions, or the review."""

    number: int
    kind: str  # "section", "questions" or "review"
    section: dict[str, Any] | None = None


def form_steps(rubric: dict[str, Any]) -> list[Step]:
    """One step per rubric section, one for the open questions (if any), then the review."""
    steps = [Step(n, "section", section) for n, section in enumerate(rubric["sections"], 1)]
    if rubric.get("questions"):
        steps.append(Step(len(steps) + 1, "questions"))
    steps.append(Step(len(steps) + 1, "review"))
    return steps


def _step_number(raw: str | None, steps: list[Step]) -> int | None:
    """The step asked for, if it is one of the form's (anything else: none asked for)."""
    if raw is None or not raw.isdigit() or len(raw) > 3:
        return None
    number = int(raw)
    return number if 1 <= number <= len(steps) else None


def _step_fields(step: Step, rubric: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The item ids (and the section's importance key, when asked) and question ids a step
    asks about."""
    if step.kind == "section" and step.section is not None:
        asked = [importance.key(step.section["id"])] if rubric.get("importance") else []
        return [item["id"] for item in step.section["items"]] + asked, []
    if step.kind == "questions":
        return [], [question["id"] for question in rubric.get("questions", [])]
    return [], []


def _text(text: dict[str, str], lang: str) -> str:
    return text.get(lang) or text["en"]


def _problems(rubric: dict[str, Any], steps: list[Step], form: RatingForm, lang: str,
              is_self: bool, only: Step | None, token: str) -> list[dict[str, str]]:
    """The error summary's list: every problem, each linked to its field (on another step,
    through that step's address)."""
    where: dict[str, tuple[int, str, str]] = {}  # id -> (step, field name, statement)
    entries = {entry["id"]: entry for section in rubric["sections"]
               for entry in section["items"]}
    for step in steps:
        items, questions = _step_fields(step, rubric)
        for item_id in (i for i in items if i in entries):
            where[item_id] = (step.number, f"item-{item_id}",
                              _text(wording(entries[item_id], is_self), lang))
        if step.kind == "section" and step.section is not None and rubric.get("importance"):
            where[importance.key(step.section["id"])] = (
                step.number, importance.FIELD_PREFIX + step.section["id"],
                _text(wording(rubric["importance"], is_self), lang))
        for question in rubric.get("questions", []):
            if question["id"] in questions:
                where[question["id"]] = (step.number, f"question-{question['id']}",
                                         _text(wording(question, is_self), lang))
    problems = []
    for entry_id in [*form.missing, *form.errors]:
        if entry_id not in where:
            continue
        number, name, statement = where[entry_id]
        if only is not None and number != only.number:
            continue
        href = f"#{name}" if only is not None else (
            url_for("rating.show", token=token, step=number) + f"#{name}")
        error = form.errors.get(entry_id)
        problems.append({"text": f"{statement} – {error}" if error else statement,
                         "href": href})
    return problems


def _render_form(invitation: RatingLink, token: str, form: RatingForm | None, status: int = 200,
                 saved: bool = False, step_number: int | None = None,
                 draft: dict[str, Any] | None = None) -> tuple[str, int]:
    assert invitation.rubric is not None  # a link that was found is of a launched cycle
    rubric = invitation.rubric.data
    lang = rubric_language(invitation)
    steps = form_steps(rubric)
    if draft is None:
        draft = operations.saved_draft(invitation, token)
    if step_number is None:
        step_number = _step_number(str(draft.get("step") or 1), steps) or 1
    step = steps[step_number - 1]
    values: dict[str, Any] = {}
    source = form.as_draft() if form else draft
    for answer_key, value in source.get("answers", {}).items():
        values[operations.field_name(answer_key)] = (operations.NOT_OBSERVED if value is None
                                                     else str(value))
    for question_id, text in source.get("comments", {}).items():
        values[f"question-{question_id}"] = text
    if form:  # keep what was typed, even where it was wrong
        for key in request.form:
            values.setdefault(key, request.form[key])

    is_self = invitation.group == RaterGroup.SELF
    questions = _step_fields(step, rubric)[1]
    problems = (_problems(rubric, steps, form, lang, is_self,
                          None if step.kind == "review" else step, token) if form else [])

    def fields() -> Markup:  # an autoescaped template: Markup stops a second escaping
        if step.kind == "review":
            return Markup("")
        return Markup(render_template(  # noqa: S704
            "_rating_fields.html", sections=[step.section] if step.section else [],
            questions=rubric.get("questions", []) if questions else [], lang=lang,
            is_self=is_self, values=values, form=form, not_observed=operations.NOT_OBSERVED,
            scale=rubric["scale"], importance=rubric.get("importance"),
            importance_key=importance.key))

    review = _review(rubric, steps, values, lang, is_self) if step.kind == "review" else None
    context = {"rubric": rubric, "lang": lang, "form": form, "saved": saved,
               "cycle": {"name": invitation.cycle_name, "closes_on": invitation.closes_on,
                         "min_group_size": invitation.min_group_size},
               "is_self": is_self, "group": invitation.group.value,
               "group_name": invitation.group_name(current_language()),
               "not_observed": operations.NOT_OBSERVED, "steps": steps, "step": step,
               "problems": problems, "review": review}
    if values or form or saved:
        return render_template("rate.html", **context, fields=fields(), token=token,
                               leader={"display_name": invitation.leader_name}), status
    return _blank_page(invitation, token, context, fields), status


def _review(rubric: dict[str, Any], steps: list[Step], values: dict[str, Any], lang: str,
            is_self: bool) -> dict[str, Any]:
    """What the review step lists: per section how many statements are answered, and the
    written answers in full (the rater's last look for details that would identify them)."""
    sections = []
    for step in steps:
        if step.kind != "section" or step.section is None:
            continue
        ids = [item["id"] for item in step.section["items"]]
        answered = sum(1 for item_id in ids if values.get(f"item-{item_id}"))
        sections.append({"step": step.number, "title": _text(step.section["title"], lang),
                         "answered": answered, "total": len(ids)})
    question_step = next((s.number for s in steps if s.kind == "questions"), None)
    comments = [{"step": question_step, "text": _text(wording(question, is_self), lang),
                 "answer": values.get(f"question-{question['id']}", "")}
                for question in rubric.get("questions", [])]
    return {"sections": sections, "comments": comments,
            "missing": sum(s["total"] - s["answered"] for s in sections)}


# Stand-ins for what differs between raters of one cycle on a blank form (see _blank_page).
_LEADER, _TOKEN = "\ue000leader\ue000", "zz-rater-token-slot-7f3c9a-zz"


def _blank_page(invitation: RatingLink, token: str, context: dict[str, Any],
                fields: Callable[[], Markup]) -> str:
    """The form as a rater first sees it: rendered once per cycle, language, kind of rater
    and step with stand-ins for the leader's name and the link, which are then put in (the
    name escaped as the template would)."""
    rubric = invitation.rubric
    assert rubric is not None
    page_language = current_language()  # the words around the rubric's, which may differ
    step = context["step"].number
    key = (page_language, context["lang"], context["group"], context["group_name"], step,
           invitation.cycle_name,
           invitation.min_group_size, invitation.closes_on)
    # The language switch comes back to this form: its link carries the stand-in too.
    shell = rubric.blank_page(key, lambda: render_template(
        "rate.html", **context, leader={"display_name": _LEADER}, token=_TOKEN,
        other_language=other_language(url_for("rating.show", token=_TOKEN, step=step)),
        fields=rubric.blank_fields(
            f"{page_language}/{context['lang']}/{'self' if context['is_self'] else 'others'}"
            f"/{step}", fields)))
    return (shell.replace(_TOKEN, token)
            .replace(_LEADER, str(escape(invitation.leader_name))))  # last: never rescanned


@bp.get("/r/<token>")
def show(token: str) -> tuple[str, int]:
    """A step of the form: the one asked for, else the one the rater saved their draft on."""
    invitation = find_invitation(token)
    assert invitation.rubric is not None
    steps = form_steps(invitation.rubric.data)
    return _render_form(invitation, token, None, saved=request.args.get("saved") == "1",
                        step_number=_step_number(request.args.get("step"), steps))


#: What a post may ask for besides submit and decline; "leave" is the script's save when the
#: rater leaves the page (navigator.sendBeacon), answered with no page at all.
STEP_ACTIONS = ("continue", "back", "save", "leave")


@bp.post("/r/<token>")
def answer(token: str) -> WerkzeugResponse | tuple[str, int]:
    """Every post saves what the step sent onto the sealed draft, then moves: on (Continue,
    once the step's statements are answered), back, nowhere (save; leave), or submits."""
    invitation = find_invitation(token)
    assert invitation.rubric is not None
    rubric = invitation.rubric.data
    action = request.form.get("action", "save")
    if action == "decline":
        operations.decline(invitation)
        driver.connection().commit()
        return redirect(url_for("rating.done", outcome="declined", lang=current_language()))
    if action not in ("submit", *STEP_ACTIONS):
        action = "save"
    steps = form_steps(rubric)
    asked = _step_number(request.form.get("step"), steps)
    draft = operations.saved_draft(invitation, token)
    form = parse_rating_form(rubric, operations.merged_answers(draft, request.form))
    here = steps[(asked or _step_number(str(draft.get("step") or 1), steps) or 1) - 1]
    items, questions = _step_fields(here, rubric)
    step_done = not any(entry in form.missing or entry in form.errors
                        for entry in (*items, *questions))
    review = steps[-1]
    if action == "submit":
        target = review
    elif action == "continue" and step_done:
        target = steps[min(here.number, len(steps) - 1)]
    elif action == "back":
        target = steps[max(here.number - 2, 0)]
    else:
        target = here
    try:
        if action == "submit" and form.complete:
            operations.submit(invitation, form)
            driver.connection().commit()
            return redirect(url_for("rating.done", outcome="submitted",
                                    lang=current_language()))
        operations.save_draft(invitation, token, form, target.number)
    except AnswersTooLong as problem:  # nothing stored; the page keeps what was typed
        driver.connection().rollback()
        if action == "leave":
            return WerkzeugResponse(status=problem.status_code)
        longest = max(form.comments, key=lambda key: len(form.comments[key]), default="form")
        form.errors[longest] = str(problem)
        form.missing = []
        at = next((s for s in steps if s.kind == "questions"), here)
        return _render_form(invitation, token, form, status=problem.status_code,
                            step_number=at.number, draft=draft)
    driver.connection().commit()
    if action == "leave":
        return WerkzeugResponse(status=204)
    if action == "submit":
        return _render_form(invitation, token, form, status=422, step_number=review.number,
                            draft=draft)
    if action == "continue" and not step_done:
        form.missing = [entry for entry in form.missing if entry in items]
        form.errors = {k: v for k, v in form.errors.items() if k in (*items, *questions)}
        return _render_form(invitation, token, form, status=422, step_number=here.number,
                            draft=draft)
    if action == "save":
        return redirect(url_for("rating.show", token=token, step=target.number, saved="1"))
    return redirect(url_for("rating.show", token=token, step=target.number))


@bp.get("/r/<token>/decline")
def confirm_decline(token: str) -> WerkzeugResponse | str:
    invitation = find_invitation(token)
    if invitation.group == RaterGroup.SELF:  # the leader's own form offers no declining
        return redirect(url_for("rating.show", token=token))
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
