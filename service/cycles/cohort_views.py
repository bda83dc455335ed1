"""The HR console's cohort and nominations pages (blueprint `console`, from views.py).

Leaders are added by search, by department, below a manager or from an uploaded list of email
addresses: every way but search shows who would be added before anything changes, and the
adding is one `add_leaders` call (one audit row). Nominations show counts per group against the
threshold; the pages name raters only where HR picks them, before launch."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from service.cycles import cohorts
from service.cycles.leaders import add_leaders, assign_facilitator, remove_leader
from service.cycles.models import Cycle, CycleState, Subject
from service.cycles.operations import get_cycle
from service.cycles.views import bp, cycle_names, done_message
from service.db import db
from service.errors import DomainError, InvalidInput, NotFound
from service.nominations import lists
from service.nominations.groups import choosable, group_counts, group_of, group_order, key_of
from service.nominations.models import ListState, Nomination, RaterGroup
from service.nominations.operations import nominate_into, nominate_suggested, remove_nomination
from service.people.models import Person
from service.people.operations import find_person, search_people
from service.staff.access import require_role

MAX_LIST = 2000  # addresses in one uploaded list


def _subject(cycle: Cycle, subject_id: int) -> Subject:
    subject = db.session.get(Subject, subject_id)
    if subject is None or subject.cycle_id != cycle.id:
        raise NotFound(_("That leader is not in this cycle."))
    return subject


def _one_person(text: str, field: str) -> Person:
    """Someone named by email, directory id or (an unambiguous part of) their name."""
    if len(text) < 2:
        raise _FieldError(field, _("Enter at least two letters of a name or an email address"))
    try:
        return find_person(text)
    except InvalidInput:
        pass
    try:
        found = search_people(text, limit=2)
    except InvalidInput:
        found = []
    if not found:
        raise _FieldError(field, _("Nobody active matches “%(text)s”. Check the name or email "
                                   "address.", text=text))
    if len(found) > 1:
        raise _FieldError(field, _("More than one person matches “%(text)s”. Enter their "
                                   "email address.", text=text))
    return found[0]


class _FieldError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def _emails_in(upload: Any) -> list[str]:
    """The addresses in an uploaded CSV: every cell with an @, header or not, in order."""
    raw = upload.read() if upload else b""
    if not raw:
        raise _FieldError("emails-file", _("Choose a CSV file of email addresses"))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _FieldError("emails-file", _("The file must be a CSV file saved as UTF-8 "
                                           "text")) from None
    emails = [cell.strip() for row in csv.reader(io.StringIO(text)) for cell in row
              if "@" in cell]
    if not emails:
        raise _FieldError("emails-file", _("The file has no email addresses: put one address "
                                           "in each row"))
    if len(emails) > MAX_LIST:
        raise _FieldError("emails-file", _("The file has more than %(max)d addresses: split "
                                           "it", max=MAX_LIST))
    return emails


def _leaders_page(cycle: Cycle, status: int = 200, errors: dict[str, str] | None = None,
                  **context: Any) -> tuple[str, int]:
    args = request.values
    context.setdefault("q", args.get("q", "").strip()[:200])
    context.setdefault("department", args.get("department", "").strip()[:400])
    context.setdefault("manager", args.get("manager", "").strip()[:400])
    context.setdefault("typed", {})
    errors = dict(errors or {})
    if request.method == "GET":
        _previews(context, errors)
        if errors:  # a search, department or manager that finds nobody
            status = 400
    subjects = sorted(cycle.subjects, key=lambda s: (s.person.display_name, s.id))
    return render_template("console/leaders.html", cycle=cycle, subjects=subjects,
                           errors=errors, done=done_message(request.args.get("done")),
                           draft=cycle.state == CycleState.DRAFT,
                           can_add=cycle.state in (CycleState.DRAFT, CycleState.OPEN),
                           nav_current="console.home", **context), status


def _previews(context: dict[str, Any], errors: dict[str, str]) -> None:
    """What a search, a department or a manager would add (GET: nothing changes)."""
    if context["q"] and "results" not in context:
        try:
            context["results"] = search_people(context["q"])
        except InvalidInput:
            errors["q"] = _("Enter at least two letters to search for")
    if context["department"] and "preview" not in context:
        try:
            context["preview"] = cohorts.by_department(context["department"])
            context["preview_how"] = "department"
        except InvalidInput:
            errors["department"] = _("Nobody with direct reports works in department "
                                     "“%(name)s”. Check the spelling.",
                                     name=context["department"])
    if context["manager"] and "preview" not in context:
        try:
            boss = _one_person(context["manager"], "manager")
            context["preview"] = cohorts.under_manager(boss)
            context["preview_how"] = "manager"
            context["boss"] = boss
        except _FieldError as exc:
            errors[exc.field] = exc.message
        except InvalidInput:
            errors["manager"] = _("Nobody with direct reports works below %(name)s.",
                                  name=boss.display_name)


@bp.route("/cycles/<int:cycle_id>/leaders", methods=["GET", "POST"])
@require_role("hr")
def leaders(cycle_id: int) -> Any:
    cycle = get_cycle(cycle_id)
    if request.method == "GET":
        return _leaders_page(cycle)
    action = request.form.get("action", "")
    try:
        done = _leaders_action(cycle, action)
    except _FieldError as exc:
        db.session.rollback()
        return _leaders_page(get_cycle(cycle_id), 400, {exc.field: exc.message},
                             typed=_typed())
    except DomainError as exc:
        db.session.rollback()
        return _leaders_page(get_cycle(cycle_id), exc.status_code if exc.status_code != 404
                             else 400, {_action_field(action): str(exc)}, typed=_typed())
    if isinstance(done, tuple):  # a preview of an uploaded list: nothing changed yet
        return done
    db.session.commit()
    return redirect(url_for("console.leaders", cycle_id=cycle_id, done=done))


def _typed() -> dict[str, str]:
    return {key: value for key, value in request.form.items() if key.startswith("facilitator-")}


def _action_field(action: str) -> str:
    if action.startswith("facilitator"):
        return f"facilitator-{request.form.get('subject', '')}"
    return {"add_list": "emails-file", "preview_list": "emails-file", "add_department":
            "department", "add_manager": "manager"}.get(action, "q")


def _leaders_action(cycle: Cycle, action: str) -> Any:
    form = request.form
    if action == "add_selected":
        ids = [int(i) for i in form.getlist("person") if i.isdigit()]
        people = list(db.session.scalars(select(Person).where(Person.id.in_(ids))
                                          .order_by(Person.display_name))) if ids else []
        if not people:
            raise _FieldError("q", _("Select at least one person to add"))
        add_leaders(cycle, people, f"search '{form.get('q', '')[:100]}'")
        return "added"
    if action == "add_department":
        department = form.get("department", "").strip()
        add_leaders(cycle, cohorts.by_department(department), f"department {department}")
        return "added"
    if action == "add_manager":
        boss = db.session.get(Person, int(form.get("boss", "0") or 0)) \
            if form.get("boss", "").isdigit() else None
        if boss is None:
            raise _FieldError("manager", _("Enter the manager's name or email address"))
        add_leaders(cycle, cohorts.under_manager(boss), f"below {boss.display_name}")
        return "added"
    if action == "preview_list":
        emails = _emails_in(request.files.get("emails"))
        people = cohorts.by_emails(emails)
        return _leaders_page(cycle, preview=people, preview_how="list",
                             emails="\n".join(p.email for p in people))
    if action == "add_list":
        emails = form.get("emails", "").split()
        add_leaders(cycle, cohorts.by_emails(emails[:MAX_LIST]), "uploaded list")
        return "added"
    if action in ("remove", "facilitator"):
        subject = _subject(cycle, int(form.get("subject", "0") or 0)
                           if form.get("subject", "").isdigit() else 0)
        if action == "remove":
            remove_leader(subject)
            return "removed"
        text = form.get(f"facilitator-{subject.id}", "").strip()[:320]
        helper = _one_person(text, f"facilitator-{subject.id}") if text else None
        assign_facilitator(subject, helper)
        return "facilitator"
    raise _FieldError("q", _("Choose what to do"))


def _raters_page(cycle: Cycle, subject: Subject, status: int = 200,
                 errors: dict[str, str] | None = None) -> tuple[str, int]:
    q = request.values.get("q", "").strip()[:200]
    errors = dict(errors or {})
    results: list[Person] = []
    if q:
        try:
            results = search_people(q)
        except InvalidInput:
            errors["q"] = _("Enter at least two letters to search for")
    # In the groups' own order (self, manager, … then the cycle's own), by name within each.
    order = {key: place for place, key in enumerate(group_order(cycle))}
    nominations = sorted(db.session.scalars(
        select(Nomination).join(Person, Nomination.person_id == Person.id)
        .where(Nomination.subject_id == subject.id)
        .order_by(Person.display_name)).all(),
        key=lambda n: order.get(key_of(cycle, n.group, n.custom_group_id), len(order)))
    nominated = {n.person_id for n in nominations}
    open_list = (cycle.state == CycleState.DRAFT and lists.leaders_nominate(cycle)
                 and lists.state_of(subject).state != ListState.APPROVED)
    return render_template(
        "console/raters.html", cycle=cycle, subject=subject, counts=group_counts(subject),
        nominations=nominations, results=[p for p in results if p.id not in nominated],
        q=q, errors=errors, done=done_message(request.args.get("done")),
        list_state=lists.state_of(subject).state.value if open_list else None,
        draft=cycle.state == CycleState.DRAFT, groups=choosable(cycle),
        nav_current="console.home", **cycle_names(cycle)), status


@bp.route("/cycles/<int:cycle_id>/leaders/<int:subject_id>/raters", methods=["GET", "POST"])
@require_role("hr")
def raters(cycle_id: int, subject_id: int) -> Any:
    cycle = get_cycle(cycle_id)
    subject = _subject(cycle, subject_id)
    if request.method == "GET":
        return _raters_page(cycle, subject, 400 if request.args.get("q", "").strip() and
                            len(request.args["q"].strip()) < 2 else 200)
    action = request.form.get("action", "")
    try:
        done = _raters_action(subject, action)
    except _FieldError as exc:
        db.session.rollback()
        return _raters_page(get_cycle(cycle_id), _subject(get_cycle(cycle_id), subject_id), 400,
                            {exc.field: exc.message})
    except DomainError as exc:
        db.session.rollback()
        fresh = get_cycle(cycle_id)
        return _raters_page(fresh, _subject(fresh, subject_id),
                            exc.status_code if exc.status_code != 404 else 400,
                            {"q": str(exc)})
    db.session.commit()
    return redirect(url_for("console.raters", cycle_id=cycle_id, subject_id=subject_id,
                            done=done))


def _raters_action(subject: Subject, action: str) -> str:
    form = request.form
    if action == "suggest":
        nominate_suggested(subject)
        return "suggested"
    if action == "nominate":
        person = db.session.get(Person, int(form["person"])) \
            if form.get("person", "").isdigit() else None
        if person is None:
            raise _FieldError("q", _("Search for the person to nominate"))
        group = RaterGroup.SELF if person.id == subject.person_id else group_of(
            subject.cycle, form.get(f"group-{person.id}", ""))
        if group is None:
            raise _FieldError(f"group-{person.id}", _("Choose the rater's group"))
        nominate_into(subject, person, group)
        return "nominated"
    if action == "remove":
        nomination = db.session.get(Nomination, int(form["nomination"])) \
            if form.get("nomination", "").isdigit() else None
        if nomination is None or nomination.subject_id != subject.id:
            raise _FieldError("q", _("That rater is not nominated for this leader"))
        remove_nomination(nomination)
        return "unnominated"
    if action == "finalise":
        lists.finalise(subject)
        return "finalised"
    raise _FieldError("q", _("Choose what to do"))
