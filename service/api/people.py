"""People, read only: as the directory knows them (service/people)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import RAISE, fields

from service.api.calls import api_call
from service.api.schemas import PageArgs, page_envelope, page_of
from service.people.models import Person
from service.people.operations import get_person, list_people
from service.validation import Boolean, Schema

blp = Blueprint("api_people", __name__, url_prefix="/api/v1/people",
                description="People, as the directory import or sync knows them.")


class PersonOut(Schema):
    id = fields.Integer(required=True)
    directory_id = fields.String(required=True)
    email = fields.String(required=True)
    display_name = fields.String(required=True)
    given_name = fields.String(required=True)
    family_name = fields.String(required=True)
    title = fields.String(required=True)
    department = fields.String(required=True)
    manager_id = fields.Integer(allow_none=True, required=True)
    language = fields.String(allow_none=True, required=True)
    active = fields.Boolean(required=True)


class PeopleArgs(PageArgs):
    active = Boolean(metadata={"description": "only active (true) or inactive (false) people"})


PeoplePage = page_envelope(PersonOut, "PeoplePage")


@blp.route("", methods=["GET"])
@api_call(blp, "people:read")
@blp.arguments(PeopleArgs, location="query", as_kwargs=True, unknown=RAISE)
@blp.response(200, PeoplePage)
def list_(**args: Any) -> dict[str, Any]:
    """People in id order, a page at a time."""
    offset, limit = page_of(args)
    people, total = list_people(offset, limit, args.get("active"))
    return {"items": people, "page": args["page"], "per_page": args["per_page"],
            "total": total}


@blp.route("/<id:person_id>", methods=["GET"])
@api_call(blp, "people:read")
@blp.response(200, PersonOut)
def read(person_id: int) -> Person:
    """One person."""
    return get_person(person_id)
