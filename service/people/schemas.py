"""Validation of people coming in from files."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, fields, post_load, pre_load, validate

from service.rubrics.schemas import LANGUAGES


class PersonImportSchema(Schema):
    class Meta:
        unknown = RAISE

    directory_id = fields.String(required=True, validate=validate.Length(min=1, max=255))
    email = fields.Email(required=True)
    given_name = fields.String(load_default="", validate=validate.Length(max=200))
    family_name = fields.String(load_default="", validate=validate.Length(max=200))
    display_name = fields.String(validate=validate.Length(max=400))
    title = fields.String(load_default="", validate=validate.Length(max=400))
    department = fields.String(load_default="", validate=validate.Length(max=400))
    manager_directory_id = fields.String(load_default=None, allow_none=True)
    language = fields.String(load_default=None, allow_none=True,
                             validate=validate.OneOf(LANGUAGES))
    username = fields.String(validate=validate.Length(max=255))
    active = fields.Boolean()

    @pre_load
    def normalise_language(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        """Directories say 'cy-GB' or 'en-GB'; keep the language part."""
        if data.get("language"):
            data["language"] = data["language"].split("-")[0].split("_")[0].lower()
        return data

    @post_load
    def fill_display_name(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["email"] = data["email"].strip()
        if not data.get("display_name"):
            data["display_name"] = (
                f"{data['given_name']} {data['family_name']}".strip() or data["email"]
            )
        return data

