"""Cycles: list, read, create, edit while a draft, add leaders, nominate raters, launch,
extend, close, release, and progress as counts per leader and group (never who answered).
Each write is the operation the console and `feedback360 cycle …` call."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_smorest import Blueprint
from marshmallow import RAISE, fields
from sqlalchemy import func, select

from service.api.calls import api_call
from service.api.schemas import PageArgs, UtcDateTime, page_envelope, page_of
from service.api.setup import MAX_ID
from service.cycles import operations
from service.cycles.groups import MAX_GROUPS, groups_out, named_group, replace_groups
from service.cycles.leaders import add_leaders
from service.cycles.models import Cycle, CycleState, Nominator
from service.cycles.progress import cycle_progress
from service.cycles.schemas import CycleSettingsSchema
from service.db import db
from service.nominations.operations import nominate_into
from service.people.operations import get_person
from service.validation import (
    Boolean,
    Date,
    Enum,
    Integer,
    Length,
    List,
    Nested,
    Range,
    Schema,
    String,
)

blp = Blueprint("api_cycles", __name__, url_prefix="/api/v1/cycles",
                description="Feedback cycles, from draft to released, and their progress.")


def person_id(**kwargs: Any) -> Integer:
    return Integer(strict=True, validate=Range(1, MAX_ID), **kwargs)


def group_min() -> Integer:
    return Integer(strict=True, allow_none=True, validate=Range(2, 1000), metadata={
        "description": "this group's own threshold; null: min_group_size"})


class CustomGroup(Schema):
    """One of a cycle's own rater groups."""

    key = String(validate=Length(min=1, max=30), metadata={
        "description": "short, stable across cycles; made from name_en when left out"})
    name_en = String(required=True, validate=Length(min=1, max=80))
    name_cy = String(required=True, validate=Length(min=1, max=80))
    min_size = Integer(required=True, strict=True, validate=Range(2, 1000))


class CycleOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    state = fields.Function(lambda cycle: cycle.state.value, required=True, metadata={
        "type": "string", "enum": [state.value for state in CycleState]})
    rubric_id = fields.String(required=True)
    rubric_version = fields.Integer(allow_none=True, required=True)
    opens_on = fields.Date(required=True)
    closes_on = fields.Date(required=True)
    min_group_size = fields.Integer(required=True)
    manager_min = fields.Integer(required=True)
    peer_min = fields.Integer(required=True, allow_none=True)
    direct_report_min = fields.Integer(required=True, allow_none=True)
    other_min = fields.Integer(required=True, allow_none=True)
    groups = fields.Function(groups_out, required=True, metadata={
        "type": "array", "items": {"type": "object"},
        "description": "the cycle's own rater groups (key, name_en, name_cy, min_size)"})
    language = fields.String(required=True)
    reminder_days = fields.List(fields.Integer(), required=True)
    auto_launch = fields.Boolean(required=True)
    auto_close = fields.Boolean(required=True)
    facilitated_release = fields.Boolean(required=True)
    nominated_by = fields.Function(lambda cycle: cycle.nominated_by.value, required=True,
                                   metadata={"type": "string"})
    leaders = fields.Function(lambda cycle: len(cycle.subjects), required=True,
                              metadata={"type": "integer"})
    created_at = UtcDateTime(required=True)
    launched_at = UtcDateTime(allow_none=True, required=True)
    closed_at = UtcDateTime(allow_none=True, required=True)
    released_at = UtcDateTime(allow_none=True, required=True)


CyclePage = page_envelope(CycleOut, "CyclePage")


class CycleCreate(Schema):
    """A new draft cycle; settings left out take the organisation's defaults."""

    name = String(required=True, validate=Length(min=1, max=200))
    rubric_id = String(load_default="compassionate-inclusive-leadership",
                       validate=Length(min=1, max=100))
    opens_on = Date(required=True)
    closes_on = Date(required=True)
    min_group_size = Integer(strict=True, validate=Range(2, 1000))
    manager_min = Integer(strict=True, validate=Range(1, 1000))
    peer_min = group_min()
    direct_report_min = group_min()
    other_min = group_min()
    groups = List(Nested(CustomGroup), validate=Length(max=MAX_GROUPS), metadata={
        "description": "the cycle's own rater groups; on an edit, the whole new list"})
    language = String(validate=CycleSettingsSchema().fields["language"].validate)
    reminder_days = List(Integer(strict=True, validate=Range(1, 3650)))
    auto_launch = Boolean()
    auto_close = Boolean()
    facilitated_release = Boolean()
    nominated_by = Enum(Nominator, by_value=True)


class CycleEdit(CycleCreate):
    """Only the settings to change (every field optional)."""

    name = String(validate=Length(min=1, max=200))
    rubric_id = String(validate=Length(min=1, max=100))
    opens_on = Date()
    closes_on = Date()


class LeadersIn(Schema):
    leaders = List(person_id(), required=True, validate=Length(min=1, max=1000),
                   metadata={"description": "person ids"})


class LeadersOut(Schema):
    added = fields.List(fields.Integer(), required=True,
                        metadata={"description": "person ids added as leaders"})
    already = fields.List(fields.Integer(), required=True,
                          metadata={"description": "person ids who were leaders already"})


class NominationIn(Schema):
    leader = person_id(required=True, metadata={"description": "the leader's person id"})
    rater = person_id(required=True, metadata={"description": "the rater's person id"})
    group = String(required=True, validate=Length(min=1, max=30), metadata={
        "description": "self, manager, peer, direct_report, other, or the key of one of the "
                       "cycle's own groups"})


class NominationOut(Schema):
    id = fields.Integer(required=True)
    leader = fields.Integer(required=True)
    rater = fields.Integer(required=True)
    group = fields.String(required=True)


class LaunchOut(Schema):
    cycle = fields.Nested(CycleOut, required=True)
    invitations = fields.Integer(required=True, metadata={"description": "invitations queued"})


class ExtendIn(Schema):
    closes_on = Date(required=True)


class ReleaseOut(Schema):
    cycle = fields.Nested(CycleOut, required=True)
    to_leader = fields.Integer(required=True)
    to_facilitator = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)


class GroupCounts(Schema):
    group = fields.String(required=True)
    invited = fields.Integer(required=True)
    responded = fields.Integer(required=True)
    declined = fields.Integer(required=True)
    pending = fields.Integer(required=True)
    threshold = fields.Integer(required=True)
    outlook = fields.String(required=True, metadata={"enum": ["shown", "at_risk",
                                                              "cannot_reach"]})


class LeaderProgress(Schema):
    subject_id = fields.Integer(required=True)
    leader = fields.String(required=True)
    invited = fields.Integer(required=True)
    responded = fields.Integer(required=True)
    declined = fields.Integer(required=True)
    groups = fields.List(fields.Nested(GroupCounts), required=True)


class ProgressOut(Schema):
    cycle = fields.Integer(required=True)
    state = fields.String(required=True)
    closes_on = fields.String(required=True)
    days_left = fields.Integer(allow_none=True, required=True)
    invited = fields.Integer(required=True)
    responded = fields.Integer(required=True)
    declined = fields.Integer(required=True)
    response_rate = fields.Float(allow_none=True, required=True)
    leaders = fields.List(fields.Nested(LeaderProgress), required=True)


@blp.route("", methods=["GET"])
@api_call(blp, "cycles:read")
@blp.arguments(PageArgs, location="query", as_kwargs=True, unknown=RAISE)
@blp.response(200, CyclePage)
def list_(**args: Any) -> dict[str, Any]:
    """Cycles in id order, a page at a time."""
    offset, limit = page_of(args)
    total = db.session.scalar(select(func.count(Cycle.id))) or 0
    cycles = db.session.scalars(select(Cycle).order_by(Cycle.id).offset(offset).limit(limit))
    return {"items": list(cycles), "page": args["page"], "per_page": args["per_page"],
            "total": total}


@blp.route("", methods=["POST"])
@api_call(blp, "cycles:write", write=True)
@blp.arguments(CycleCreate)
@blp.response(201, CycleOut)
def create(settings: dict[str, Any]) -> Cycle:
    """Create a draft cycle."""
    groups = settings.pop("groups", [])
    cycle = operations.create_cycle(
        settings.pop("name"), settings.pop("rubric_id"), settings.pop("opens_on"),
        settings.pop("closes_on"), **settings)
    if groups:
        replace_groups(cycle, groups)
    return cycle


@blp.route("/<id:cycle_id>", methods=["GET"])
@api_call(blp, "cycles:read")
@blp.response(200, CycleOut)
def read(cycle_id: int) -> Cycle:
    """One cycle."""
    return operations.get_cycle(cycle_id)


@blp.route("/<id:cycle_id>", methods=["PATCH"])
@api_call(blp, "cycles:write", write=True)
@blp.arguments(CycleEdit)
@blp.response(200, CycleOut)
def edit(changes: dict[str, Any], cycle_id: int) -> Cycle:
    """Change a draft cycle's settings (refused with 409 once it is launched)."""
    cycle = operations.get_cycle(cycle_id)
    groups = changes.pop("groups", None)
    if changes or groups is None:
        operations.edit_cycle(cycle, **changes)
    if groups is not None:
        replace_groups(cycle, groups)
    return cycle


@blp.route("/<id:cycle_id>/leaders", methods=["POST"])
@api_call(blp, "cycles:write", write=True)
@blp.arguments(LeadersIn)
@blp.response(200, LeadersOut)
def add(body: dict[str, Any], cycle_id: int) -> dict[str, Any]:
    """Add leaders (person ids) to a draft or open cycle; those already in it are left as
    they are."""
    cycle = operations.get_cycle(cycle_id)
    people = [get_person(person_id) for person_id in dict.fromkeys(body["leaders"])]
    outcome = add_leaders(cycle, people, "through the API")
    return {"added": [subject.person_id for subject in outcome.added],
            "already": [person.id for person in outcome.already]}


@blp.route("/<id:cycle_id>/nominations", methods=["POST"])
@api_call(blp, "cycles:write", write=True)
@blp.arguments(NominationIn)
@blp.response(201, NominationOut)
def nominate_rater(body: dict[str, Any], cycle_id: int) -> dict[str, Any]:
    """Nominate a rater (person id) for a leader (person id) of the cycle, in a group; in an
    open cycle the invitation is queued with the same commit."""
    cycle = operations.get_cycle(cycle_id)
    subject = operations.find_subject(cycle, get_person(body["leader"]))
    group = body["group"]
    nomination = nominate_into(subject, get_person(body["rater"]), named_group(cycle, group))
    return {"id": nomination.id, "leader": body["leader"], "rater": body["rater"],
            "group": group}


@blp.route("/<id:cycle_id>/launch", methods=["POST"])
@api_call(blp, "cycles:write", write=True)
@blp.response(200, LaunchOut)
def launch(cycle_id: int) -> dict[str, Any]:
    """Launch a draft cycle: freeze its rubric and queue every invitation. Send an
    Idempotency-Key: a retried launch then answers as the first did."""
    cycle = operations.get_cycle(cycle_id)
    tokens = operations.launch(cycle)
    return {"cycle": cycle, "invitations": len(tokens)}


@blp.route("/<id:cycle_id>/extend", methods=["POST"])
@api_call(blp, "cycles:write", write=True)
@blp.arguments(ExtendIn)
@blp.response(200, CycleOut)
def extend(body: dict[str, Any], cycle_id: int) -> Cycle:
    """Move an open cycle's closing date later."""
    cycle = operations.get_cycle(cycle_id)
    operations.extend_closing(cycle, body["closes_on"], dt.date.today())
    return cycle


@blp.route("/<id:cycle_id>/close", methods=["POST"])
@api_call(blp, "cycles:write", write=True)
@blp.response(200, CycleOut)
def close(cycle_id: int) -> Cycle:
    """Close an open cycle: links stop working and the reports are queued."""
    cycle = operations.get_cycle(cycle_id)
    operations.close(cycle)
    return cycle


@blp.route("/<id:cycle_id>/release", methods=["POST"])
@api_call(blp, "cycles:write", write=True)
@blp.response(200, ReleaseOut)
def release(cycle_id: int) -> dict[str, Any]:
    """Release a closed cycle's reports (refused while any is still rendering)."""
    cycle = operations.get_cycle(cycle_id)
    counts = operations.release(cycle)
    return {"cycle": cycle, **counts}


@blp.route("/<id:cycle_id>/progress", methods=["GET"])
@api_call(blp, "progress:read")
@blp.response(200, ProgressOut)
def progress(cycle_id: int) -> dict[str, Any]:
    """Response counts per leader and rater group: never who answered, nor whose email
    failed."""
    return cycle_progress(operations.get_cycle(cycle_id))
