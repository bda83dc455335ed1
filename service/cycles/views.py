"""The HR console, setting a cycle up: home (every cycle and what needs attention), new cycle
and edit while draft, cancel a draft, the cycle's overview, and launch. The cohort and the
nominations pages are in cohort_views.py, on the same blueprint.

Each action calls one operation (docs/architecture.md, "HR operations"), which records the one
audit row; the page commits once, or rolls back and shows the problem with the form kept."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from service.cycles import forms
from service.cycles.models import Cycle, CycleState, Nominator
from service.cycles.operations import (
    cancel_cycle,
    create_cycle,
    edit_cycle,
    get_cycle,
    launch,
    settings_of,
)
from service.cycles.overview import cycle_lines
from service.cycles.preview import launch_preview
from service.db import db
from service.errors import DomainError
from service.i18n import long_date
from service.nominations.groups import built_in_words, with_own_groups
from service.nominations.models import RaterGroup
from service.rubrics.loader import RubricError
from service.staff.access import require_role
from service.staff.views import staff_page_context

bp = Blueprint("console", __name__, url_prefix="/hr")
bp.context_processor(staff_page_context)


def state_names() -> dict[str, str]:
    return {CycleState.DRAFT.value: _("Draft"), CycleState.OPEN.value: _("Open"),
            CycleState.CLOSED.value: _("Closed"), CycleState.RELEASED.value: _("Released")}


def group_names() -> dict[str, str]:
    return {RaterGroup.SELF.value: _("Self"), RaterGroup.MANAGER.value: _("Manager"),
            RaterGroup.PEER.value: _("Peers"), RaterGroup.DIRECT_REPORT.value: _("Direct reports"),
            RaterGroup.OTHER.value: _("Others")}


def group_words() -> dict[str, str]:
    """A group as a word inside a sentence ("peer scores will not be shown unless …")."""
    return built_in_words()


def nominator_names() -> dict[str, str]:
    return {Nominator.HR.value: _("HR"),
            Nominator.LEADER.value: _("The leader"),
            Nominator.LEADER_WITH_MANAGER_APPROVAL.value: _("The leader, with their manager's "
                                                            "approval")}


@bp.context_processor
def _console_context() -> dict[str, Any]:
    return {"state_names": state_names(), "group_names": group_names(),
            "group_words": group_words(),
            "nominator_names": nominator_names(), "anchor": forms.anchor,
            "STATE_COLOURS": {"draft": "grey", "open": "blue", "closed": "orange",
                              "released": "green"}}


def done_message(key: str | None) -> str | None:
    """The success banner after an action (the key travels in the redirect's query)."""
    return {
        "created": _("The cycle is created as a draft. Add its leaders next."),
        "edited": _("The cycle's settings are saved."),
        "unchanged": _("Nothing changed: the cycle already had these settings."),
        "cancelled": _("The draft cycle is cancelled."),
        "launched": _("The cycle is launched. The invitations are being sent."),
        "added": _("The leaders are added."),
        "removed": _("The leader is removed from the cycle."),
        "facilitator": _("The facilitator is saved."),
        "suggested": _("The suggested raters are nominated."),
        "nominated": _("The rater is nominated."),
        "unnominated": _("The rater is removed."),
        "finalised": _("The list of raters is final. The leader can no longer change it."),
    }.get(key or "")


def _cycle_page(template: str, cycle: Cycle, status: int = 200, **context: Any) -> Any:
    return render_template(template, cycle=cycle, done=done_message(request.args.get("done")),
                           **cycle_names(cycle), **context), status


def cycle_names(cycle: Cycle) -> dict[str, Any]:
    """The console's group names and words with the cycle's own groups in them."""
    return {"group_names": with_own_groups(group_names(), cycle),
            "group_words": with_own_groups(group_words(), cycle)}


def _refused(exc: DomainError | RubricError) -> str:
    """An operation's own sentence (it names the fix); rubric problems joined as one."""
    db.session.rollback()
    return "; ".join(map(str, exc.problems)) if isinstance(exc, RubricError) else str(exc)


@bp.get("")
@require_role("hr")
def home() -> str:
    lines = cycle_lines()
    return render_template("console/home.html", lines=lines, nav_current="console.home",
                           done=done_message(request.args.get("done")))


def _settings_page(cycle: Cycle | None, form: dict[str, Any], errors: dict[str, str] | None =
                   None, status: int = 200) -> tuple[str, int]:
    return render_template("console/cycle_form.html", cycle=cycle, form=form, errors=errors or {},
                           rubrics=forms.rubric_choices(current_app.config["RUBRICS_DIR"]),
                           nav_current="console.home"), status


def _new_form() -> dict[str, Any]:
    today = dt.date.today()
    opens, closes = today + dt.timedelta(days=7), today + dt.timedelta(days=28)
    rubrics = forms.rubric_choices(current_app.config["RUBRICS_DIR"])
    return forms.form_from_settings({
        "name": "", "rubric_id": rubrics[0]["id"] if len(rubrics) == 1 else "",
        "opens_on": opens, "closes_on": closes, "reminder_days": [7, 2],
        "min_group_size": current_app.config["MIN_GROUP_SIZE"],
        "manager_min": current_app.config["MANAGER_MIN"], "peer_min": None,
        "direct_report_min": None, "other_min": None, "facilitated_release": False,
        "nominated_by": Nominator.HR.value, "language": "en", "auto_launch": False,
        "auto_close": True})


@bp.route("/cycles/new", methods=["GET", "POST"])
@require_role("hr")
def new_cycle() -> Any:
    if request.method == "GET":
        return _settings_page(None, _new_form())
    form = forms.read_form(request.form)
    values, errors = forms.settings_from(form)
    if errors:
        return _settings_page(None, form, errors, 400)
    try:
        cycle = create_cycle(**values)
    except (DomainError, RubricError) as exc:
        return _settings_page(None, form, {"name": _refused(exc)}, 400)
    db.session.commit()
    return redirect(url_for("console.cycle", cycle_id=cycle.id, done="created"))




def _draft(cycle_id: int) -> Cycle:
    cycle = get_cycle(cycle_id)
    if cycle.state != CycleState.DRAFT:
        raise DomainError(_("This cycle has been launched, so its settings can no longer "
                            "change. An open cycle's closing date can be extended."))
    return cycle


@bp.route("/cycles/<int:cycle_id>/edit", methods=["GET", "POST"], endpoint="edit_cycle")
@require_role("hr")
def edit_cycle_page(cycle_id: int) -> Any:
    cycle = _draft(cycle_id)
    if request.method == "GET":
        return _settings_page(cycle, forms.form_from_settings(settings_of(cycle)))
    form = forms.read_form(request.form)
    values, errors = forms.settings_from(form)
    if errors:
        return _settings_page(cycle, form, errors, 400)
    before = settings_of(cycle)
    changes = {name: value for name, value in values.items() if value != before[name]}
    if not changes:
        return redirect(url_for("console.cycle", cycle_id=cycle.id, done="unchanged"))
    try:
        edit_cycle(cycle, **changes)
    except (DomainError, RubricError) as exc:
        return _settings_page(get_cycle(cycle_id), form, {"name": _refused(exc)}, 400)
    db.session.commit()
    return redirect(url_for("console.cycle", cycle_id=cycle.id, done="edited"))




@bp.get("/cycles/<int:cycle_id>")
@require_role("hr")
def cycle(cycle_id: int) -> Any:
    found = get_cycle(cycle_id)
    rubric = next((r for r in forms.rubric_choices(current_app.config["RUBRICS_DIR"])
                   if r["id"] == found.rubric_id), None)
    from service.nominations.lists import waiting_lists

    return _cycle_page("console/cycle.html", found, leaders=len(found.subjects), rubric=rubric,
                       waiting=waiting_lists(found) if found.state == CycleState.DRAFT else [],
                       nav_current="console.home")


@bp.route("/cycles/<int:cycle_id>/cancel", methods=["GET", "POST"], endpoint="cancel_cycle")
@require_role("hr")
def cancel_cycle_page(cycle_id: int) -> Any:
    found = _draft(cycle_id)
    if request.method == "GET":
        return _cycle_page("console/cancel.html", found, leaders=len(found.subjects),
                           nav_current="console.home")
    cancel_cycle(found)
    db.session.commit()
    return redirect(url_for("console.home", done="cancelled"))




def _launch_page(found: Cycle, status: int = 200, error: str | None = None) -> Any:
    today = dt.date.today()
    preview = launch_preview(found, today)
    blockers = []
    if found.state != CycleState.DRAFT:
        blockers.append(_("The cycle is already launched."))
    if found.closes_on < today:
        blockers.append(_("The closing date has passed: edit the cycle and give a later one."))
    if not preview["leaders"]:
        blockers.append(_("The cycle has no leaders: add a cohort first."))
    bare = [row["leader"] for row in preview["leaders"] if not row["emails"]]
    if bare:
        blockers.append(_("Nobody is nominated to rate %(names)s: nominate raters first.",
                          names=", ".join(bare)))
    launch_day = max(today, found.opens_on) if found.auto_launch else today
    reminder_dates = [long_date(row["on"]) for row in preview["reminders"]]
    return _cycle_page("console/launch.html", found, status, preview=preview,
                       blockers=blockers, error=error, launch_day=launch_day,
                       reminder_dates=reminder_dates,
                       nav_current="console.home")


@bp.route("/cycles/<int:cycle_id>/launch", methods=["GET", "POST"], endpoint="launch")
@require_role("hr")
def launch_page(cycle_id: int) -> Any:
    found = get_cycle(cycle_id)
    if request.method == "GET":
        return _launch_page(found)
    try:
        launch(found)
    except (DomainError, RubricError) as exc:
        message = _refused(exc)
        return _launch_page(get_cycle(cycle_id), getattr(exc, "status_code", 400), message)
    db.session.commit()
    return redirect(url_for("console.cycle", cycle_id=cycle_id, done="launched"))



# The cohort's, the nominations' and the cycle's own groups' routes, on `bp`.
from service.cycles import cohort_views, group_views  # noqa: E402,F401
