"""The cycle settings form of the HR console: what the person typed, kept as typed so that a
page with a problem loses nothing, turned into the values `create_cycle` / `edit_cycle` take,
and checked by the same marshmallow schema (service/cycles/schemas.py), each problem in the
person's language against its field."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from service.cycles.models import Nominator
from service.cycles.schemas import CycleSettingsSchema
from service.rubrics.loader import RubricError, load_rubric_file
from service.web.date_input import date_from_parts

DATE_PARTS = ("day", "month", "year")
NUMBERS = ("min_group_size", "manager_min")
#: Optional: empty means the group follows the smallest group size.
GROUP_MINIMUMS = ("peer_min", "direct_report_min", "other_min")
SWITCHES = ("auto_launch", "auto_close")
#: The form's fields in page order: the error summary lists problems in this order.
ORDER = ("name", "rubric_id", "opens_on", "closes_on", "auto_launch", "reminder_days",
         "min_group_size", "manager_min", *GROUP_MINIMUMS, "facilitated_release",
         "nominated_by", "language")


def rubric_choices(directory: Path | str) -> list[dict[str, Any]]:
    """Every usable rubric of the rubrics directory, with what the radios show of it; a file
    that does not load is left out (`feedback360 rubric check` names its problems)."""
    choices = []
    for path in sorted(Path(directory).glob("*.y*ml")):
        try:
            rubric = load_rubric_file(path)
        except RubricError:
            continue
        choices.append({
            "id": rubric["id"], "version": rubric["version"], "title": rubric["title"],
            "description": rubric.get("description") or {},
            "sections": len(rubric["sections"]),
            "statements": sum(len(section["items"]) for section in rubric["sections"]),
        })
    return choices


def form_from_settings(values: dict[str, Any]) -> dict[str, Any]:
    """The form's fields (as strings) from a cycle's settings: what the edit page starts with."""
    form: dict[str, Any] = {
        "name": values["name"], "rubric_id": values["rubric_id"],
        "reminder_days": ", ".join(str(day) for day in values["reminder_days"]),
        "min_group_size": str(values["min_group_size"]),
        "manager_min": str(values["manager_min"]),
        **{name: "" if values.get(name) is None else str(values[name])
           for name in GROUP_MINIMUMS},
        "facilitated_release": "yes" if values["facilitated_release"] else "no",
        "nominated_by": getattr(values["nominated_by"], "value", values["nominated_by"]),
        "language": values["language"],
    }
    for name in SWITCHES:
        form[name] = bool(values[name])
    for name in ("opens_on", "closes_on"):
        day = values[name]
        form[name] = {"day": str(day.day), "month": str(day.month), "year": str(day.year)}
    return form


def read_form(data: MultiDict[str, str]) -> dict[str, Any]:
    """The submitted fields, as typed (trimmed), in the shape `form_from_settings` gives."""
    form: dict[str, Any] = {name: data.get(name, "").strip()[:400] for name in (
        "name", "rubric_id", "reminder_days", "min_group_size", "manager_min",
        *GROUP_MINIMUMS, "facilitated_release", "nominated_by", "language")}
    for name in SWITCHES:
        form[name] = data.get(name) == "yes"
    for name in ("opens_on", "closes_on"):
        form[name] = {part: data.get(f"{name}[{part}]", "").strip()[:10] for part in DATE_PARTS}
    return form


def _date(parts: dict[str, str]) -> dt.date | None:
    return date_from_parts(parts.get("day", ""), parts.get("month", ""), parts.get("year", ""))


def _whole_number(text: str) -> int | None:
    return int(text) if re.fullmatch(r"\d{1,4}", text) else None


def settings_from(form: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(values for the operation, problems by field id). The schema judges the values as a
    whole; its rules' messages name the settings as the command line does, so those fields get
    a sentence of the page's own here, and any other problem is the schema's words."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {"name": form["name"], "rubric_id": form["rubric_id"],
                              "auto_launch": form["auto_launch"],
                              "auto_close": form["auto_close"]}
    if not form["name"]:
        errors["name"] = _("Enter a name for the cycle")
    if not form["rubric_id"]:
        errors["rubric_id"] = _("Choose a rubric")
    for name, message in (("opens_on", _("Enter a real opening date, for example 3 3 2027")),
                          ("closes_on", _("Enter a real closing date, for example 31 3 2027"))):
        values[name] = _date(form[name])
        if values[name] is None:
            errors[name] = message
    days = re.split(r"[\s,]+", form["reminder_days"]) if form["reminder_days"] else []
    if all(re.fullmatch(r"\d{1,3}", day) for day in days):
        values["reminder_days"] = sorted({int(day) for day in days}, reverse=True)
    else:
        errors["reminder_days"] = _("Enter the reminder days as numbers separated by commas, "
                                    "such as 7, 2 (or leave it empty for no reminders)")
    for name, message in (("min_group_size", _("Enter the smallest group size as a whole "
                                               "number, such as 3")),
                          ("manager_min", _("Enter the manager threshold as a whole number, "
                                            "such as 1"))):
        values[name] = _whole_number(form[name])
        if values[name] is None:
            errors[name] = message
    for name in GROUP_MINIMUMS:
        values[name] = _whole_number(form[name]) if form[name] else None
        if form[name] and values[name] is None:
            errors[name] = _("Enter the group's threshold as a whole number, such as 3, or "
                             "leave it empty to use the smallest group size")
    if form["facilitated_release"] not in ("yes", "no"):
        errors["facilitated_release"] = _("Choose whether reports go to a facilitator first")
    values["facilitated_release"] = form["facilitated_release"] == "yes"
    if form["nominated_by"] not in [n.value for n in Nominator]:
        errors["nominated_by"] = _("Choose who nominates the raters")
    values["nominated_by"] = form["nominated_by"]
    if form["language"] not in ("en", "cy"):
        errors["language"] = _("Choose the language of the cycle's emails")
    values["language"] = form["language"]
    if errors:
        return values, _ordered(errors)
    problems = CycleSettingsSchema().validate(_for_schema(values))
    for name, said in problems.items():
        errors[_field_id(name)] = _rule_message(name, values) or _words(said)
    return values, _ordered(errors)


def _words(said: Any) -> str:
    """The schema's own message (in the page's language, service.validation) where the form
    has no sentence of its own for a field."""
    if isinstance(said, dict):
        return "; ".join(_words(value) for value in said.values())
    if isinstance(said, list):
        return "; ".join(_words(value) for value in said)
    return str(said)


def _for_schema(values: dict[str, Any]) -> dict[str, Any]:
    return {**values, "opens_on": values["opens_on"].isoformat(),
            "closes_on": values["closes_on"].isoformat()}


def _rule_message(name: str, values: dict[str, Any]) -> str | None:
    length = (values["closes_on"] - values["opens_on"]).days
    messages = {
        "name": _("Enter a name for the cycle of up to 200 characters"),
        "rubric_id": _("Choose a rubric"),
        "closes_on": _("The closing date must be after the opening date"),
        "min_group_size": _("The smallest group size must be at least 2, or one rater could "
                            "be identified"),
        "manager_min": _("The manager threshold must be at least 1"),
        **{name: _("A group's threshold must be at least 2, or one rater could be identified; "
                   "leave it empty to use the smallest group size") for name in GROUP_MINIMUMS},
        "reminder_days": _("Reminder days count back from the closing date and must fall "
                           "inside the cycle: between 1 and %(last)d", last=max(length - 1, 1))
        if length > 1 else _("The cycle is too short for reminders: leave the reminder days "
                             "empty"),
    }
    return messages.get(name)


def _field_id(name: str) -> str:
    """The id of the control an error summary link goes to."""
    if name in ("opens_on", "closes_on"):
        return name
    return name if name in ORDER else "name"


def _ordered(errors: dict[str, str]) -> dict[str, str]:
    return {name: errors[name] for name in sorted(errors, key=lambda n: (
        ORDER.index(n) if n in ORDER else len(ORDER)))}


def anchor(field: str) -> str:
    """Where an error summary link points: the first input of a date, the first radio."""
    return f"{field}-day" if field in ("opens_on", "closes_on") else field
