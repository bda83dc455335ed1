"""The evidence pack's JSON document (docs/schemas/integration.json: EvidencePackOut): the
leader's JSON download and the API's answer are this schema's dump of the same data."""

from __future__ import annotations

from marshmallow import fields

from service.api.schemas import UtcDateTime
from service.validation import Schema


def _date(description: str, allow_none: bool = False) -> fields.String:
    # Kept as the ISO text of the record (the digest is over that text), so a string.
    return fields.String(required=True, allow_none=allow_none,
                         metadata={"format": "date", "description": description})


class PackLeader(Schema):
    person_id = fields.Integer(required=True)
    directory_id = fields.String(required=True)
    display_name = fields.String(required=True)


class PackCycle(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    opened_on = _date("the day the cycle opened")
    completed_on = _date("the day the cycle closed: feedback collected")


class PackReport(Schema):
    version = fields.Integer(required=True, metadata={
        "description": "the version the pack records, numbered as the report prints it"})
    released_on = _date("the day that version was released to the leader", allow_none=True)


class PackRubric(Schema):
    id = fields.String(required=True)
    version = fields.Integer(required=True)
    title = fields.String(required=True)


class PackRaters(Schema):
    group = fields.String(required=True)
    label = fields.String(required=True)
    invited = fields.Integer(required=True)
    responded = fields.Integer(required=True)
    shown = fields.Boolean(required=True, metadata={
        "description": "false: too few responded for the report to show the group"})


class PackSession(Schema):
    held = fields.Boolean(required=True)
    held_on = _date("the day of the facilitated feedback session", allow_none=True)


class PackPlan(Schema):
    agreed = fields.Boolean(required=True, metadata={
        "description": "the leader saved an action plan with a focus or an action"})
    review_on = _date("the plan's review date", allow_none=True)


class PackCell(Schema):
    mean = fields.Float(required=True)
    n = fields.Integer(required=True)


class PackColumn(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)


class PackSection(Schema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    scores = fields.Dict(keys=fields.String(), values=fields.Nested(PackCell), required=True,
                         metadata={"description": "by shown column; a hidden group is absent"})


class PackScores(Schema):
    scale_max = fields.Integer(required=True)
    columns = fields.List(fields.Nested(PackColumn), required=True)
    sections = fields.List(fields.Nested(PackSection), required=True)


class PackRecord(Schema):
    """What the pack says, as issued; its digest is SHA-256 over it as canonical JSON."""

    format = fields.String(required=True, metadata={"enum": ["feedback360.evidence-pack/1"]})
    language = fields.String(required=True, metadata={"enum": ["en", "cy"]})
    organisation = fields.String(required=True)
    issued_on = _date("the day the leader issued the pack")
    leader = fields.Nested(PackLeader, required=True)
    cycle = fields.Nested(PackCycle, required=True)
    report = fields.Nested(PackReport, required=True)
    rubric = fields.Nested(PackRubric, required=True)
    raters = fields.List(fields.Nested(PackRaters), required=True, metadata={
        "description": "per group, as the report's 'who responded' table shows them"})
    facilitated_session = fields.Nested(PackSession, required=True)
    action_plan = fields.Nested(PackPlan, required=True)
    scores = fields.Nested(PackScores, required=True, allow_none=True, metadata={
        "description": "null unless the leader included the section scores"})


class PackDigest(Schema):
    algorithm = fields.String(required=True, metadata={"enum": ["sha256"]})
    value = fields.String(required=True, metadata={
        "description": "hex SHA-256 of the record as JSON with sorted keys, no spaces, UTF-8"})


class EvidencePackOut(Schema):
    """A leader's appraisal evidence pack."""

    record = fields.Nested(PackRecord, required=True)
    digest = fields.Nested(PackDigest, required=True)
    verification_url = fields.String(required=True, metadata={
        "description": "the public page where an appraiser confirms the pack is genuine"})
    issued_at = UtcDateTime(required=True)
