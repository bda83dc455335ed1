"""Rubrics, read only, and a check of a rubric sent in the body by the same rules as a file
(service/rubrics/schemas.py), so an organisation can test its own before installing it."""

from __future__ import annotations

import re
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint
from marshmallow import fields

from service.api.calls import api_call
from service.cycles.forms import rubric_choices
from service.errors import NotFound
from service.rubrics.loader import RubricError, find_rubric, summary
from service.rubrics.schemas import RubricSchema
from service.validation import Schema

blp = Blueprint("api_rubrics", __name__, url_prefix="/api/v1/rubrics",
                description="The rubrics cycles can use, and a check for a new one.")
_RUBRIC_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")


class RubricLine(Schema):
    id = fields.String(required=True)
    version = fields.Integer(required=True)
    title = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    description = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    sections = fields.Integer(required=True)
    statements = fields.Integer(required=True)


class RubricList(Schema):
    items = fields.List(fields.Nested(RubricLine), required=True)


class RubricOut(Schema):
    """A rubric as loaded: its texts by language, its sections with their items."""

    id = fields.String(required=True)
    version = fields.Integer(required=True)
    title = fields.Dict(required=True)
    description = fields.Dict()
    languages = fields.List(fields.String(), required=True)
    scale = fields.Dict(required=True)
    sections = fields.List(fields.Dict(), required=True)
    questions = fields.List(fields.Dict(), required=True)
    report = fields.Dict(required=True)
    sources = fields.List(fields.Dict(), required=True)
    notes = fields.String()


class RubricCheck(Schema):
    valid = fields.Boolean(required=True)
    id = fields.String(required=True)
    version = fields.Integer(required=True)
    summary = fields.String(required=True)


@blp.route("", methods=["GET"])
@api_call(blp, "rubrics:read")
@blp.response(200, RubricList)
def list_() -> dict[str, Any]:
    """Every usable rubric in the rubrics directory."""
    return {"items": rubric_choices(current_app.config["RUBRICS_DIR"])}


@blp.route("/<string:rubric_id>", methods=["GET"])
@api_call(blp, "rubrics:read")
@blp.response(200, RubricOut)
def read(rubric_id: str) -> dict[str, Any]:
    """One rubric, whole."""
    if not _RUBRIC_ID.match(rubric_id):
        raise NotFound(_l("no rubric with id '%(id)s'", id=rubric_id))
    try:
        return find_rubric(current_app.config["RUBRICS_DIR"], rubric_id)
    except RubricError:
        raise NotFound(_l("no rubric with id '%(id)s'", id=rubric_id)) from None


@blp.route("/validate", methods=["POST"])
@api_call(blp, "rubrics:read")
@blp.arguments(RubricSchema)
@blp.response(200, RubricCheck)
def validate(rubric: dict[str, Any]) -> dict[str, Any]:
    """Check a rubric (the YAML file's content, as JSON) by the rules a rubric file must
    meet. Nothing is saved. A rubric that fails answers 422 with every problem by field."""
    return {"valid": True, "id": rubric["id"], "version": rubric["version"],
            "summary": summary(rubric)}
