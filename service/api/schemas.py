"""Shared pieces of the API's schemas: the page arguments and the page envelope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import fields

from service.validation import Integer, Range, Schema

MAX_PAGE = 100_000
MAX_PER_PAGE = 100


class PageArgs(Schema):
    page = Integer(load_default=1, validate=Range(1, MAX_PAGE))
    per_page = Integer(load_default=25, validate=Range(1, MAX_PER_PAGE))


def page_envelope(item: type[Schema], name: str) -> type[Schema]:
    """{items, page, per_page, total} around ``item``."""
    return type(name, (Schema,), {
        "items": fields.List(fields.Nested(item), required=True),
        "page": fields.Integer(required=True),
        "per_page": fields.Integer(required=True),
        "total": fields.Integer(required=True),
    })


def page_of(args: dict[str, Any]) -> tuple[int, int]:
    """(offset, limit) for the page arguments."""
    return (args["page"] - 1) * args["per_page"], args["per_page"]


class UtcDateTime(fields.DateTime):
    """The database keeps UTC without a zone (service.db.utcnow); the API says it is UTC, as
    RFC 3339 date-times must."""

    def _serialize(self, value: dt.datetime | None, attr: Any, obj: Any,
                   **kwargs: Any) -> str | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return super()._serialize(value, attr, obj, **kwargs)
