"""A cycle's own rater groups ("Patients and carers", "Partner organisations"): defined by HR
while the cycle is a draft, each with its name in English and Welsh and its own threshold.

Only a draft's groups change: raters answered a launched cycle's groups under their names and
k, so a report must show them as they were."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, validates_schema
from sqlalchemy import func, select

from service.audit.operations import record
from service.cycles.models import Cycle, CycleGroup, CycleState
from service.cycles.schemas import MAX_K, _one_line
from service.db import db
from service.errors import DomainError, InvalidInput, NotFound, state_name
from service.nominations.models import BUILT_IN_GROUPS, RaterGroup
from service.validation import Integer, Length, Range, Schema, String

#: Enough for the groups anyone has asked for; the report's tables stay readable.
MAX_GROUPS = 6
KEY = re.compile(r"[a-z][a-z0-9_]{0,29}")
#: Names that would read as a built-in group (a cycle's own group would then seem to be one).
_TAKEN = {"self", "manager", "managers", "peer", "peers", "direct report", "direct reports",
          "other", "others", "all others"}


class CustomGroupSchema(Schema):
    """Load schema for one group; messages name the fix (lazy: Welsh on a Welsh page)."""

    key = String(load_default=None, validate=Length(max=30))
    name_en = String(required=True, validate=Length(min=1, max=80))
    name_cy = String(required=True, validate=Length(min=1, max=80))
    #: At most MAX_K: more raters than any group has (and within every database's integer).
    min_size = Integer(required=True, strict=True, validate=Range(max=MAX_K))

    @validates_schema(skip_on_field_errors=True)
    def rules(self, data: dict[str, Any], **_: Any) -> None:
        for name in ("name_en", "name_cy"):
            data[name] = data[name].strip()
            if not data[name]:
                raise ValidationError(_l("give the group a name in English and in Welsh"),
                                      name)
        if data["name_en"].lower() in _TAKEN:
            raise ValidationError(_l("“%(name)s” is a group every cycle has; name the cycle's "
                                     "own group differently", name=data["name_en"]), "name_en")
        if data["min_size"] < 2:
            raise ValidationError(_l("min_size must be at least 2, or one rater could be "
                                     "identified"), "min_size")
        key = data["key"] or key_from(data["name_en"])
        if not KEY.fullmatch(key):
            raise ValidationError(_l("the key %(key)s must be lower-case letters, digits and _, "
                                     "starting with a letter, such as patients", key=repr(key)),
                                  "key")
        data["key"] = key


def key_from(name: str) -> str:
    """'Patients and carers' -> 'patients_and_carers' (at most 30 characters)."""
    key = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:30].rstrip("_")
    return key if key[:1].isalpha() else f"g_{key}"[:30].rstrip("_")


def _draft(cycle: Cycle) -> None:
    if cycle.state != CycleState.DRAFT:
        raise DomainError(_l("cycle %(id)s is %(state)s; its rater groups can only be changed "
                             "while it is a draft", id=cycle.id, state=state_name(cycle)))


def add_group(cycle: Cycle, name_en: str, name_cy: str, min_size: int,
              key: str | None = None) -> CycleGroup:
    """A new group after the cycle's others; the key (stable across cycles, so "change since
    last cycle" can match the group) is made from the English name unless given."""
    _draft(cycle)
    try:
        data = CustomGroupSchema().load({"key": key, "name_en": name_en, "name_cy": name_cy,
                                         "min_size": min_size})
    except ValidationError as exc:
        raise InvalidInput(_one_line(exc.normalized_messages())) from None
    groups = list(cycle.custom_groups)
    if len(groups) >= MAX_GROUPS:
        raise InvalidInput(_l("a cycle can have at most %(max)s groups of its own",
                              max=MAX_GROUPS))
    for group in groups:
        if group.key == data["key"] or group.name_en.lower() == data["name_en"].lower():
            raise InvalidInput(_l("cycle %(id)s already has the group %(name)s",
                                  id=cycle.id, name=group.name_en))
    group = CycleGroup(cycle=cycle, position=1 + max((g.position for g in groups), default=0),
                       **data)
    db.session.add(group)
    db.session.flush()
    record("cycle.group_add", "cycle", cycle.id,
           f"added the rater group '{group.name_en}' ({group.key}, k={group.min_size})")
    return group


def find_group(cycle: Cycle, key: str) -> CycleGroup:
    for group in cycle.custom_groups:
        if group.key == key:
            return group
    known = ", ".join(group.key for group in cycle.custom_groups) or "none yet"
    raise NotFound(_l("cycle %(id)s has no rater group %(key)s (its own groups: %(known)s)",
                      id=cycle.id, key=repr(key), known=known))


def named_group(cycle: Cycle, name: str) -> RaterGroup | CycleGroup:
    """A group as the command line and the API name it: a built-in group's value (``peer``)
    or the key of one of the cycle's own (``patients``), which ``nominate_into`` takes."""
    if name in {group.value for group in BUILT_IN_GROUPS}:
        return RaterGroup(name)
    return find_group(cycle, name)


def remove_group(cycle: Cycle, key: str) -> None:
    """Only a group nobody is nominated in: removing raters is a choice of its own."""
    from service.nominations.models import Nomination

    _draft(cycle)
    group = find_group(cycle, key)
    nominated = db.session.scalar(select(func.count()).where(
        Nomination.custom_group_id == group.id))
    if nominated:
        raise DomainError(_l("%(count)s raters are nominated in %(name)s; remove them first",
                             count=nominated, name=group.name_en))
    cycle.custom_groups.remove(group)
    db.session.flush()
    record("cycle.group_remove", "cycle", cycle.id, f"removed the rater group '{group.name_en}'")


def groups_out(cycle: Cycle) -> list[dict[str, Any]]:
    """The groups as the API and the CLI show them."""
    return [{"key": group.key, "name_en": group.name_en, "name_cy": group.name_cy,
             "min_size": group.min_size} for group in cycle.custom_groups]


def replace_groups(cycle: Cycle, wanted: list[dict[str, Any]]) -> None:
    """Make the cycle's own groups these (the API's whole list): a group kept by its key
    takes the new names and k, a new one is added, a missing one removed (refused while
    raters are nominated in it)."""
    _draft(cycle)
    keys = [item.get("key") or key_from(item.get("name_en", "")) for item in wanted]
    if len(set(keys)) != len(keys):
        raise InvalidInput(_l("two of the groups have the same key; give each its own"))
    for group in list(cycle.custom_groups):
        if group.key not in keys:
            remove_group(cycle, group.key)
    existing = {group.key: group for group in cycle.custom_groups}
    for key, item in zip(keys, wanted, strict=True):
        group = existing.get(key)
        if group is None:
            add_group(cycle, item["name_en"], item["name_cy"], item["min_size"], key)
            continue
        try:
            data = CustomGroupSchema().load({**item, "key": key})
        except ValidationError as exc:
            raise InvalidInput(_one_line(exc.normalized_messages())) from None
        if (group.name_en, group.name_cy, group.min_size) != (
                data["name_en"], data["name_cy"], data["min_size"]):
            group.name_en, group.name_cy = data["name_en"], data["name_cy"]
            group.min_size = data["min_size"]
            record("cycle.group_edit", "cycle", cycle.id,
                   f"changed the rater group '{group.name_en}' ({group.key}, "
                   f"k={group.min_size})")
    db.session.flush()
