"""The HR console's page for a cycle's own rater groups ("Patients and carers"), on the
`console` blueprint: while the cycle is a draft HR adds a group (its name in English and
Welsh and its own threshold) or removes one nobody is nominated in; after launch the page
lists them as raters answered them.

Each change is one operation of service/cycles/groups.py (add_group, remove_group), which
writes its audit row; the page commits once, or rolls back and shows the problem with what
was typed kept."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from service.cycles.groups import (
    MAX_GROUPS,
    MAX_K,
    CustomGroupSchema,
    add_group,
    remove_group,
)
from service.cycles.models import Cycle, CycleState
from service.cycles.operations import get_cycle
from service.cycles.views import bp, done_message
from service.db import db
from service.errors import DomainError
from service.staff.access import require_role

FIELDS = ("name_en", "name_cy", "min_size")
MAX_NAME = 80


def _page(cycle: Cycle, status: int = 200, errors: dict[str, str] | None = None,
          form: dict[str, str] | None = None) -> tuple[str, int]:
    done = {"group_added": _("The group is added."),
            "group_removed": _("The group is removed.")}.get(request.args.get("done", ""))
    return render_template(
        "console/groups.html", cycle=cycle, groups=list(cycle.custom_groups),
        draft=cycle.state == CycleState.DRAFT, errors=errors or {},
        form=form or {"name_en": "", "name_cy": "", "min_size": str(cycle.min_group_size)},
        room=len(cycle.custom_groups) < MAX_GROUPS, max_groups=MAX_GROUPS,
        done=done or done_message(request.args.get("done")),
        nav_current="console.home"), status


def _typed() -> dict[str, str]:
    return {name: request.form.get(name, "").strip()[:MAX_NAME + 1] for name in FIELDS}


def _checked(form: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The page's own checks (a blank box, a threshold that is not a number: said in the
    page's words), then CustomGroupSchema's, each message beside its box."""
    errors: dict[str, str] = {}
    if not form["name_en"]:
        errors["name_en"] = _("Enter the group's name in English")
    elif len(form["name_en"]) > MAX_NAME:
        errors["name_en"] = _("The name must be %(max)d characters or fewer", max=MAX_NAME)
    if not form["name_cy"]:
        errors["name_cy"] = _("Enter the group's name in Welsh")
    elif len(form["name_cy"]) > MAX_NAME:
        errors["name_cy"] = _("The name must be %(max)d characters or fewer", max=MAX_NAME)
    size = int(form["min_size"]) if form["min_size"].isdigit() else None
    if size is None:
        errors["min_size"] = _("Enter the threshold as a whole number, such as 3")
    elif size < 2:
        errors["min_size"] = _("The threshold must be at least 2, or one rater could be "
                               "identified")
    elif size > MAX_K:
        errors["min_size"] = _("The threshold must be %(max)d or fewer", max=MAX_K)
    if "name_en" in errors or "name_cy" in errors:
        return {}, errors
    try:  # the names are checked even when the threshold is wrong: every problem at once
        data = CustomGroupSchema().load({"name_en": form["name_en"],
                                         "name_cy": form["name_cy"],
                                         "min_size": size if "min_size" not in errors else 2})
    except ValidationError as exc:
        for field, messages in exc.normalized_messages().items():
            text = str(messages[0] if isinstance(messages, list) else messages)
            errors.setdefault(field if field in FIELDS else "name_en",
                              text[:1].upper() + text[1:])
    in_page_order = {field: errors[field] for field in FIELDS if field in errors}
    return ({}, in_page_order) if errors else (data, {})


@bp.route("/cycles/<int:cycle_id>/groups", methods=["GET", "POST"])
@require_role("hr")
def groups(cycle_id: int) -> Any:
    cycle = get_cycle(cycle_id)
    if request.method == "GET":
        return _page(cycle)
    action = request.form.get("action", "")
    form = _typed()
    try:
        if action == "add":
            data, errors = _checked(form)
            if errors:
                return _page(cycle, 400, errors, form)
            add_group(cycle, data["name_en"], data["name_cy"], data["min_size"])
            done = "group_added"
        elif action == "remove":
            remove_group(cycle, request.form.get("key", ""))
            done = "group_removed"
        else:
            return _page(cycle, 400, {"name_en": _("Choose what to do")}, form)
    except DomainError as exc:
        db.session.rollback()
        message = str(exc)
        field = "name_en" if action == "add" else "groups"
        return _page(get_cycle(cycle_id), exc.status_code if exc.status_code != 404 else 400,
                     {field: message[:1].upper() + message[1:]},
                     form if action == "add" else None)
    db.session.commit()
    return redirect(url_for("console.groups", cycle_id=cycle_id, done=done))
