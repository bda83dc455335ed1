"""A leader chooses their raters; their line manager approves the list (blueprint
`nominating`). Each action is one operation of service/nominations/lists.py; the page commits
once, or rolls back and shows the operation's sentence, which names the fix.

Someone asking about a list that is not theirs gets a 404 that says nothing about it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from service.cycles.models import Cycle, CycleGroup, CycleState, Subject
from service.cycles.views import cycle_names, group_names, group_words
from service.db import db
from service.errors import DomainError, InvalidInput
from service.i18n import long_date
from service.nominations import lists
from service.nominations.groups import choosable, group_counts, group_of, group_order
from service.nominations.models import BUILT_IN_GROUPS, ListState, Nomination, RaterGroup
from service.nominations.operations import suggest_raters
from service.people.models import Person
from service.people.operations import search_people
from service.staff.access import require_signed_in
from service.staff.views import staff_page_context

bp = Blueprint("nominating", __name__)
bp.context_processor(staff_page_context)
CHOOSABLE = [g.value for g in BUILT_IN_GROUPS if g != RaterGroup.SELF]


@bp.context_processor
def _context() -> dict[str, Any]:
    return {"group_names": group_names(), "group_words": group_words(), "suggested_groups": {},
            "long_date": long_date, "anchor": lambda field: field,
            "choosable": CHOOSABLE}


class _FieldError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def _done(key: str | None) -> str | None:
    return {
        "added": _("The person is added to the list."),
        "removed": _("The person is removed from the list."),
        "suggested": _("The suggested people are added to the list."),
        "submitted": _("Your list is sent to your manager for approval."),
        "final": _("Your list is submitted. It is final."),
        "approved": _("The list is approved. You and the leader are told by email."),
        "returned": _("The list is returned to the leader with your note."),
    }.get(key or "")


def _me() -> Person:
    return current_user.person


def _not_yours(exc: DomainError) -> Any:
    return render_template("error.html", title=_("Page not found"), message=str(exc)), 404


def _groups_of(cycle: Cycle) -> dict[str, Any]:
    """The page's group names, words and choice with the cycle's own groups in them."""
    return {**cycle_names(cycle), "choosable": choosable(cycle)}


def _nominations(subject: Subject) -> dict[str, list[Nomination]]:
    """The list, by group: the built-in ones in the order of RaterGroup, then the cycle's
    own."""
    rows = db.session.scalars(
        select(Nomination).join(Person, Nomination.person_id == Person.id)
        .where(Nomination.subject_id == subject.id).order_by(Person.display_name)).all()
    by_group: dict[str, list[Nomination]] = {key: [] for key in group_order(subject.cycle)}
    for nomination in rows:
        key = (nomination.custom_group.results_key if nomination.custom_group is not None
               else nomination.group.value)
        by_group.setdefault(key, []).append(nomination)
    return by_group


def _search(q: str, errors: dict[str, str], chosen: set[int]) -> list[Person]:
    if not q:
        return []
    try:
        return [p for p in search_people(q) if p.id not in chosen]
    except InvalidInput:
        errors["q"] = _("Enter at least two letters of a name or an email address")
        return []


def _person(form: Any) -> Person:
    person = db.session.get(Person, int(form["person"])) \
        if form.get("person", "").isdigit() else None
    if person is None or not person.active:
        raise _FieldError("q", _("Search for the person to add"))
    return person


def _group(form: Any, subject: Subject, person: Person) -> RaterGroup | CycleGroup:
    """The group chosen for a person: a built-in one but self, or one of the cycle's own."""
    if person.id == subject.person_id:
        return RaterGroup.SELF
    key = form.get(f"group-{person.id}", "")
    group = group_of(subject.cycle, key) if key in choosable(subject.cycle) else None
    if group is None:
        raise _FieldError(f"group-{person.id}", _("Choose the group of %(name)s",
                                                  name=person.display_name))
    return group


def _nomination(form: Any) -> Nomination:
    nomination = db.session.get(Nomination, int(form["nomination"])) \
        if form.get("nomination", "").isdigit() else None
    if nomination is None:
        raise _FieldError("q", _("That person is not on this list."))
    return nomination


# -- the leader ---------------------------------------------------------------------------

def _raters_page(subject: Subject, status: int = 200,
                 errors: dict[str, str] | None = None) -> tuple[str, int]:
    errors = dict(errors or {})
    q = request.values.get("q", "").strip()[:200]
    by_group = _nominations(subject)
    chosen = {n.person_id for group in by_group.values() for n in group}
    results = _search(q, errors, chosen)
    suggested = suggest_raters(subject)
    suggestions = [(p, g.value) for p, g in suggested if p.id not in chosen]
    state = lists.state_of(subject)
    editable = subject.cycle.state == CycleState.DRAFT and \
        state.state in (ListState.DRAFT, ListState.RETURNED)
    return render_template(
        "nominations/raters.html", subject=subject, cycle=subject.cycle, state=state,
        by_group=by_group, counts=group_counts(subject), suggestions=suggestions,
        results=results, q=q, errors=errors, editable=editable,
        needs_approval=lists.needs_approval(subject.cycle),
        suggested_groups={p.id: g.value for p, g in suggested},
        limit=_limit(), done=_done(request.args.get("done")),
        **_groups_of(subject.cycle)), status


def _limit() -> int:
    from flask import current_app

    return int(current_app.config["RATER_REQUEST_LIMIT"])


@bp.route("/me/cycles/<int:subject_id>/raters", methods=["GET", "POST"])
@require_signed_in
def raters(subject_id: int) -> Any:
    try:
        subject = lists.subject_of_leader(_me(), subject_id)
    except lists.NotYours as exc:
        return _not_yours(exc)
    if request.method == "GET":
        short_q = 0 < len(request.args.get("q", "").strip()) < 2
        return _raters_page(subject, 400 if short_q else 200)
    action = request.form.get("action", "")
    try:
        done = _leader_action(subject, action)
    except _FieldError as exc:
        db.session.rollback()
        return _raters_page(db.session.get(Subject, subject_id), 400, {exc.field: exc.message})
    except DomainError as exc:
        db.session.rollback()
        return _raters_page(db.session.get(Subject, subject_id),
                            exc.status_code if exc.status_code != 404 else 400,
                            {"q": str(exc)})
    db.session.commit()
    return redirect(url_for("nominating.raters", subject_id=subject_id, done=done), code=303)


def _leader_action(subject: Subject, action: str) -> str:
    form = request.form
    if action == "suggest":
        lists.leader_add_suggestions(subject)
        return "suggested"
    if action == "add":
        person = _person(form)
        lists.leader_add(subject, person, _group(form, subject, person))
        return "added"
    if action == "remove":
        lists.leader_remove(subject, _nomination(form))
        return "removed"
    raise _FieldError("q", _("Choose what to do"))


@bp.route("/me/cycles/<int:subject_id>/raters/submit", methods=["GET", "POST"])
@require_signed_in
def submit(subject_id: int) -> Any:
    try:
        subject = lists.subject_of_leader(_me(), subject_id)
    except lists.NotYours as exc:
        return _not_yours(exc)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            state = lists.submit(subject, accept_short=request.form.get("accept_short") == "yes")
        except lists.ShortList:
            db.session.rollback()
            errors["accept_short"] = _("Some groups cannot reach the number needed. Confirm "
                                       "that you want to submit the list as it is, or go back "
                                       "and add people.")
            status = 400
        except DomainError as exc:
            db.session.rollback()
            errors["submit"] = str(exc)
            status = exc.status_code if exc.status_code != 404 else 400
        else:
            db.session.commit()
            return redirect(url_for("nominating.raters", subject_id=subject_id,
                                    done="submitted" if state.state == ListState.SUBMITTED
                                    else "final"), code=303)
        subject = db.session.get(Subject, subject_id)
    counts = group_counts(subject)
    return render_template(
        "nominations/submit.html", subject=subject, cycle=subject.cycle, counts=counts,
        short=lists.short_groups(subject), errors=errors,
        needs_approval=lists.needs_approval(subject.cycle),
        manager=subject.person.manager, **_groups_of(subject.cycle)), status


# -- the manager --------------------------------------------------------------------------

@bp.get("/team/approvals")
@require_signed_in
def approvals() -> str:
    from service.cycles.models import Cycle, Nominator
    from service.nominations.models import NominationList

    rows = db.session.execute(
        select(Subject, NominationList.state)
        .join(Person, Subject.person_id == Person.id)
        .join(Cycle, Subject.cycle_id == Cycle.id)
        .outerjoin(NominationList, NominationList.subject_id == Subject.id)
        .where(Person.manager_id == _me().id, Person.active.is_(True),
               Cycle.state == CycleState.DRAFT,
               Cycle.nominated_by == Nominator.LEADER_WITH_MANAGER_APPROVAL)
        .order_by(Person.display_name, Subject.id)).all() if _me().active else []
    entries = [(subject, state or ListState.DRAFT) for subject, state in rows]
    return render_template(
        "nominations/approvals.html",
        waiting=[e for e in entries if e[1] == ListState.SUBMITTED],
        others=[e for e in entries if e[1] != ListState.SUBMITTED],
        done=_done(request.args.get("done")))


def _approval_page(subject: Subject, status: int = 200,
                   errors: dict[str, str] | None = None, note: str = "") -> tuple[str, int]:
    errors = dict(errors or {})
    q = request.values.get("q", "").strip()[:200]
    by_group = _nominations(subject)
    chosen = {n.person_id for group in by_group.values() for n in group}
    state = lists.state_of(subject)
    editable = subject.cycle.state == CycleState.DRAFT and state.state == ListState.SUBMITTED
    return render_template(
        "nominations/approval.html", subject=subject, cycle=subject.cycle, state=state,
        by_group=by_group, counts=group_counts(subject),
        results=_search(q, errors, chosen) if editable else [], q=q, errors=errors,
        editable=editable, note=note, done=_done(request.args.get("done")),
        suggested_groups={p.id: g.value for p, g in suggest_raters(subject)},
        **_groups_of(subject.cycle)), status


@bp.route("/team/approvals/<int:subject_id>", methods=["GET", "POST"])
@require_signed_in
def approval(subject_id: int) -> Any:
    try:
        subject = lists.subject_for_manager(_me(), subject_id)
    except lists.NotYours as exc:
        return _not_yours(exc)
    if request.method == "GET":
        short_q = 0 < len(request.args.get("q", "").strip()) < 2
        return _approval_page(subject, 400 if short_q else 200)
    action = request.form.get("action", "")
    note = request.form.get("note", "")[:lists.MAX_NOTE + 1]
    try:
        done = _manager_action(subject, action, note)
    except _FieldError as exc:
        db.session.rollback()
        return _approval_page(db.session.get(Subject, subject_id), 400,
                              {exc.field: exc.message}, note)
    except DomainError as exc:
        db.session.rollback()
        field = "note" if action in ("approve", "return") else "q"
        return _approval_page(db.session.get(Subject, subject_id),
                              exc.status_code if exc.status_code != 404 else 400,
                              {field: str(exc)}, note)
    db.session.commit()
    if done in ("approved", "returned"):
        return redirect(url_for("nominating.approvals", done=done), code=303)
    return redirect(url_for("nominating.approval", subject_id=subject_id, done=done), code=303)


def _manager_action(subject: Subject, action: str, note: str) -> str:
    form = request.form
    manager = _me()
    if action == "add":
        person = _person(form)
        lists.manager_add(subject, manager, person, _group(form, subject, person))
        return "added"
    if action == "remove":
        lists.manager_remove(subject, manager, _nomination(form))
        return "removed"
    if action == "approve":
        lists.approve(subject, manager, note)
        return "approved"
    if action == "return":
        lists.return_list(subject, manager, note)
        return "returned"
    raise _FieldError("q", _("Choose what to do"))
