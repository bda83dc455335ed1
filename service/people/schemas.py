"""Validation of people coming in from files."""

from __future__ import annotations

from typing import Any

from marshmallow import post_load, pre_load

from service.rubrics.schemas import LANGUAGES
from service.validation import Boolean, Email, Length, OneOf, Schema, String


class PersonImportSchema(Schema):
    """One person of a file; its messages (service.validation) reach the import page."""

    directory_id = String(required=True, validate=Length(min=1, max=255))
    email = Email(required=True)
    given_name = String(load_default="", validate=Length(max=200))
    family_name = String(load_default="", validate=Length(max=200))
    display_name = String(validate=Length(max=400))
    title = String(load_default="", validate=Length(max=400))
    department = String(load_default="", validate=Length(max=400))
    manager_directory_id = String(load_default=None, allow_none=True)
    language = String(load_default=None, allow_none=True, validate=OneOf(LANGUAGES))
    username = String(validate=Length(max=255))
    active = Boolean()

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

