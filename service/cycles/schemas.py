"""The settings of a cycle, checked in one place for `create_cycle`, `edit_cycle`, the CLI and
the pages: unknown fields refused, every problem named with its fix."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, validates_schema

from service.cycles.models import Nominator
from service.errors import InvalidInput
from service.rubrics.schemas import LANGUAGES
from service.validation import (
    Boolean,
    Date,
    Enum,
    Integer,
    Length,
    List,
    OneOf,
    Range,
    Schema,
    String,
)

#: What HR may set on a cycle (and change while it is a draft).
SETTINGS = ("name", "rubric_id", "opens_on", "closes_on", "min_group_size", "manager_min",
            "peer_min", "direct_report_min", "other_min", "language", "reminder_days",
            "auto_launch", "auto_close", "facilitated_release", "nominated_by")


#: The largest threshold any group may have: more raters than any group has, and within every
#: database's integer (a larger number was a 500 on PostgreSQL).
MAX_K = 1000
#: The groups' own thresholds, beside min_group_size (the organisation's k) and manager_min.
GROUP_MINIMUMS = ("peer_min", "direct_report_min", "other_min")


class CycleSettingsSchema(Schema):
    """Load schema: every setting is required, so an edit loads the cycle's current settings
    with the changes laid over them, and the rules see the whole result. Its messages are
    lazy (service.validation): Welsh on a Welsh page, English on the command line."""

    name = String(required=True, validate=Length(max=200))
    rubric_id = String(required=True, validate=Length(min=1, max=100))
    opens_on = Date(required=True)
    closes_on = Date(required=True)
    min_group_size = Integer(required=True, strict=True, validate=Range(max=MAX_K))
    manager_min = Integer(required=True, strict=True, validate=Range(max=MAX_K))
    #: A group's own k; None or left out: the cycle's min_group_size (CCL's anchors: manager 1,
    #: the rest 3), so settings saved before per-group thresholds still load.
    peer_min = Integer(load_default=None, strict=True, allow_none=True,
               validate=Range(max=MAX_K))
    direct_report_min = Integer(load_default=None, strict=True, allow_none=True,
                        validate=Range(max=MAX_K))
    other_min = Integer(load_default=None, strict=True, allow_none=True,
                validate=Range(max=MAX_K))
    language = String(required=True, validate=OneOf(LANGUAGES))
    reminder_days = List(Integer(strict=True, validate=Range(max=10_000)), required=True)
    auto_launch = Boolean(required=True)
    auto_close = Boolean(required=True)
    facilitated_release = Boolean(required=True)
    nominated_by = Enum(Nominator, by_value=True, required=True)

    @validates_schema(skip_on_field_errors=True)
    def rules(self, data: dict[str, Any], **_: Any) -> None:
        if not data["name"].strip():
            raise ValidationError(_l("a cycle needs a name"), "name")
        opens_on, closes_on = data["opens_on"], data["closes_on"]
        if closes_on <= opens_on:
            raise ValidationError(_l("the cycle closes (%(closes)s) before or when it opens "
                                     "(%(opens)s); give a closing date after the opening date",
                                     closes=closes_on, opens=opens_on), "closes_on")
        if data["min_group_size"] < 2:
            raise ValidationError(_l("min_group_size must be at least 2, or one rater could be "
                                     "identified"), "min_group_size")
        if data["manager_min"] < 1:
            raise ValidationError(_l("manager_min must be at least 1"), "manager_min")
        for name in GROUP_MINIMUMS:
            if data[name] is not None and data[name] < 2:
                raise ValidationError(_l("%(name)s must be at least 2, or one rater could be "
                                         "identified; leave it out to use min_group_size",
                                         name=name), name)
        length = (closes_on - opens_on).days
        days = data["reminder_days"]
        if any(not 0 < day < length for day in days):
            raise ValidationError(_l("reminder days count back from the closing date and must "
                                     "fall inside the cycle: between 1 and %(last)s, not "
                                     "%(days)s", last=length - 1,
                                     days=", ".join(map(str, days))), "reminder_days")

def load_settings(values: dict[str, Any]) -> dict[str, Any]:
    """The settings checked and typed, or InvalidInput with every problem in one line."""
    try:
        data = CycleSettingsSchema().load(values)
    except ValidationError as exc:
        raise InvalidInput(_one_line(exc.normalized_messages())) from None
    data["name"] = data["name"].strip()
    data["reminder_days"] = sorted(set(data["reminder_days"]), reverse=True)
    return data


def _one_line(messages: Any, field: str = "") -> str:
    """{'closes_on': ['…']} -> one sentence per problem; a rule's own sentence names its field."""
    if isinstance(messages, dict):
        # A list's entries are keyed by position: the sentence names the list's field.
        return "; ".join(_one_line(value, field if key == "_schema" or isinstance(key, int)
                                   else key)
                         for key, value in messages.items())
    if isinstance(messages, list):
        return "; ".join(_one_line(value, field) for value in messages)
    text = str(messages)
    if field and field not in text and field.replace("_", " ") not in text:
        text = f"{field}: {text}"
    return text
